// What one run of the command line reads and writes, passed in rather than taken from `process`:
// bin/osa-sriov.js gives it the process's streams, the tests their own buffers, so the CLI runs
// inside another program exactly as it runs alone. Nothing under src/cli/ touches process.std*,
// process.env, process.exit or process.exitCode (test/unit/cli-in-process.test.ts checks it).

export interface CliWriter {
  write(chunk: string | Uint8Array): unknown;
  /** A terminal: colour (and wrapping at `columns`) may apply. */
  readonly isTTY?: boolean;
  readonly columns?: number;
}

export interface CliIo {
  readonly stdin: AsyncIterable<string | Uint8Array>;
  readonly stdout: CliWriter;
  readonly stderr: CliWriter;
  readonly env: NodeJS.ProcessEnv;
  /** Relative paths in the arguments, and the commands the CLI runs, start here. */
  readonly cwd: string;
}

/** One run: its I/O and the exit status its command chose (0 unless the command sets it). */
export interface CliRun extends CliIo {
  exitCode: number;
}

/** The I/O of this process, for the executable. */
export function processIo(): CliIo {
  return {
    stdin: process.stdin,
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
    cwd: process.cwd(),
  };
}
