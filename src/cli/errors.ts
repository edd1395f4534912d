// Errors a user can act on: what is wrong, where, and how to fix it. Exit status 2.

export interface Location {
  file: string;
  line?: number;
  column?: number;
}

export class UserError extends Error {
  constructor(
    message: string,
    readonly location: Location | null = null,
    readonly hint: string | null = null,
  ) {
    super(message);
  }
}

export function formatUserError(e: UserError): string {
  const where = e.location
    ? `${e.location.file}${e.location.line ? `:${e.location.line}:${e.location.column ?? 1}` : ''}: `
    : '';
  return `osa-sriov: error: ${where}${e.message}${e.hint ? `\n  fix: ${e.hint}` : ''}\n`;
}
