// nova/pci/utils.py pci_device_prop_match: does a pool satisfy any of a request's specs?
// Strings compare case-insensitively, a list value must be a subset of the pool's list, and a
// key the pool lacks reads as None (so physical_network=None matches untagged pools only).

type Value = unknown;

/** Python == between two JSON values (1 == True, as Python has it). */
function pyEq(a: Value, b: Value): boolean {
  const norm = (x: Value) => (x === true ? 1 : x === false ? 0 : x === undefined ? null : x);
  const x = norm(a);
  const y = norm(b);
  if (typeof x === 'object' || typeof y === 'object') return JSON.stringify(x) === JSON.stringify(y);
  return x === y;
}

function specMatches(pool: Readonly<Record<string, Value>>, spec: Readonly<Record<string, Value>>): boolean {
  for (const [k, v] of Object.entries(spec)) {
    const p = k in pool ? pool[k] : null;
    if (Array.isArray(v) && Array.isArray(p)) {
      if (!v.every((x) => p.some((y) => pyEq(x, y)))) return false;
      continue;
    }
    const a = typeof v === 'string' ? v.toLowerCase() : v;
    const b = typeof p === 'string' ? p.toLowerCase() : p;
    if (!pyEq(b, a)) return false;
  }
  return true;
}

/** True when the pool matches at least one of the specs (they are ORed). */
export function pciDevicePropMatch(
  pool: Readonly<Record<string, Value>>,
  specs: ReadonlyArray<Readonly<Record<string, Value>>>,
): boolean {
  return specs.some((s) => specMatches(pool, s));
}
