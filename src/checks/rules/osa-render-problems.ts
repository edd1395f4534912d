import { toLocation } from '../../deployment/context.js';
import { neutronPlaybook, novaPlaybook } from '../../deployment/vars-helpers.js';
import type { RenderFailureCode } from '../../osa/render.js';
import type { RuleFinding } from '../finding.js';
import type { Rule } from '../rule.js';

/** Problems about the Nova PCI variables belong to SRIOV-DEVSPEC-001. */
const DEVSPEC_CODES: ReadonlySet<RenderFailureCode> = new Set([
  'nova-pci-repr',
  'nova-device-spec-string-loop',
  'nova-pci-alias-not-json',
]);

function fixFor(
  code: RenderFailureCode,
  release: { major: number; series: string },
  playbooks: [string, string],
): string {
  const [neutron, nova] = playbooks;
  if (code === 'unknown-neutron-plugin') {
    const names = [
      ...(release.major <= 30 ? ['ml2.lxb'] : []),
      'ml2.ovs',
      'ml2.ovs.dvr',
      ...(release.major >= 19 ? ['ml2.ovn'] : []),
      'ml2.sriov',
    ];
    return `use a plugin name OSA ${release.series} knows in neutron_plugin_type / neutron_plugin_types (${names.join(', ')}${release.major >= 31 ? '; Linux bridge (ml2.lxb) was removed in 2025.1' : ''}) where the variable is defined (normally /etc/openstack_deploy/user_variables.yml, set once for every host), then run ${neutron}`;
  }
  if (code === 'scheduler-filters-string')
    return `write nova_scheduler_default_filters as a YAML list (one filter per item) where it is defined (normally /etc/openstack_deploy/user_variables.yml), or leave OSA's default and add PciPassthroughFilter to nova_scheduler_extra_filters; then run ${nova}`;
  return 'change the variable at this location so that OSA can render it';
}

export const rule: Rule = {
  id: 'SRIOV-OSA-001',
  severity: 'error',
  title: 'OpenStack-Ansible would fail while rendering the SR-IOV configuration',
  rationale:
    'Some values make the os_neutron or os_nova role itself fail (an unknown neutron plugin name, the scheduler filters as a string where a list is needed): the playbook stops before any service is configured.',
  needs: 'config',
  scope: 'deployment', // the inventory generator fails for the whole deployment; the hosts' render failures follow
  run(ctx) {
    const out: RuleFinding[] = [];
    // The inventory generator stops before any playbook: nothing else of the deployment runs.
    for (const f of ctx.model.inventory.failures) {
      const location = toLocation(f.location);
      out.push({
        severity: 'error',
        message: f.message,
        ...(location ? { location } : {}),
        fix: 'give the entry an ip_from_q (a cidr_networks queue, as the management network has), or keep the services bound to it on metal (is_metal: true for their container_skel in /etc/openstack_deploy/env.d), or bind the entry only to groups whose hosts are on metal; the other findings of this report assume the inventory is built',
      });
    }
    const playbooks: [string, string] = [neutronPlaybook(ctx.release), novaPlaybook(ctx.release)];
    for (const h of ctx.hosts()) {
      for (const p of h.render.problems) {
        if (DEVSPEC_CODES.has(p.code)) continue;
        const location = toLocation(p.location);
        out.push({
          host: h.name,
          severity: 'error',
          message: p.message,
          ...(location ? { location } : {}),
          fix: fixFor(p.code, ctx.release, playbooks),
        });
      }
    }
    return out;
  },
};
