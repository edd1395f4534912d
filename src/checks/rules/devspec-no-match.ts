import type { HostView } from '../../deployment/context.js';
import {
  addressSelects,
  describeDevice,
  entryLabel,
  entryLocation,
  fixTarget,
  type HostDevice,
  idsSelect,
  isNetworkSpec,
  matchHost,
  matchingDevices,
  novaPlaybook,
  pfIdInsteadOfVfId,
  physnetOf,
  specText,
  vfKeys,
} from '../../deployment/devspec-helpers.js';
import type { HostFacts } from '../../facts/host-facts.js';
import type { DeviceSpec } from '../../openstack/nova-devspec.js';
import type { HostFinding, Rule } from '../rule.js';

const ids = (devs: readonly HostDevice[]) =>
  [...new Set(devs.map((d) => `${d.vendor_id}:${d.product_id} (${d.dev_type})`))].join(', ');

/** Why a spec selects nothing here, from what each half of it (address/devname, ids) selects. */
function causes(spec: DeviceSpec, devices: readonly HostDevice[], facts: HostFacts): string[] {
  const out: string[] = [];
  const pfs = facts.pfs.filter((p) => (p.totalVfs ?? 0) > 0);
  const pfList = pfs.map((p) => `${p.netdev ?? '(no netdev)'} ${p.pciAddress}`).join(', ') || 'none';
  if (spec.devname) {
    const name = spec.devname;
    const addr = spec.addressObject();
    if (!addr) {
      const alt = facts.pfs.find((p) => p.altnames.includes(name));
      const netdevs = [
        ...facts.pfs.flatMap((p) => [p.netdev, ...p.vfs.map((v) => v.netdev)]),
        ...facts.otherNics.flatMap((n) => n.netdevs),
      ].filter((n): n is string => Boolean(n));
      // A rename usually adds or drops a suffix (ens7f0 → ens7f0np0).
      const near = netdevs.find((n) => n !== name && (n.startsWith(name) || name.startsWith(n)));
      const unbound = facts.pfs.find((p) => p.netdev === null && (p.totalVfs ?? 0) > 0);
      out.push(`/sys/class/net/${name} does not exist on this host, so Nova resolves "devname" to nothing`);
      if (alt)
        out.push(
          `${name} is an altname of ${alt.netdev}: Nova looks the name up in /sys/class/net, which has only the main name`,
        );
      else if (near) out.push(`the host has ${near}: renamed by a driver or naming change?`);
      if (unbound)
        out.push(`the PF ${unbound.pciAddress} has no netdev (driver ${unbound.driver ?? 'none'})`);
      out.push(`the host's SR-IOV PFs: ${pfList}`);
      return out;
    }
  }
  const here = devices.filter((d) => addressSelects(spec, d));
  if (here.length === 0) {
    const a = spec.address;
    if (a && a.kind !== 'regex' && a.fields.func === '*' && a.fields.slot !== '*')
      out.push(
        `the address ${a.toString()} has a wildcard, so Nova does not match VFs through their parent PF, and VFs sit on other slots than the PF`,
      );
    out.push(
      `no device on this host is at ${spec.devname ? `the address of ${spec.devname}` : `address ${a?.toString() ?? '?'}`} (the host's SR-IOV PFs: ${pfList})`,
    );
    const byIds = devices.filter((d) => idsSelect(spec, d));
    if (byIds.length > 0 && (spec.vendorId !== '*' || spec.productId !== '*'))
      out.push(
        `the vendor/product ids alone would select ${byIds.slice(0, 3).map(describeDevice).join(', ')}${byIds.length > 3 ? ', …' : ''}`,
      );
    return out;
  }
  for (const d of here) {
    if (d.dev_type !== 'type-PF' || !d.pf) continue;
    const numVfs = d.pf.numVfs ?? 0;
    if (numVfs === 0 && spec.productId !== '*' && spec.productId === d.pf.vfDeviceId)
      out.push(
        `${describeDevice(d)} has no VFs (sriov_numvfs = 0): create them and make them persistent (they must exist before nova-compute starts)`,
      );
  }
  if (out.length === 0)
    out.push(
      `vendor_id ${spec.vendorId} / product_id ${spec.productId} do not fit the devices at that address, which are ${ids(here)}`,
    );
  return out;
}

/** The exact keys for the PF the SR-IOV agent maps to the spec's physnet on this host, if any. */
function suggest(h: HostView, raw: Record<string, unknown>): string | null {
  const physnet = raw.physical_network;
  const devs = typeof physnet === 'string' ? h.agent()?.mappings?.[physnet] : undefined;
  const pf = h.facts?.pfs.find((x) => x.netdev && devs?.includes(x.netdev) && x.pciAddress);
  if (!pf) return null;
  return `${vfKeys(pf)} (${pf.netdev}, which the SR-IOV agent maps to ${String(physnet)})`;
}

export const rule: Rule = {
  id: 'SRIOV-DEVSPEC-007',
  severity: 'error',
  title: 'A device_spec entry matches no device on the host',
  rationale:
    'Nova validates the spec but not whether it selects anything: a wrong address, a devname that is not there, a wrong product id or VFs not created leave the host with nothing to offer, and ports fail with No valid host was found.',
  needs: 'facts',
  scope: 'host',
  runHost(ctx, h) {
    const out: HostFinding[] = [];
    const m = matchHost(h);
    if (!m || !h.facts) return [];
    const v = h.devspec()!;
    const where = fixTarget(ctx, h);
    for (const p of m.pairs) {
      // Facts list network devices only: judge the specs meant for Neutron ports.
      if (!isNetworkSpec(p.entry.raw)) continue;
      // The PF's id instead of the VF's is SRIOV-DEVSPEC-008.
      if (pfIdInsteadOfVfId(p.spec, m.devices).length > 0) continue;
      const label = entryLabel(p.index, m.pairs.length);
      const tag = p.spec.devname ? 'devname' : 'address';
      const location = entryLocation(h, p.entry, tag);
      const evidence = [`${label} (Nova's order): ${specText(p.entry.raw)}`];
      const hit = matchingDevices(p.spec, m.devices);
      // Devices at the spec's address whose ids the facts lack could match: no conclusion.
      const unknown = () => m.devices.some((d) => !d.idsKnown && addressSelects(p.spec, d));
      if (hit.length === 0 && unknown() && (p.spec.vendorId !== '*' || p.spec.productId !== '*')) continue;
      if (hit.length === 0) {
        // A group-wide list may name devices other hosts have: harmless while another entry
        // serves the same physnet here (Nova ignores a spec that matches nothing).
        const physnet = String(p.entry.raw.physical_network ?? '').toLowerCase();
        const served = m.pairs.some(
          (o) =>
            o !== p &&
            String(o.entry.raw.physical_network ?? '').toLowerCase() === physnet &&
            m.devices.some((d) => m.first.get(d) === o.index),
        );
        if (served) {
          out.push({
            severity: 'info',
            message: `${label} matches no device on this host; other entries serve ${physnetOf(p.entry.raw)} here, so nothing breaks (a list shared by a group may name devices that only other hosts have)`,
            ...(location ? { location } : {}),
            evidence,
          });
          continue;
        }
        out.push({
          severity: 'error',
          message: `${label} matches no device on this host, so Nova offers nothing for ${physnetOf(p.entry.raw)} from it: ${causes(p.spec, m.devices, h.facts).join('; ')}`,
          ...(location ? { location } : {}),
          evidence,
          fix: `point the entry at this host's devices in ${where}: ${suggest(h, p.entry.raw) ?? "the PF's PCI address with its VF product id (see `osa-sriov probe` on the host)"}; then re-run ${novaPlaybook(ctx.release)}`,
        });
        continue;
      }
      if (hit.some((d) => m.first.get(d) === p.index)) continue;
      // Every device it matches is taken by an earlier spec: harmless when their tags agree.
      const earlier = [...new Set(hit.map((d) => m.first.get(d)!))].map((i) => m.pairs[i]!);
      const differ = earlier.filter(
        (e) =>
          JSON.stringify(Object.entries(e.spec.tags).sort()) !==
          JSON.stringify(Object.entries(p.spec.tags).sort()),
      );
      if (differ.length === 0) continue;
      out.push({
        severity: 'error',
        message: `${label} never applies: Nova uses the first entry that matches a device, and every device it matches (${hit.length}) is already taken by ${differ.map((e) => entryLabel(e.index, m.pairs.length)).join(', ')}, whose tags (${differ.map((e) => JSON.stringify(e.spec.tags)).join(', ')}) apply instead of ${JSON.stringify(p.spec.tags)}${v.lines.length > 1 ? '. The order is that of the nova.conf lines, which config_template sorts' : ''}`,
        ...(location ? { location } : {}),
        evidence: [
          ...evidence,
          ...differ.map((e) => `${entryLabel(e.index, m.pairs.length)}: ${specText(e.entry.raw)}`),
        ],
        fix: `make the entries select different devices (the PF address with the VF product id for each PF) in ${where}; then re-run ${novaPlaybook(ctx.release)}`,
      });
    }
    return out;
  },
};
