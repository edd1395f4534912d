import {
  evidenceLine,
  factsLine,
  hostPfs,
  isSriovCompute,
  persistenceFor,
  pfLabel,
  pfLocation,
  usedAs,
} from '../../deployment/host-helpers.js';
import { persistenceFix } from '../../vf-persistence.js';
import type { HostFinding, Rule } from '../rule.js';

const RC_LOCAL = /^\/etc\/(rc\.d\/)?rc\.local$/;

export const rule: Rule = {
  id: 'SRIOV-HOST-006',
  severity: 'warning',
  title: "Nothing re-creates a PF's VFs at boot",
  rationale:
    'VFs written to sriov_numvfs by hand vanish at the next reboot; the SR-IOV agent then takes the PF with 0 VFs and never rescans it, and Nova reports no VF. VF creation must be persistent and ordered before the agent and nova-compute.',
  needs: 'facts',
  scope: 'host',
  runHost(_ctx, h) {
    const out: HostFinding[] = [];
    if (!h.facts || !isSriovCompute(h)) return [];
    const f = h.facts;
    // Not collected (pasted facts, old collector): say nothing.
    if (f.persistence === null) return [];
    for (const hp of hostPfs(h)) {
      const { pf } = hp;
      const n = pf.numVfs ?? 0;
      // No VFs now: SRIOV-HOST-003 says so. Only the PF itself used: nothing to persist.
      if (n === 0 || (hp.physnets.length === 0 && hp.devspec.vfs.length === 0)) continue;
      const p = persistenceFor(f, pf)!;
      // rc.local runs after network.target with no ordering against the agent or nova-compute.
      if (p.covering.length > 0 && !p.covering.every((e) => RC_LOCAL.test(e.file))) continue;
      const who = pfLabel(pf);
      const loc = pfLocation(h, hp);
      if (p.covering.length > 0) {
        out.push({
          severity: 'info',
          message: `the ${n} VFs of ${who} are re-created by rc.local, which systemd starts after network.target with no ordering against neutron-sriov-nic-agent or nova-compute: when the agent polls ${pf.netdev ?? who} twice before rc.local has run, it logs "Device ${pf.netdev ?? who} has 0 VFs configured" and keeps the PF without VFs until it is restarted`,
          ...(loc ? { location: loc } : {}),
          evidence: [...p.covering.map(evidenceLine), `used as: ${usedAs(hp)}`, factsLine(h)],
          fix: `${persistenceFix(pf, n)}\nand remove the rc.local line`,
        });
        continue;
      }
      const searched = `${f.persistence.filesSearched} files searched`;
      if (p.unattributed.length > 0) {
        out.push({
          severity: 'info',
          message: `${who} has ${n} VFs and the only boot-time VF settings found do not name it (nor its PCI address or driver): check that one of them creates its VFs, or they vanish at the next reboot`,
          ...(loc ? { location: loc } : {}),
          evidence: [...p.unattributed.map(evidenceLine), `used as: ${usedAs(hp)}`, searched, factsLine(h)],
        });
        continue;
      }
      const others = f.persistence.evidence;
      out.push({
        severity: 'warning',
        message: `nothing re-creates the ${n} VFs of ${who} at boot (no udev rule, systemd unit, netplan, NetworkManager or os-net-config setting, modprobe option or script names it): after a reboot it has 0 VFs, the SR-IOV agent logs "Device ${pf.netdev ?? who} has 0 VFs configured" and keeps the PF without VFs until it is restarted, and Nova reports no VF ("No valid host was found")`,
        ...(loc ? { location: loc } : {}),
        evidence: [
          `used as: ${usedAs(hp)}`,
          ...(others.length > 0 ? others.map((e) => `for other devices: ${evidenceLine(e)}`) : []),
          searched,
          factsLine(h),
        ],
        fix: persistenceFix(pf, n),
      });
    }
    return out;
  },
};
