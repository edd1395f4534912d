// A parse worker of the facts cache's cold path (src/cli/facts-pool.ts): parses its share of the
// new or changed facts files and sends back each one's cache line (encoded facts), all in one
// buffer that moves to the main thread without a copy. A file that fails to parse is sent back
// as failed (-1): the main thread parses it again, so that its error is the one a plain run gives.
import { type MessagePort, workerData } from 'node:worker_threads';
import { encodeFacts } from '../facts/facts-codec.js';
import { parseFactsFile } from './facts-file.js';

interface Job {
  files: string[];
  port: MessagePort;
  /** Int32 [0]: 0 working, 1 result posted, 2 failed (the main thread parses the files itself). */
  signal: SharedArrayBuffer;
}

const { files, port, signal } = workerData as Job;
const flag = new Int32Array(signal);
try {
  const lines: Buffer[] = [];
  // Per file, its line's end offset in the buffer; -1: not parsed here.
  const ends = new Float64Array(files.length);
  let end = 0;
  files.forEach((file, i) => {
    let line: Buffer;
    try {
      line = Buffer.from(encodeFacts(parseFactsFile(file)), 'utf8');
    } catch {
      ends[i] = -1;
      return;
    }
    lines.push(line);
    end += line.length;
    ends[i] = end;
  });
  // Its own memory (never the shared pool of small buffers), so that it can be transferred.
  const all = Buffer.allocUnsafeSlow(end);
  let at = 0;
  for (const l of lines) at += l.copy(all, at);
  port.postMessage({ buffer: all.buffer, offset: all.byteOffset, ends }, [all.buffer, ends.buffer]);
  Atomics.store(flag, 0, 1);
} catch {
  Atomics.store(flag, 0, 2);
}
Atomics.notify(flag, 0);
