// The worker thread behind test/cli-helpers.ts: runs main() of src/cli/main.ts for each request,
// with the request's arguments, standard input and environment, and answers with what it wrote.
import { Readable } from 'node:stream';
import { type MessagePort, workerData } from 'node:worker_threads';
import type { CliWriter } from '../src/cli/cli-io.js';
import { main } from '../src/cli/main.js';

export interface CliRequest {
  id: number;
  args: string[];
  input: string | undefined;
  env: NodeJS.ProcessEnv;
  cwd: string;
}

export interface CliAnswer {
  status: number | null;
  stdout: string;
  stderr: string;
}

export interface CliMessage extends CliAnswer {
  /** The request answered; null when the worker ends outside any. */
  id: number | null;
  /** The worker thread has ended: start another. */
  ended?: boolean;
}

const { port, done } = workerData as { port: MessagePort; done: Int32Array };

function capture(): { writer: CliWriter; text: () => string } {
  const chunks: Buffer[] = [];
  return {
    // Not a terminal, like the pipes of a child process.
    writer: { write: (c: string | Uint8Array) => chunks.push(Buffer.from(c)), isTTY: false },
    text: () => Buffer.concat(chunks).toString('utf8'),
  };
}

function answer(message: CliMessage): void {
  port.postMessage(message);
  Atomics.store(done, 0, 1);
  Atomics.notify(done, 0);
}

let current: { id: number; out: ReturnType<typeof capture>; err: ReturnType<typeof capture> } | null = null;

// The CLI must return its status, never end the process: in a test it would end this thread
// (or the test run). Say so at once rather than leave the caller waiting for its timeout.
process.on('exit', (code) => {
  answer({
    id: current?.id ?? null,
    status: null,
    stdout: current?.out.text() ?? '',
    stderr: `${current?.err.text() ?? ''}the CLI called process.exit(${code}): main() must return the status instead`,
    ended: true,
  });
});

port.on('message', async (req: CliRequest) => {
  const out = capture();
  const err = capture();
  current = { id: req.id, out, err };
  let result: CliAnswer;
  try {
    const status = await main(req.args, {
      stdin: Readable.from(req.input === undefined ? [] : [Buffer.from(req.input)]),
      stdout: out.writer,
      stderr: err.writer,
      env: req.env,
      cwd: req.cwd,
    });
    result = { status, stdout: out.text(), stderr: err.text() };
  } catch (e) {
    // main() answers every error itself; this is a bug in it, shown as the process would crash.
    result = { status: null, stdout: out.text(), stderr: `${err.text()}${(e as Error).stack ?? e}` };
  }
  current = null;
  answer({ id: req.id, ...result });
});
