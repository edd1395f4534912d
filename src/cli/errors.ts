// Errors a user can act on: what is wrong, where, and how to fix it. Exit status 2.
// The type is the library's InputError (src/errors.ts); UserError is the CLI's own kind of it
// (flags and their combinations, files given on the command line).
import { formatInputError, InputError, type Location } from '../errors.js';

export type { Location };

export class UserError extends InputError {
  constructor(message: string, location: Location | null = null, hint: string | null = null, code = 'usage') {
    super(code, message, location, hint);
  }
}

/** Kept for callers of the CLI module; the text of any InputError. */
export const formatUserError = formatInputError;

/** True when the command line asked for JSON on stdout (`--format json`, `--json`). */
export function wantsJson(argv: readonly string[]): boolean {
  return argv.some(
    (a, i) => a === '--json' || a === '--format=json' || (a === '--format' && argv[i + 1] === 'json'),
  );
}
