// Which inventory host a facts file describes: its file name (collect --ansible writes
// <inventory_hostname>.snapshot) or the hostname it reports, short or fully qualified.
import type { HostFacts } from '../facts/host-facts.js';
import type { Inventory } from '../osa/inventory.js';
import type { FactsForHost } from './context.js';

export interface FactsFile {
  file: string;
  /** The file name without .snapshot / .json. */
  stem: string;
  facts: HostFacts;
}

export interface FactsMatch {
  byHost: Map<string, FactsForHost>;
  unmatched: FactsFile[];
  /** Two files for one host: the caller must refuse (which one is right?). */
  conflicts: Array<{ host: string; files: string[] }>;
}

const short = (name: string) => name.split('.')[0]!;

export function matchFacts(inventory: Inventory, files: readonly FactsFile[]): FactsMatch {
  const physical = [...inventory.hosts.values()].filter((h) => !h.isContainer).map((h) => h.name);
  const exact = new Set(physical);
  const byShort = new Map<string, string[]>();
  for (const h of physical) byShort.set(short(h), [...(byShort.get(short(h)) ?? []), h]);
  const found = new Map<string, FactsFile[]>();
  const unmatched: FactsFile[] = [];
  for (const f of files) {
    const names = [f.stem, f.facts.hostname].filter((n): n is string => !!n);
    let host = names.find((n) => exact.has(n));
    if (!host) {
      for (const n of names) {
        const c = byShort.get(short(n));
        if (c && c.length === 1) {
          host = c[0];
          break;
        }
      }
    }
    if (!host) unmatched.push(f);
    else found.set(host, [...(found.get(host) ?? []), f]);
  }
  const byHost = new Map<string, FactsForHost>();
  const conflicts: FactsMatch['conflicts'] = [];
  for (const [host, fs] of found) {
    if (fs.length > 1) conflicts.push({ host, files: fs.map((f) => f.file) });
    else byHost.set(host, { facts: fs[0]!.facts, source: fs[0]!.file });
  }
  return { byHost, unmatched, conflicts };
}
