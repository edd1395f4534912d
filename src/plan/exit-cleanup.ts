// Things a command must undo however it ends (a staging copy, a lock): run on a normal exit,
// on an exception and on SIGINT, SIGTERM and SIGHUP. Node delivers a signal to JavaScript
// only between synchronous steps, so with the handlers installed a signal never cuts a write
// in half: the current step ends, the cleanups run, and the process dies of the signal.
// SIGKILL cannot be caught: the next run removes what a killed one left (see write.ts).

const cleanups = new Set<() => void>();
let installed = false;

const SIGNALS: readonly NodeJS.Signals[] = ['SIGHUP', 'SIGINT', 'SIGTERM'];

function runAll(): void {
  for (const c of [...cleanups].reverse()) {
    try {
      c();
    } catch {
      // Best effort: one failed cleanup must not keep the others from running.
    }
  }
  cleanups.clear();
}

function install(): void {
  if (installed) return;
  installed = true;
  process.on('exit', runAll);
  // A signal that came during synchronous work waits in libuv; with nothing left to do Node
  // would exit without looking. One more turn of the loop delivers it.
  process.once('beforeExit', () => setImmediate(() => {}));
  for (const name of SIGNALS) {
    const handler = () => {
      runAll();
      process.stderr.write(`osa-sriov: interrupted by ${name}\n`);
      // Die of the signal itself, as the caller expects (a shell shows 128+n).
      process.off(name, handler);
      process.kill(process.pid, name);
    };
    process.on(name, handler);
  }
}

/** Registers a cleanup; returns the function that runs it now and unregisters it. */
export function onExit(cleanup: () => void): () => void {
  install();
  cleanups.add(cleanup);
  return () => {
    if (!cleanups.delete(cleanup)) return;
    cleanup();
  };
}

/**
 * Fault injection for the tests of interrupted writes: OSA_SRIOV_TEST_FAULT=<point>=<action>
 * kills (SIGKILL) or signals (SIGTERM) this process at that point. Never set in production.
 */
export function faultPoint(point: string): void {
  const spec = process.env.OSA_SRIOV_TEST_FAULT;
  if (!spec) return;
  const [at, action] = spec.split('=');
  if (at !== point) return;
  if (action === 'kill') process.kill(process.pid, 'SIGKILL');
  else if (action === 'term') process.kill(process.pid, 'SIGTERM');
}
