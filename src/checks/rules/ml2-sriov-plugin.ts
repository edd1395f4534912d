import type { HostView } from '../../deployment/context.js';
import type { RuleFinding } from '../finding.js';
import type { Rule } from '../rule.js';

/** Where the host asks for SR-IOV: agent interfaces from provider networks, or a Nova device spec. */
function sriovEvidence(h: HostView): string[] {
  const out: string[] = [];
  const sriov = h.render.providerNetworks?.network_sriov_mappings ?? '';
  if (sriov !== '') out.push(`${h.name}: network_sriov_mappings = ${sriov}`);
  // Only specs for Neutron SR-IOV ports: a physnet tag, not remote-managed (OVN binds those),
  // not a GPU or other PCI passthrough device.
  const spec = h.devspec();
  const forPorts = (spec?.entries ?? []).filter(
    (e) =>
      typeof e.raw.physical_network === 'string' &&
      !['true', 'yes', '1', 'on', 't', 'y'].includes(String(e.raw.remote_managed ?? '').toLowerCase()),
  );
  if (spec && forPorts.length > 0)
    out.push(`${h.name}: nova.conf [${spec.section}] ${spec.option} = ${spec.lines.join(' ')}`);
  return out;
}

function pluginTypesFix(h: HostView): string {
  const v = h.variable('neutron_plugin_types');
  const where =
    v?.winner?.loc && v.winner.loc.line > 0
      ? 'in the neutron_plugin_types list defined here'
      : 'to /etc/openstack_deploy/user_variables.yml';
  return `add ml2.sriov ${where}: neutron_plugin_types: [ml2.sriov] (set it once, globally, so neutron-server and the agents agree)`;
}

export const rule: Rule = {
  id: 'SRIOV-ML2-001',
  severity: 'error',
  title: 'ml2.sriov and the SR-IOV configuration disagree',
  rationale:
    'neutron_plugin_types must contain ml2.sriov wherever SR-IOV is configured: it adds the sriovnicswitch mechanism driver to neutron-server and deploys the NIC Switch agent. Without it every direct/macvtap port ends binding_failed.',
  needs: 'config',
  scope: 'deployment', // compares neutron-server's mechanism drivers with the SR-IOV settings of every host
  run(ctx) {
    const out: RuleFinding[] = [];
    const wanting = ctx.allHosts().filter((h) => sriovEvidence(h).length > 0);
    const servers = ctx.inGroup('neutron_server').filter((h) => h.mechanismDrivers().length > 0);
    const selected = new Set(ctx.hosts().map((h) => h.name));
    if (wanting.length > 0) {
      const evidence = wanting.flatMap(sriovEvidence).slice(0, 6);
      for (const s of servers) {
        if (!selected.has(s.name) || s.mechanismDrivers().includes('sriovnicswitch')) continue;
        const loc = s.varLocation('neutron_plugin_types');
        out.push({
          host: s.name,
          severity: 'error',
          message:
            'ml2.sriov is not in neutron_plugin_types: neutron-server has no sriovnicswitch mechanism driver, so every direct/macvtap port fails to bind ("Binding failed for port", vif_type=binding_failed)',
          ...(loc ? { location: loc } : {}),
          evidence: [`ml2_conf.ini [ml2] mechanism_drivers = ${s.mechanismDrivers().join(',')}`, ...evidence],
          fix: pluginTypesFix(s),
        });
      }
      // With the servers right, a host whose own plugin types differ gets no agent.
      if (out.length > 0) return out;
      for (const h of ctx.hosts()) {
        const sriov = h.render.providerNetworks?.network_sriov_mappings ?? '';
        if (sriov === '' || h.runsSriovAgent || !h.groups.has('neutron_sriov_nic_agent')) continue;
        const loc = h.varLocation('neutron_plugin_types');
        out.push({
          host: h.name,
          severity: 'error',
          message: `this host maps SR-IOV interfaces (${sriov}) but its neutron_plugin_types lacks ml2.sriov, so OSA installs no neutron-sriov-nic-agent here and ports bound to it fail`,
          ...(loc ? { location: loc } : {}),
          evidence: sriovEvidence(h),
          fix: pluginTypesFix(h),
        });
      }
      return out;
    }
    // The reverse: SR-IOV enabled and nothing to serve.
    for (const s of servers) {
      if (!selected.has(s.name) || !s.mechanismDrivers().includes('sriovnicswitch')) continue;
      const loc = s.varLocation('neutron_plugin_types');
      out.push({
        host: s.name,
        severity: 'warning',
        message:
          'ml2.sriov is enabled but no host maps an SR-IOV interface (no sriov_host_interfaces in provider_networks) and no compute has a Nova device_spec: SR-IOV ports cannot be scheduled or bound anywhere',
        ...(loc ? { location: loc } : {}),
        evidence: [`ml2_conf.ini [ml2] mechanism_drivers = ${s.mechanismDrivers().join(',')}`],
        fix: 'add sriov_host_interfaces to the provider_networks entry of the SR-IOV physnet in openstack_user_config.yml and a device_spec for the computes, or remove ml2.sriov from neutron_plugin_types',
      });
    }
    return out;
  },
};
