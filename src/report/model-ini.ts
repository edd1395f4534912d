// `render --format ini`: per host, the INI fragments OSA would write, each value preceded by
// a comment naming the variables it came from.
import type { DeploymentModel } from '../osa/model.js';
import type { Loc } from '../osa/pyyaml.js';
import { releaseLabel } from '../osa/releases.js';
import type { HostRender } from '../osa/render.js';

/** Where each rendered file lands on the host. */
export const CONFIG_PATHS: Readonly<Record<string, string>> = {
  'plugins/ml2/ml2_conf.ini': '/etc/neutron/plugins/ml2/ml2_conf.ini',
  'plugins/ml2/sriov_nic_agent.ini': '/etc/neutron/plugins/ml2/sriov_nic_agent.ini',
  'plugins/ml2/openvswitch_agent.ini': '/etc/neutron/plugins/ml2/openvswitch_agent.ini',
  'plugins/ml2/linuxbridge_agent.ini': '/etc/neutron/plugins/ml2/linuxbridge_agent.ini',
  'nova.conf': '/etc/nova/nova.conf',
};

function where(loc: Loc | null): string {
  return loc ? `${loc.file}${loc.line > 0 ? `:${loc.line}:${loc.column}` : ''}: ` : '';
}

export function renderHostIni(h: HostRender): string {
  const out: string[] = [];
  out.push(`### host ${h.name} (${h.isMetal ? 'metal' : 'container'})`, `# groups: ${h.groups.join(' ')}`);
  if (h.providerNetworksError)
    out.push(`# ERROR ${where(h.providerNetworksError.location)}${h.providerNetworksError.message}`);
  for (const p of h.problems) out.push(`# PROBLEM ${where(p.location)}${p.message}`);
  for (const n of h.notes) out.push(`# note: ${n}`);
  if (h.providerNetworks) {
    out.push(
      `# provider networks (${h.providerNetworksSource === 'module' ? 'provider_networks module' : 'hand-written neutron_provider_networks'}):`,
    );
    for (const [k, v] of Object.entries(h.providerNetworks))
      if (k.startsWith('network_') && typeof v === 'string') out.push(`#   ${k}: ${v}`);
  }
  if (h.ini['plugins/ml2/sriov_nic_agent.ini'])
    out.push(
      `# neutron-sriov-nic-agent: ${h.sriovAgentEnabled ? 'enabled on this host' : 'not run on this host'}`,
    );
  for (const [file, sections] of Object.entries(h.ini)) {
    out.push('', `## ${CONFIG_PATHS[file] ?? file}`);
    for (const [section, options] of Object.entries(sections)) {
      out.push(`[${section}]`);
      for (const [option, value] of Object.entries(options)) {
        const from = h.iniSources[file]?.[section]?.[option] ?? [];
        if (from.length > 0) out.push(`# from ${from.join('; ')}`);
        for (const v of Array.isArray(value) ? value : [value]) out.push(`${option} = ${v}`);
      }
    }
  }
  return out.join('\n');
}

export function renderModelIni(m: DeploymentModel): string {
  const head = [`# OSA ${releaseLabel(m.release)}: what OpenStack-Ansible would render for SR-IOV`];
  for (const n of [...m.deploy.notes, ...m.inventory.notes])
    head.push(`# note: ${where(n.location)}${n.message}`);
  for (const s of m.inventory.staleVars)
    head.push(
      `# note: ${s.file}: ${s.host} keeps ${s.name} from an earlier run (OSA never deletes inventory vars)`,
    );
  return `${[head.join('\n'), ...[...m.hosts.values()].map(renderHostIni)].join('\n\n')}\n`;
}
