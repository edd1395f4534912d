// The worker thread behind test/cli-helpers.ts: runs main() of src/cli/main.ts for each request,
// with the request's arguments, standard input and environment, and answers with what it wrote.
import { Readable } from 'node:stream';
import { type MessagePort, workerData } from 'node:worker_threads';
import type { CliWriter } from '../src/cli/cli-io.js';
import { main } from '../src/cli/main.js';

export interface CliRequest {
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

const { port, done } = workerData as { port: MessagePort; done: Int32Array };

function capture(): { writer: CliWriter; text: () => string } {
  const chunks: Buffer[] = [];
  return {
    // Not a terminal, like the pipes of a child process.
    writer: { write: (c: string | Uint8Array) => chunks.push(Buffer.from(c)), isTTY: false },
    text: () => Buffer.concat(chunks).toString('utf8'),
  };
}

port.on('message', async (req: CliRequest) => {
  const out = capture();
  const err = capture();
  let answer: CliAnswer;
  try {
    const status = await main(req.args, {
      stdin: Readable.from(req.input === undefined ? [] : [Buffer.from(req.input)]),
      stdout: out.writer,
      stderr: err.writer,
      env: req.env,
      cwd: req.cwd,
    });
    answer = { status, stdout: out.text(), stderr: err.text() };
  } catch (e) {
    // main() answers every error itself; this is a bug in it, shown as the process would crash.
    answer = { status: null, stdout: out.text(), stderr: `${err.text()}${(e as Error).stack ?? e}` };
  }
  port.postMessage(answer);
  Atomics.store(done, 0, 1);
  Atomics.notify(done, 0);
});
