// The host's NUMA topology from the collector's sysfs records (docs/host-facts.md, "numa").
import type { NumaFacts, NumaNode } from './host-facts.js';
import type { Snapshot } from './snapshot.js';

const NODE_DIR = '/sys/devices/system/node';
/** More CPUs than any kernel supports (NR_CPUS is at most 8192): a list beyond is not trusted. */
const MAX_CPU = 65535;

function count(v: string | null): number | null {
  return v !== null && /^\d+$/.test(v) ? Number(v) : null;
}

/** A kernel CPU list ("0-3,8,10-11", or empty) as numbers; null when it is not one. */
export function parseCpuList(text: string): number[] | null {
  const t = text.trim();
  if (t === '') return [];
  if (!/^\d+(-\d+)?(,\d+(-\d+)?)*$/.test(t)) return null;
  const cpus = new Set<number>();
  for (const part of t.split(',')) {
    const [a, b = a] = part.split('-').map(Number) as [number, number?];
    if (b < a || b > MAX_CPU) return null;
    for (let c = a; c <= b; c++) cpus.add(c);
  }
  return [...cpus].sort((x, y) => x - y);
}

/** One socket for all the CPUs, or null (no CPUs, one unknown, or several sockets). */
function socketOf(snap: Snapshot, cpus: number[] | null): number | null {
  if (cpus === null || cpus.length === 0) return null;
  let socket: number | null = null;
  for (const c of cpus) {
    const s = count(snap.attr(`/sys/devices/system/cpu/cpu${c}/topology/physical_package_id`));
    if (s === null || (socket !== null && s !== socket)) return null;
    socket = s;
  }
  return socket;
}

/** The NUMA nodes; null when the snapshot has no NUMA records or the kernel has no node directory. */
export function numaFromSnapshot(snap: Snapshot): NumaFacts | null {
  if (!snap.has(NODE_DIR)) return null;
  const nodes: NumaNode[] = [];
  for (const name of snap.list(NODE_DIR)) {
    const m = name.match(/^node(\d+)$/);
    if (!m) continue;
    const N = `${NODE_DIR}/${name}`;
    // An empty cpulist is an inline value with nothing after it: line() keeps it, attr() does not.
    const list = snap.line(`${N}/cpulist`) ?? snap.attr(`${N}/cpulist`);
    const cpus = list === null ? null : parseCpuList(list);
    const hugepages: NumaNode['hugepages'] = [];
    for (const h of snap.list(`${N}/hugepages`)) {
      const size = h.match(/^hugepages-(\d+)kB$/);
      if (!size || Number(size[1]) <= 0) continue;
      hugepages.push({
        sizeKb: Number(size[1]),
        total: count(snap.attr(`${N}/hugepages/${h}/nr_hugepages`)),
        free: count(snap.attr(`${N}/hugepages/${h}/free_hugepages`)),
      });
    }
    hugepages.sort((a, b) => a.sizeKb - b.sizeKb);
    nodes.push({ id: Number(m[1]), cpus, socket: socketOf(snap, cpus), hugepages });
  }
  nodes.sort((a, b) => a.id - b.id);
  return { nodes };
}
