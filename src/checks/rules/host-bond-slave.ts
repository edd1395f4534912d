import {
  factsLine,
  hostPfs,
  isSriovCompute,
  mappingText,
  novaListVar,
  pfLabel,
  pfLocation,
  usedAs,
  verdict,
} from '../../deployment/host-helpers.js';
import type { HostFinding, Rule } from '../rule.js';

export const rule: Rule = {
  id: 'SRIOV-HOST-004',
  severity: 'warning',
  title: 'A PF used for SR-IOV is a bond slave',
  rationale:
    'Legacy SR-IOV has no link aggregation: VF traffic enters and leaves by its own PF and bypasses the host bond, so it gets neither the failover nor the load sharing of the bond.',
  needs: 'facts',
  scope: 'host',
  runHost(ctx, h) {
    const out: HostFinding[] = [];
    if (!h.facts || !isSriovCompute(h)) return [];
    for (const hp of hostPfs(h)) {
      const { pf } = hp;
      if (pf.master?.kind !== 'bond') continue;
      if (hp.physnets.length === 0 && hp.devspec.vfs.length === 0) continue;
      const who = pfLabel(pf);
      const bond = pf.master.name;
      const others = h.facts.pfs.filter(
        (p) => p !== pf && p.master?.kind === 'bond' && p.master.name === bond,
      );
      const loc = pfLocation(h, hp);
      const code = verdict(h.facts, pf, 'pf.bond-slave')?.code;
      out.push({
        severity: 'warning',
        message: `${who} is a slave of ${bond} and is used for SR-IOV (${usedAs(hp)}): its VFs bypass the bond — legacy SR-IOV has no link aggregation — so VF traffic has no failover (it lives and dies with ${pf.netdev ?? who}'s link), and on an LACP bond the switch may send a VF's return traffic down another member, where it is lost`,
        ...(loc ? { location: loc } : {}),
        evidence: [
          `${pf.netdev ?? who}: master bond ${bond}${others.length > 0 ? ` (other slaves: ${others.map(pfLabel).join(', ')})` : ''}`,
          ...(hp.physnets.length > 0 ? [mappingText(h)] : []),
          ...(code ? [`readiness: ${code}`] : []),
          factsLine(h),
        ],
        fix: `use a PF that is not in a bond for SR-IOV (sriov_host_interfaces of the provider_networks entry, and the PF address in ${novaListVar(h, ctx.release)}), or take ${pf.netdev ?? who} out of ${bond}; for redundancy give each guest one VF from each of two PFs (one physnet per PF) and bond inside the guest (active-backup, with trusted VFs or port security off), or use VF-LAG with switchdev/OVS hardware offload on NICs that support it`,
      });
    }
    return out;
  },
};
