import type { HostView } from '../../deployment/context.js';
import {
  type FdbView,
  factsLine,
  fdbCovers,
  fdbView,
  type HostPf,
  hostPfs,
  isSriovCompute,
  novaListVar,
  pfLabel,
  pfLocation,
  usedAs,
  verdict,
} from '../../deployment/host-helpers.js';
import { type Release, releaseLabel } from '../../osa/releases.js';
import type { HostFinding, Rule } from '../rule.js';

const BROKEN =
  'traffic from a VF to a VM, router or DHCP port behind the bridge on this same host leaves by the uplink and does not come back, so SR-IOV instances cannot reach normal-port instances, routers or DHCP servers on this host';

function fdbMapping(hp: HostPf): string {
  const dev = hp.pf.netdev ?? 'PF';
  return (hp.physnets.length > 0 ? hp.physnets : ['PHYSNET']).map((p) => `${p}:${dev}`).join(',');
}

function fixFor(h: HostView, view: FdbView, hp: HostPf, rel: Release): string {
  const release = releaseLabel(rel);
  const dev = hp.pf.netdev ?? pfLabel(hp.pf);
  const nova = novaListVar(h, rel);
  const own = `or give SR-IOV a PF of its own that is in no bridge (sriov_host_interfaces, and the PF address in ${nova})`;
  const rerun = 'then re-run os-neutron-install.yml (openstack.osa.neutron from 2024.2)';
  if (view.agent === 'ovn')
    return `give SR-IOV a PF that is not an OVS bridge port (sriov_host_interfaces of the provider_networks entry, and the PF address in ${nova}), or keep ${dev} out of the OVS bridge; ML2/OVN has no FDB extension to make a shared PF work`;
  if (view.agent === 'none')
    return `run the OVS agent with the FDB extension on this host (neutron_plugin_type ml2.ovs), ${own}`;
  const ovr =
    view.agent === 'openvswitch'
      ? 'neutron_openvswitch_agent_ini_overrides'
      : 'neutron_linuxbridge_agent_ini_overrides';
  const setting = `${ovr}: {agent: {extensions: fdb}, FDB: {shared_physical_device_mappings: "${fdbMapping(hp)}"}} (keep qos in extensions if you use it)`;
  if (view.templateLacksFdb)
    return `OSA ${release} writes no FDB extension for the OVS agent (added in Yoga): set in /etc/openstack_deploy/host_vars/${h.name}.yml ${setting}, ${rerun}; ${own}`;
  if (view.overrideVar)
    return `OSA writes extensions = fdb and [FDB] shared_physical_device_mappings from the SR-IOV mappings, but ${view.overrideVar} replaces them for this host: keep fdb in agent.extensions and ${fdbMapping(hp)} in FDB.shared_physical_device_mappings, ${rerun}`;
  return `set ${setting} for this host (/etc/openstack_deploy/host_vars/${h.name}.yml), ${rerun}; ${own}`;
}

export const rule: Rule = {
  id: 'SRIOV-HOST-005',
  severity: 'warning',
  title: 'A PF used for SR-IOV is also a port of an OVS or Linux bridge',
  rationale:
    "The NIC's embedded switch does not know the MACs behind a bridge on its own PF, so VFs and bridge ports on one host cannot talk unless the L2 agent's FDB extension adds those MACs to the PF ([FDB] shared_physical_device_mappings).",
  needs: 'facts',
  scope: 'host',
  runHost(ctx, h) {
    const out: HostFinding[] = [];
    if (!h.facts || !isSriovCompute(h)) return [];
    const view = fdbView(h, ctx.release);
    for (const hp of hostPfs(h)) {
      const { pf } = hp;
      const kind = pf.master?.kind;
      if (kind !== 'ovs' && kind !== 'bridge') continue;
      if (hp.physnets.length === 0 && hp.devspec.vfs.length === 0) continue;
      const who = pfLabel(pf);
      const where =
        kind === 'ovs'
          ? `a port of Open vSwitch (master ${pf.master!.name})`
          : `a port of bridge ${pf.master!.name}`;
      const code = verdict(h.facts, pf, 'pf.shared-with-switch')?.code;
      const evidence = [
        `${pf.netdev ?? who}: master ${kind} ${pf.master!.name}`,
        `used as: ${usedAs(hp)}`,
        ...view.evidence,
        ...(code ? [`readiness: ${code}`] : []),
        factsLine(h),
      ];
      if (fdbCovers(view, pf, hp.physnets)) {
        const loc = pfLocation(h, hp);
        out.push({
          severity: 'info',
          message: `${who} is also ${where}; the ${view.agent === 'openvswitch' ? 'OVS' : 'Linux bridge'} agent's FDB extension lists it ([FDB] shared_physical_device_mappings), so instances on its VFs and on bridge ports of this host can reach each other`,
          ...(loc ? { location: loc } : {}),
          evidence,
        });
        continue;
      }
      let why: string;
      if (view.agent === 'ovn')
        why = 'ML2/OVN runs no L2 agent, so there is no FDB extension to add the MACs of OVS ports to the PF';
      else if (view.agent === 'none') why = 'no Neutron L2 agent with an FDB extension runs on this host';
      else if (!view.enabled)
        why = `the ${view.agent === 'openvswitch' ? 'OVS' : 'Linux bridge'} agent does not load the fdb extension`;
      else
        why = `the ${view.agent === 'openvswitch' ? 'OVS' : 'Linux bridge'} agent's [FDB] shared_physical_device_mappings does not map ${fdbMapping(hp)}`;
      const loc = view.overrideVar
        ? (h.varLocation(view.overrideVar, view.enabled ? ['FDB'] : ['agent', 'extensions']) ??
          h.varLocation(view.overrideVar))
        : pfLocation(h, hp);
      out.push({
        severity: 'warning',
        message: `${who} is used for SR-IOV and is also ${where}, and ${why}: ${BROKEN}`,
        ...(loc ? { location: loc } : {}),
        evidence,
        fix: fixFor(h, view, hp, ctx.release),
      });
    }
    return out;
  },
};
