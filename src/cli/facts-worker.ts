// A parse worker of the facts cache's cold path (src/cli/facts-pool.ts): parses new or changed
// facts files, taken one at a time from the queue it shares with the other threads, and sends
// back each one's cache line (encoded facts), all in one buffer that moves to the main thread
// without a copy. A file that fails to parse is not sent: the main thread parses it again, so
// that its error is the one a plain run gives.
import { type MessagePort, workerData } from 'node:worker_threads';
import { encodeFacts } from '../facts/facts-codec.js';
import { parseFactsFile } from './facts-file.js';

interface Job {
  /** Every new file of the run: the worker takes the next one from the queue until none is left. */
  files: string[];
  port: MessagePort;
  /** Int32 [0]: 0 working, 1 result posted, 2 failed (the main thread parses the files itself). */
  signal: SharedArrayBuffer;
  /** Int32 [0]: the index of the next file to take, shared by every thread. */
  queue: SharedArrayBuffer;
}

const { files, port, signal, queue } = workerData as Job;
const flag = new Int32Array(signal);
const next = new Int32Array(queue);
try {
  const lines: Buffer[] = [];
  // Per file parsed here, its index and its line's end offset in the buffer (a file that fails
  // is not sent: the main thread parses it again).
  const indexes: number[] = [];
  const ends: number[] = [];
  let end = 0;
  for (let i = Atomics.add(next, 0, 1); i < files.length; i = Atomics.add(next, 0, 1)) {
    let line: Buffer;
    try {
      line = Buffer.from(encodeFacts(parseFactsFile(files[i]!)), 'utf8');
    } catch {
      continue;
    }
    lines.push(line);
    end += line.length;
    indexes.push(i);
    ends.push(end);
  }
  // Its own memory (never the shared pool of small buffers), so that it can be transferred.
  const all = Buffer.allocUnsafeSlow(end);
  let at = 0;
  for (const l of lines) at += l.copy(all, at);
  const idx = Int32Array.from(indexes);
  const offs = Float64Array.from(ends);
  port.postMessage({ buffer: all.buffer, offset: all.byteOffset, indexes: idx, ends: offs }, [
    all.buffer,
    idx.buffer,
    offs.buffer,
  ]);
  Atomics.store(flag, 0, 1);
} catch {
  Atomics.store(flag, 0, 2);
}
Atomics.notify(flag, 0);
