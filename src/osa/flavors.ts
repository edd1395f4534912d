// The Nova flavors an OSA deployment creates, as OSA creates them. Since 2024.1 (Caracal, 29.x)
// `openstack-ansible openstack-resources.yml` runs the openstack_resources role with
// `openstack_resources_compute: "{{ openstack_user_compute | default({}) }}"`
// (openstack-ansible playbooks/openstack-resources.yml in 2024.1 and 2024.2; from 2025.1 the
// playbook openstack.osa.openstack_resources of openstack-ansible-plugins, same mapping). Its
// tasks/compute.yml loops over `flavors`, each a group `{specs: [...], extra_specs: {...},
// access: [...]}`, and tasks/compute_flavors.yml creates every item of `specs` with
// openstack.cloud.compute_flavor: name, vcpus, ram (MiB), state (default present) and
// `extra_specs: item.extra_specs | default(flavor.extra_specs)` (an item's own extra_specs
// replace the group's, they are not merged). The play runs on
// `openstack_service_setup_host | default(groups['utility_all'][0])`, so its variables are that
// host's. Earlier releases create no flavors: the variable exists but nothing reads it.
import { isDict, type PyValue, pyStr } from '../python.js';
import type { Inventory, InventoryHost, VarDef } from './inventory.js';
import type { DeployDir } from './load.js';
import { type Loc, nodeAt, type YNode } from './pyyaml.js';
import type { Release } from './releases.js';
import { roleDefaultsLookup } from './role-defaults-lookup.js';
import { evaluateTemplate, HostVars } from './vars.js';

/** The first OSA major whose playbooks create openstack_user_compute's flavors. */
export const FLAVORS_SINCE = 29;
export const FLAVORS_VAR = 'openstack_user_compute';

export interface OsaFlavor {
  name: string;
  vcpus: number;
  /** MiB. */
  ram: number;
  /** As Nova stores them: strings (compute_flavor sends YAML values; Nova str()s numbers and booleans). */
  extraSpecs: Record<string, string>;
  /** Where the flavor's item is written (its extra_specs may come from its group). */
  location: Loc | null;
  /** Where its extra_specs are written (the item's own, else its group's). */
  extraSpecsLocation: Loc | null;
}

export interface OsaFlavors {
  /** The flavors with state present, in the order OSA creates them. */
  flavors: OsaFlavor[];
  /** Items OSA would fail on or that this model cannot read (a Jinja expression it does not evaluate). */
  unreadable: string[];
  /** The host whose variables the play uses. */
  setupHost: string;
}

/** The play's host: openstack_service_setup_host when it names an inventory host, else utility_all[0]. */
function setupHost(deploy: DeployDir, inventory: Inventory, release: Release): InventoryHost | null {
  const hosts = [...inventory.hosts.values()];
  const first = hosts.find((h) => h.groups.includes('utility_all')) ?? hosts[0] ?? null;
  if (!first) return null;
  const v = new HostVars(first, deploy, inventory, release, roleDefaultsLookup(release)).get(
    'openstack_service_setup_host',
  );
  if (typeof v.value === 'string' && inventory.hosts.has(v.value)) return inventory.hosts.get(v.value)!;
  return first;
}

const WHOLE_REF = /^\s*\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}\s*$/;

/**
 * The flavors the deploy dir asks OSA to create, or null when the release creates none or the
 * deployment does not define openstack_user_compute.
 */
export function osaFlavors(deploy: DeployDir, inventory: Inventory, release: Release): OsaFlavors | null {
  if (release.major < FLAVORS_SINCE) return null;
  const host = setupHost(deploy, inventory, release);
  if (!host) return null;
  const hv = new HostVars(host, deploy, inventory, release, roleDefaultsLookup(release));
  const top = hv.get(FLAVORS_VAR);
  if (top.value === undefined || !top.winner) return null;
  const out: OsaFlavors = { flavors: [], unreadable: [], setupHost: host.name };
  // A value written as "{{ other_var }}" (OSA's own example does so for each group): the
  // variable it names, with that variable's YAML for locations.
  const resolve = (
    value: PyValue | undefined,
    node: YNode | null,
    def: VarDef | null,
  ): { value: PyValue | undefined; node: YNode | null } => {
    if (typeof value !== 'string' || !value.includes('{{')) return { value, node };
    const ref = value.match(WHOLE_REF)?.[1];
    if (ref) {
      const r = hv.get(ref);
      if (r.value !== undefined && !(r.template && !r.template.evaluated))
        return { value: r.value, node: r.winner?.node ?? null };
    }
    const t = evaluateTemplate(value, (n) => hv.get(n).value, release.major <= 32);
    return t.ok ? { value: t.value, node: null } : { value: undefined, node: def?.node ?? null };
  };
  const root = resolve(top.value, top.winner.node, top.winner);
  if (!isDict(root.value)) return out;
  const groups = resolve(root.value.flavors, nodeAt(root.node, ['flavors']), top.winner);
  if (!Array.isArray(groups.value)) return out;
  groups.value.forEach((g, gi) => {
    const group = resolve(g, nodeAt(groups.node, [gi]), top.winner);
    const gv = group.value;
    if (!isDict(gv)) {
      out.unreadable.push(`flavors[${gi}]: ${pyStr(g)}`);
      return;
    }
    const specs = resolve(gv.specs, nodeAt(group.node, ['specs']), top.winner);
    if (!Array.isArray(specs.value)) return;
    specs.value.forEach((s, si) => {
      const item = resolve(s, nodeAt(specs.node, [si]), top.winner);
      const v = item.value;
      if (!isDict(v)) {
        out.unreadable.push(`flavors[${gi}].specs[${si}]: ${pyStr(s)}`);
        return;
      }
      if ((v.state ?? 'present') !== 'present') return;
      const vcpus = Number(v.vcpus);
      const ram = Number(v.ram);
      if (typeof v.name !== 'string' || !Number.isInteger(vcpus) || !Number.isInteger(ram)) {
        out.unreadable.push(`flavors[${gi}].specs[${si}]: name, vcpus and ram are needed`);
        return;
      }
      // `item.extra_specs | default(flavor['extra_specs'] | default(omit))`: Jinja's default
      // applies only when the item has no extra_specs key at all.
      const own = 'extra_specs' in v;
      const raw = own ? v.extra_specs : gv.extra_specs;
      const specsNode = own ? nodeAt(item.node, ['extra_specs']) : nodeAt(group.node, ['extra_specs']);
      const es = resolve(raw, specsNode, top.winner);
      const extraSpecs: Record<string, string> = {};
      if (isDict(es.value)) for (const [k, x] of Object.entries(es.value)) extraSpecs[k] = pyStr(x);
      out.flavors.push({
        name: v.name,
        vcpus,
        ram,
        extraSpecs,
        location: item.node?.loc ?? top.winner?.loc ?? null,
        extraSpecsLocation: es.node?.loc ?? item.node?.loc ?? null,
      });
    });
  });
  return out;
}
