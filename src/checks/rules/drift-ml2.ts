import { ML2_INI } from '../../deployment/context.js';
import {
  type Drift,
  type DriftFinding,
  driftFinding,
  type FileSetting,
  factsAreOwnFiles,
  fileDrift,
  listItems,
} from '../../deployment/drift-helpers.js';
import { neutronPlaybook } from '../../deployment/playbooks.js';
import type { Release } from '../../osa/releases.js';
import type { Rule } from '../rule.js';

/**
 * The [ml2] settings that decide whether and where neutron-server binds SR-IOV ports, with the
 * oslo default a file without them means. Neutron 2026.1 (OSA 33) renamed tenant_network_types
 * to project_network_types (the old name stays a deprecated alias, the new one wins).
 */
function settings(release: Release): FileSetting[] {
  return [
    { section: 'ml2', label: 'mechanism_drivers', options: ['mechanism_drivers'], unset: '' },
    release.major >= 33
      ? {
          section: 'ml2',
          label: 'project_network_types',
          options: ['tenant_network_types', 'project_network_types'],
          unset: 'local',
        }
      : { section: 'ml2', label: 'tenant_network_types', options: ['tenant_network_types'], unset: 'local' },
    // Neutron's default list changed between releases; OSA always writes it.
    { section: 'ml2', label: 'type_drivers', options: ['type_drivers'], unset: null },
    // OSA's template writes these from variables the render does not model (port_security and
    // the neutron_plugin_base extensions; the MTUs from Neutron's defaults): compared only when
    // neutron_ml2_conf_ini_overrides sets them.
    ...(['extension_drivers', 'physical_network_mtus', 'path_mtu'] as const).map((o) => ({
      section: 'ml2',
      label: o,
      options: [o],
      unset: null,
      onlyWhenRendered: true,
    })),
    {
      section: 'ml2_type_vlan',
      label: 'network_vlan_ranges',
      options: ['network_vlan_ranges'],
      unset: '',
      providerNetworkKey: 'range',
    },
    {
      section: 'ml2_type_flat',
      label: 'flat_networks',
      options: ['flat_networks'],
      unset: '*',
      providerNetworkKey: 'net_name',
    },
  ];
}

const SRIOV = 'sriovnicswitch';

/** What the host's value does to SR-IOV ports, and whether it breaks binding now. */
function effect(d: Drift): { text: string; breaks: boolean } {
  switch (d.setting.label) {
    case 'mechanism_drivers': {
      const host = listItems(d.deployed);
      const osa = listItems(d.rendered);
      if (osa.includes(SRIOV) && !host.includes(SRIOV))
        return {
          text: `neutron-server on this host has no ${SRIOV} mechanism driver, so every direct/macvtap port it binds fails ("Binding failed for port", vif_type=binding_failed) although the deploy directory enables ml2.sriov`,
          breaks: true,
        };
      if (!osa.includes(SRIOV) && host.includes(SRIOV))
        return {
          text: `neutron-server on this host binds SR-IOV ports with the ${SRIOV} driver the deploy directory does not enable`,
          breaks: false,
        };
      return {
        text: 'neutron-server calls its mechanism drivers in the order of this list and the first one that binds a port wins, so ports may bind with another driver than the checks assumed',
        breaks: false,
      };
    }
    case 'network_vlan_ranges':
      return {
        text: 'neutron-server accepts VLAN networks on the physnets and VLAN ids the host lists, so SR-IOV networks the checks expect may be refused (physical network unknown, VLAN out of range) or get other VLANs',
        breaks: false,
      };
    case 'flat_networks':
      return {
        text: "neutron-server accepts flat networks on the physnets the host lists ('*' is every physnet, an empty list none)",
        breaks: false,
      };
    case 'type_drivers':
      return {
        text: 'neutron-server creates networks only of the types it has a driver for, and SR-IOV ports bind only on vlan and flat segments',
        breaks: false,
      };
    case 'extension_drivers':
      return {
        text: 'neutron-server runs the ML2 extension drivers the host lists (qos among them gives SR-IOV ports their QoS policies)',
        breaks: false,
      };
    case 'physical_network_mtus':
    case 'path_mtu':
      return {
        text: 'neutron-server computes network MTUs, which the VFs of SR-IOV ports take, from the host value',
        breaks: false,
      };
    default:
      return {
        text: 'neutron-server gives a project network the first type of this list that has room, and only vlan and flat segments bind SR-IOV ports',
        breaks: false,
      };
  }
}

/** mechanism_drivers is made of three variables: the one that makes this difference. */
function mechanismVar(d: Drift): string {
  const has = (lines: readonly string[], m: string) => listItems(lines).includes(m);
  if (has(d.deployed, SRIOV) !== has(d.rendered, SRIOV)) return 'neutron_plugin_types';
  if (has(d.deployed, 'l2population') !== has(d.rendered, 'l2population')) return 'neutron_l2_population';
  return 'neutron_plugin_type';
}

export const rule: Rule = {
  id: 'SRIOV-DRIFT-003',
  severity: 'error',
  title: "A neutron server's ml2_conf.ini differs from what OpenStack-Ansible renders",
  rationale:
    'neutron-server binds ports with the mechanism drivers, and accepts the physnets and VLAN ranges, of its own ml2_conf.ini: the checks judged the render, and the next os_neutron run replaces the hand edit (or applies a change nobody has rolled out yet).',
  needs: 'facts',
  scope: 'host',
  runHost(ctx, h) {
    const out: DriftFinding[] = [];
    const ml2 = h.facts?.neutron?.ml2;
    if (!ml2 || !factsAreOwnFiles(h) || !h.groups.has('neutron_server') || !h.render.ini[ML2_INI]) return out;
    const playbook = `${neutronPlaybook(ctx.release)} --limit ${h.name}`;
    for (const d of fileDrift(h, ML2_INI, ml2, settings(ctx.release))) {
      const label = d.setting.label;
      if (label === 'mechanism_drivers' && d.renderVar !== 'neutron_ml2_conf_ini_overrides') {
        d.renderVar = mechanismVar(d);
        d.location = h.varLocation(d.renderVar);
      }
      const { text, breaks } = effect(d);
      const key = (d.setting as FileSetting).providerNetworkKey;
      out.push(
        driftFinding(ctx, h, d, {
          hostPath: ml2.path,
          file: ML2_INI,
          role: 'os_neutron',
          playbook,
          overridesVar: 'neutron_ml2_conf_ini_overrides',
          effect: text,
          severity: breaks ? 'error' : 'warning',
          derived: label === 'mechanism_drivers' || label.endsWith('network_types'),
          ...(key ? { providerNetworkKey: key } : {}),
        }),
      );
    }
    return out;
  },
};
