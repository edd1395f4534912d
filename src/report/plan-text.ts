// `plan` summary: per host, the PFs, VF counts, mappings and Nova device_spec the intent gives,
// and what to run next; or, when the intent cannot be satisfied, why and where.
import { formatSpecValue } from '../checks/devspec-helpers.js';
import { neutronPlaybook, novaPlaybook } from '../checks/playbooks.js';
import type { HostFacts } from '../facts/host-facts.js';
import { releaseLabel } from '../osa/releases.js';
import type { DerivedPlan } from '../plan/derive.js';
import type { Intent } from '../plan/intent.js';

export function renderPlanText(
  plan: DerivedPlan,
  intent: Intent,
  facts: ReadonlyMap<string, HostFacts>,
  title: string,
): string {
  const lines = [`osa-sriov plan: ${title} (OSA ${releaseLabel(intent.release)}, plugin ${intent.plugin})`];
  if (plan.problems.length > 0) {
    lines.push(
      '',
      `the intent cannot be satisfied (${plan.problems.length} problem${plan.problems.length === 1 ? '' : 's'}):`,
    );
    for (const p of plan.problems) {
      const l = p.location;
      lines.push(`  ${l.file}:${l.line}:${l.column}: ${p.host ? `${p.host}: ` : ''}${p.message}`);
    }
    return `${lines.join('\n')}\n`;
  }
  const reboot: string[] = [];
  for (const h of plan.hosts) {
    lines.push('', `host ${h.host}`);
    for (const p of h.pfs) {
      lines.push(
        `  ${p.physnet}: ${p.pf.netdev} (${p.pf.pciAddress}, ${p.pf.vendorId}:${p.pf.deviceId}) → ${p.numVfs} VFs (VF id ${p.pf.vfDeviceId})${p.trusted ? ', trusted' : ''}${p.hostUsedVfs.length > 0 ? `; kept for the host: ${p.hostUsedVfs.join(', ')}` : ''}`,
      );
    }
    lines.push(
      `  physical_device_mappings = ${Object.entries(h.mappings)
        .map(([n, devs]) => devs.map((d) => `${n}:${d}`).join(','))
        .join(',')}`,
    );
    lines.push(
      `  ${formatSpecValue(intent.release, h.deviceSpec as unknown as Array<Record<string, unknown>>)}`,
    );
    if (h.excludedDevices) lines.push(`  neutron_sriov_excluded_devices: "${h.excludedDevices}"`);
    if (facts.get(h.host)?.iommu.enabled === false) reboot.push(h.host);
  }
  lines.push(
    '',
    'next:',
    ...(reboot.length > 0
      ? [
          `  - turn the IOMMU on and reboot: ${reboot.join(', ')} (osa-sriov probe on each host prints the kernel arguments)`,
        ]
      : []),
    `  - ${neutronPlaybook(intent.release)}`,
    `  - ${novaPlaybook(intent.release)}`,
    '',
    'The edits to the deploy directory (their diff and --write) and the host setup playbook are not generated yet.',
  );
  return `${lines.join('\n')}\n`;
}
