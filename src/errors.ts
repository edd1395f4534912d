// One error type for everything a user can act on: what is wrong (the message), where (a file,
// and a line and column when known), how to fix it (the hint), and a stable code that scripts can
// test (docs/errors.md lists them). The library's input errors extend it; the CLI handles it once,
// at its edge: the what/where/fix text on stderr, exit status 2.

/** A place in a file; line and column are 1-based and absent when unknown. */
export interface Location {
  file: string;
  line?: number;
  column?: number;
}

/** An InputError as JSON (`osa-sriov/error@1`), for consumers of `--format json`. */
export interface InputErrorJson {
  code: string;
  message: string;
  location: Location | null;
  hint: string | null;
}

export const ERROR_SCHEMA = 'osa-sriov/error@1';

/** A location, or null, from the shapes the parsers produce (line 0 or null: no line). */
export function locationOf(
  file: string | null | undefined,
  line?: number | null,
  column?: number | null,
): Location | null {
  if (!file) return null;
  if (!line || line < 1) return { file };
  return { file, line, column: column && column > 0 ? column : 1 };
}

export class InputError extends Error {
  override name = 'InputError';
  /** Where; filled in by `inFile` when the code that found the error did not know the file. */
  location: Location | null;
  /** A line inside an unnamed input (a buffer), kept until its file is known. */
  private pendingLine: { line: number; column: number } | null = null;

  constructor(
    /** Stable, kebab-case: what kind of problem (docs/errors.md). */
    readonly code: string,
    message: string,
    location: Location | null = null,
    readonly hint: string | null = null,
  ) {
    super(message);
    this.location = location;
  }

  /** An error at a line of an input whose name the caller knows (see `inFile`). */
  atLine(line: number | null | undefined, column = 1): this {
    if (line && line > 0) this.pendingLine = { line, column };
    return this;
  }

  /** Names the file of an error found in an unnamed input; a known location is kept. */
  inFile(file: string): this {
    if (this.location === null)
      this.location = locationOf(file, this.pendingLine?.line, this.pendingLine?.column);
    return this;
  }

  /** The line the error is at, whether or not the file is known yet. */
  get line(): number | null {
    return this.location?.line ?? this.pendingLine?.line ?? null;
  }

  /** `file:line:col`, `file`, or '' when nothing is known. */
  get where(): string {
    const l = this.location;
    if (!l) return this.pendingLine ? `line ${this.pendingLine.line}` : '';
    return l.line ? `${l.file}:${l.line}:${l.column ?? 1}` : l.file;
  }

  toJSON(): InputErrorJson {
    return { code: this.code, message: this.message, location: this.location, hint: this.hint };
  }
}

/** The CLI's text for an input error: `osa-sriov: error: WHERE: WHAT` and `  fix: HOW`. */
export function formatInputError(e: InputError): string {
  const where = e.where;
  return `osa-sriov: error: ${where ? `${where}: ` : ''}${e.message}${e.hint ? `\n  fix: ${e.hint}` : ''}\n`;
}

/** The JSON document printed on stdout for an input error when JSON output was asked for. */
export function inputErrorDocument(e: InputError): string {
  return `${JSON.stringify({ schema: ERROR_SCHEMA, error: e.toJSON() }, null, 2)}\n`;
}
