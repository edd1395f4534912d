// Every value a plan writes comes from the inventory, the hosts' facts or the intent: before
// any of it reaches an OSA file, a file name or the host setup, it must pass the name rules
// (src/names.ts). A value that does not is refused with the place it came from.
import { readFileSync } from 'node:fs';
import type { FactsForHost } from '../deployment/context.js';
import { InputError, type Location } from '../errors.js';
import { inventoryHostProblem, jinjaProblem, showName, writableIfnameProblem } from '../names.js';
import type { DeploymentModel } from '../osa/model.js';
import type { DerivedPlan } from './derive.js';

type UnsafeLocation = Location;

/** A name or value from the inventory, the facts or the intent that plan will not write. */
export class UnsafeValueError extends InputError {
  constructor(message: string, location: Location | null, hint: string) {
    super('plan-unsafe-value', message, location, hint);
  }
}

/** The first line of `file` that holds `needle`, for the error's location. */
function locateIn(file: string, needles: readonly string[]): UnsafeLocation {
  let text: string;
  try {
    text = readFileSync(file, 'latin1');
  } catch {
    return { file };
  }
  for (const n of needles) {
    const at = n === '' ? -1 : text.indexOf(n);
    if (at >= 0) {
      const before = text.slice(0, at).split('\n');
      return { file, line: before.length, column: before.at(-1)!.length + 1 };
    }
  }
  return { file };
}

/** Where the inventory defines a host: the first config file that names it. */
export function hostDefinedAt(model: DeploymentModel, host: string): UnsafeLocation {
  const files = [
    ...model.deploy.userConfigFiles,
    ...(model.deploy.inventory ? [model.deploy.inventory.file] : []),
  ];
  for (const f of files) {
    const loc = locateIn(f, [JSON.stringify(host), `'${host}'`, host]);
    if (loc.line) return loc;
  }
  return { file: model.deploy.dir };
}

/** Throws UnsafeValueError unless `host` can name a play's hosts and a host_vars file. */
export function assertInventoryHost(model: DeploymentModel, host: string): void {
  const problem = inventoryHostProblem(host);
  if (problem)
    throw new UnsafeValueError(
      `inventory host name ${showName(host)} ${problem}`,
      hostDefinedAt(model, host),
      'rename the host in the inventory: osa-sriov writes host_vars/<host>.yml and Ansible plays for it',
    );
}

function strings(v: unknown, out: string[] = []): string[] {
  if (typeof v === 'string') out.push(v);
  else if (Array.isArray(v)) for (const x of v) strings(x, out);
  else if (typeof v === 'object' && v !== null) for (const x of Object.values(v)) strings(x, out);
  return out;
}

/**
 * Checks the names and values of a derived plan before anything is written: host names,
 * the PF names from the facts, and every string of the device specs, mappings and excluded
 * devices (no Jinja: Ansible would evaluate it on the deploy host).
 */
export function assertPlanValuesSafe(
  derived: DerivedPlan,
  model: DeploymentModel,
  facts: ReadonlyMap<string, FactsForHost>,
): void {
  for (const h of derived.hosts) {
    assertInventoryHost(model, h.host);
    const source = facts.get(h.host)?.source;
    for (const p of h.pfs) {
      const name = p.pf.netdev ?? '';
      const problem = writableIfnameProblem(name);
      if (problem)
        throw new UnsafeValueError(
          `${h.host}: PF ${p.pf.pciAddress ?? '?'} has the interface name ${showName(name)}, which ${problem}: osa-sriov cannot write it into the deployment`,
          source ? locateIn(source, [JSON.stringify(name), name]) : null,
          'rename the interface on the host (a systemd .link file or a udev rule), collect its facts again and re-plan',
        );
    }
    for (const s of strings([h.deviceSpec, h.mappings, h.excludedDevices])) {
      const problem = jinjaProblem(s);
      if (problem)
        throw new UnsafeValueError(
          `${h.host}: the planned value ${showName(s)} ${problem}`,
          source ? { file: source } : null,
          'collect the host again: its facts hold a value no real host has',
        );
    }
  }
}
