// The human report of `osa-sriov probe`: readiness verdicts, PF and VF tables, guest drivers.
import type { HostFacts, Pf, Vf } from '../facts/host-facts.js';
import { type Level, pfLabel, type Readiness } from '../facts/readiness.js';
import { fixLines } from './fix-text.js';
import { table } from './table.js';

const MARK: Record<Level, string> = { ok: '[ok]   ', info: '[info] ', warning: '[warn] ', error: '[error]' };

const dash = (v: string | number | null | undefined): string =>
  v === null || v === undefined || v === '' ? '-' : String(v);
const onOff = (v: boolean | null): string => (v === null ? '-' : v ? 'on' : 'off');

function rate(vf: Vf): string {
  if (vf.maxTxRateMbps === null && vf.minTxRateMbps === null) return '-';
  const max = vf.maxTxRateMbps ? `max ${vf.maxTxRateMbps}` : '';
  const min = vf.minTxRateMbps ? `min ${vf.minTxRateMbps}` : '';
  return [max, min].filter(Boolean).join(' ') || 'unlimited';
}

function pfRow(pf: Pf): string[] {
  const ids = pf.vendorId && pf.deviceId ? `${pf.vendorId}:${pf.deviceId}` : '-';
  const link = pf.operState === null ? '-' : `${pf.operState}${pf.mtu ? `/${pf.mtu}` : ''}`;
  return [
    dash(pf.netdev),
    dash(pf.pciAddress),
    dash(pf.driver),
    ids,
    dash(pf.vfDeviceId),
    `${dash(pf.numVfs)}/${dash(pf.totalVfs)}`,
    dash(pf.numaNode),
    link,
    pf.master ? `${pf.master.kind}:${pf.master.name}` : '-',
  ];
}

function vfRows(pf: Pf): string[][] {
  return pf.vfs.map((vf) => [
    String(vf.index),
    dash(vf.pciAddress),
    dash(vf.driver),
    dash(vf.netdev) + (vf.uppers.length > 0 ? ` (${vf.uppers.join(',')})` : ''),
    dash(vf.mac),
    vf.vlan === null ? '-' : vf.vlan === 0 ? 'none' : `${vf.vlan}${vf.qos ? ` qos ${vf.qos}` : ''}`,
    onOff(vf.spoofCheck),
    onOff(vf.trust),
    dash(vf.linkState),
    rate(vf),
  ]);
}

export function renderProbeText(facts: HostFacts, readiness: Readiness): string {
  const out: string[] = [];
  const title =
    facts.source.kind === 'pasted'
      ? 'SR-IOV readiness from pasted command outputs'
      : `SR-IOV readiness of ${dash(facts.hostname)} (kernel ${dash(facts.kernel.release)})`;
  out.push(title, '');
  for (const v of readiness.verdicts) {
    out.push(`${MARK[v.level]} ${v.message}`);
    if (v.fix) out.push(...fixLines('fix:', v.fix, '        '));
  }
  if (facts.pfs.length > 0) {
    out.push('', 'Physical functions (SR-IOV capable)');
    out.push(
      table(
        ['NETDEV', 'PCI', 'DRIVER', 'VENDOR:DEVICE', 'VF-DEVICE', 'VFS', 'NUMA', 'LINK/MTU', 'MASTER'],
        facts.pfs.map(pfRow),
      ),
    );
    for (const pf of facts.pfs) {
      if (pf.vfs.length === 0) continue;
      out.push('', `Virtual functions of ${pfLabel(pf)}`);
      out.push(
        table(
          ['VF', 'PCI', 'DRIVER', 'NETDEV', 'MAC', 'VLAN', 'SPOOFCHK', 'TRUST', 'LINK-STATE', 'RATE(Mbps)'],
          vfRows(pf),
        ),
      );
    }
    out.push(
      '',
      'Guest drivers for direct ports (a macvtap port is virtio_net in the guest; virtio cannot drive a VF)',
    );
    for (const g of readiness.guestDrivers) {
      const need =
        g.vfDriver === null
          ? 'unknown VF driver for this PF driver; check the NIC vendor'
          : `the guest image needs ${g.vfDriver}`;
      out.push(`  ${g.pf}: PF driver ${dash(g.pfDriver)} → ${need}`);
    }
  }
  if (facts.otherNics.length > 0) {
    out.push('', 'Other network devices (no SR-IOV)');
    out.push(
      table(
        ['PCI', 'DRIVER', 'VENDOR:DEVICE', 'NETDEVS'],
        facts.otherNics.map((n) => [
          n.pciAddress,
          dash(n.driver),
          n.vendorId && n.deviceId ? `${n.vendorId}:${n.deviceId}` : '-',
          dash(n.netdevs.join(',')),
        ]),
      ),
    );
  }
  return `${out.join('\n')}\n`;
}
