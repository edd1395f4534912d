// Shared test helpers: paths to the repository, its test data, and ../shared.
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..');
/**
 * The shared material beside a development checkout: only the SR-IOV VM (test/vm) and the live
 * OpenStack (test/live) need it. Test data is read from the repository's own copies below, so a
 * plain clone passes its tests (test/unit/test-data.test.ts keeps it so).
 */
export const SHARED = resolve(REPO, '../shared');
export const FIXTURES = resolve(REPO, 'test/fixtures');
/** Real outputs of a production SR-IOV lab (test/fixtures/seed/README.md). */
export const SEED = resolve(FIXTURES, 'seed');
/** Expectations computed by the unmodified upstream code (test/vectors/README.md). */
export const VECTORS = resolve(REPO, 'test/vectors');

export function seed(name: string): string {
  return readFileSync(resolve(SEED, name), 'utf8');
}

export function fixture(name: string): string {
  return readFileSync(resolve(FIXTURES, name), 'utf8');
}

export function vectors<T>(name: string): T {
  return JSON.parse(readFileSync(resolve(VECTORS, name), 'utf8')) as T;
}

/** Splits "=== name" sections of a sriov-vm guest's output. */
export function sections(text: string): Map<string, string> {
  const out = new Map<string, string>();
  let name: string | null = null;
  let buf: string[] = [];
  for (const line of text.split('\n')) {
    const m = line.match(/^=== (\S+)$/);
    if (m) {
      if (name !== null) out.set(name, `${buf.join('\n')}\n`);
      name = m[1]!;
      buf = [];
    } else if (name !== null) buf.push(line);
  }
  if (name !== null) out.set(name, `${buf.join('\n').replace(/\n+$/, '')}\n`);
  return out;
}

/** "key value" lines (the guest's sysfs ground truth) to a map. */
export function keyValues(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split('\n')) {
    const m = line.match(/^(\S+) ?(.*)$/);
    if (m) out.set(m[1]!, m[2]!.trim());
  }
  return out;
}

/** A small seeded PRNG (mulberry32) for property tests: the same cases on every run. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
