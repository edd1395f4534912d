import {
  factsLine,
  hostPfs,
  isSriovCompute,
  mappingText,
  numvfsPath,
  pfLabel,
  pfLocation,
  usedAs,
  VIF_TIMEOUT,
  verdict,
} from '../../deployment/host-helpers.js';
import type { HostFinding, Rule } from '../rule.js';

export const rule: Rule = {
  id: 'SRIOV-HOST-003',
  severity: 'error',
  title: 'A PF used for SR-IOV has no VFs, or not all of its VFs are initialised',
  rationale:
    'The SR-IOV agent and Nova only see VFs that exist. A PF with sriov_numvfs 0 gives the physnet no VF on the host; a PF whose VFs are not all initialised is skipped by the agent ("Not all VFs were initialized").',
  needs: 'facts',
  scope: 'host',
  runHost(_ctx, h) {
    const out: HostFinding[] = [];
    if (!h.facts || !isSriovCompute(h)) return [];
    const f = h.facts;
    for (const hp of hostPfs(h)) {
      const { pf } = hp;
      // Only the PF itself is used (direct-physical): it needs no VFs.
      if (hp.physnets.length === 0 && hp.devspec.vfs.length === 0) continue;
      if (hp.devspec.pf.length > 0 && hp.devspec.vfs.length === 0) continue;
      const who = pfLabel(pf);
      const dev = pf.netdev ?? who;
      const loc = pfLocation(h, hp);
      const agentSide = hp.physnets.length > 0;
      const novaSide = hp.devspec.vfs.length > 0;
      const evidence = [
        `${who}: sriov_numvfs ${pf.numVfs ?? 'unreadable'}, sriov_totalvfs ${pf.totalVfs ?? 'unknown'}, virtfn links ${pf.vfs.length}`,
        `used as: ${usedAs(hp)}`,
        ...(agentSide ? [mappingText(h)] : []),
      ];
      if (pf.numVfs === 0 && (pf.totalVfs ?? 0) > 0) {
        const parts: string[] = [];
        if (agentSide)
          parts.push(
            `the SR-IOV agent logs "Device ${dev} has 0 VFs configured" and manages nothing on ${hp.physnets.join(', ')} — once it has taken the PF it never rescans it, so VFs created later need an agent restart`,
          );
        if (novaSide)
          parts.push(
            'Nova finds no VF to report, so this host offers none ("No valid host was found" when no other host has a free VF)',
          );
        else
          parts.push(
            'and no Nova device_spec entry selects its VFs, so Nova would not offer them anyway (see SRIOV-PHYSNET-001)',
          );
        const code = verdict(f, pf, 'pf.no-vfs')?.code;
        out.push({
          severity: 'error',
          message: `${who} has no VFs (sriov_numvfs 0 of ${pf.totalVfs} possible): ${parts.join('; ')}`,
          ...(loc ? { location: loc } : {}),
          evidence: [...evidence, ...(code ? [`readiness: ${code}`] : []), factsLine(h)],
          fix: `on the host: echo N > ${numvfsPath(pf)} (N at most ${pf.totalVfs}), make it persistent (SRIOV-HOST-006), then restart neutron-sriov-nic-agent and nova-compute`,
        });
        continue;
      }
      const n = pf.numVfs ?? 0;
      const have = pf.vfs.length;
      // A snapshot lists every virtfn link; pasted facts may list no VFs at all (unknown).
      const known = f.source.kind === 'snapshot' || have > 0;
      if (n > 0 && have < n && known) {
        const code = verdict(f, pf, 'pf.vfs-missing')?.code;
        const parts: string[] = [];
        if (agentSide)
          parts.push(
            `the SR-IOV agent logs "Not all VFs were initialized on device ${dev}: expected - ${n}, actual - ${have}. Skipping." on every polling loop and manages none of its VFs`,
          );
        if (novaSide && have > 0)
          parts.push(
            `Nova still reports the ${have} VFs that exist, so instances land here and their ports never go ACTIVE: ${VIF_TIMEOUT}`,
          );
        out.push({
          severity: 'error',
          message: `${who}: sriov_numvfs is ${n} but only ${have} VFs exist${parts.length > 0 ? `: ${parts.join('; ')}` : ''}`,
          ...(loc ? { location: loc } : {}),
          evidence: [...evidence, ...(code ? [`readiness: ${code}`] : []), factsLine(h)],
          fix: `on the host: echo 0 > ${numvfsPath(pf)}; echo ${n} > ${numvfsPath(pf)}; if VFs are still missing, look in dmesg for "not enough MMIO resources for SR-IOV" (enable SR-IOV in the BIOS/UEFI, or boot with pci=realloc) and for driver errors`,
        });
      }
    }
    return out;
  },
};
