// How the Neutron SR-IOV agent reads and sets a VF's state (pci_lib.py): from netlink data
// (current code, pyroute2) and, for old agents, by parsing `ip link show` text with a regex
// that only understands the iproute2 < 5.3 format (LP#1878042).
import type { LinkState } from '../facts/host-facts.js';
import { parseIpLinkText } from '../facts/parse-ip-link.js';

/** IFLA_VF_LINK_STATE values. */
export const LINK_STATE: Readonly<Record<LinkState, number>> = { auto: 0, enable: 1, disable: 2 };
const NAMES: readonly LinkState[] = ['auto', 'enable', 'disable'];

export interface NetlinkVf {
  mac: string;
  link_state: number;
}

/** get_vf_state: the state name; a VF missing from the table reads as 'disable'. */
export function getVfState(vfs: Readonly<Record<string, NetlinkVf>>, index: number): LinkState {
  const vf = vfs[String(index)];
  return vf ? (NAMES[vf.link_state] ?? 'disable') : 'disable';
}

/** get_assigned_macs: the admin MAC of each requested VF that exists. */
export function getAssignedMacs(
  vfs: Readonly<Record<string, NetlinkVf>>,
  vfList: readonly number[],
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const i of vfList) {
    const vf = vfs[String(i)];
    if (vf) out[String(i)] = vf.mac;
  }
  return out;
}

/** set_vf_state: admin_state_up false wins (disable) over propagate_uplink_status (auto). */
export function vfStateConfig(
  vf: number,
  adminStateUp: boolean,
  propagateUplinkStatus: boolean,
): { vf: number; link_state: number } {
  const state: LinkState = !adminStateUp ? 'disable' : propagateUplinkStatus ? 'auto' : 'enable';
  return { vf, link_state: LINK_STATE[state] };
}

/** set_vf_spoofcheck follows port_security_enabled. */
export function spoofcheckConfig(vf: number, portSecurityEnabled: boolean): { vf: number; spoofchk: number } {
  return { vf, spoofchk: portSecurityEnabled ? 1 : 0 };
}

/** The regex of the agent's text parser before neutron commit c5d8fd6329. */
export const LEGACY_VF_REGEX = /^vf\s+(\d+)\s+MAC\s+([a-fA-F0-9:]+),.*,\s+link-state\s+(\w+)/;

export interface LegacyVfLine {
  vf?: number;
  MAC?: string;
  'link-state'?: string;
}

/** The stripped lines starting with "vf" whose index is requested (int(details[1]) as Python). */
function legacyVfLines(output: string, vfList: readonly number[]): string[] {
  return output
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.startsWith('vf') && vfList.includes(Number.parseInt(l.split(/\s+/)[1] ?? '', 10)));
}

function legacyParse(line: string): LegacyVfLine {
  const m = line.match(LEGACY_VF_REGEX);
  return m ? { vf: Number(m[1]), MAC: m[2]!, 'link-state': m[3]! } : {};
}

/** What the legacy parser made of each requested VF line ({} where the regex fails). */
export function legacyParsedLines(output: string, vfList: readonly number[]): LegacyVfLine[] {
  return legacyVfLines(output, vfList).map(legacyParse);
}

/** Legacy get_assigned_macs: lines the regex cannot parse are silently missing. */
export function legacyAssignedMacs(output: string, vfList: readonly number[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const d of legacyParsedLines(output, vfList))
    if (d.vf !== undefined && d.MAC !== undefined) out[String(d.vf)] = d.MAC;
  return out;
}

/**
 * Legacy get_vf_state: 'disable' for a VF not in the output; a line that exists but does not
 * parse (iproute2 ≥ 5.3 output) crashed the agent with UnboundLocalError.
 */
export function legacyVfState(output: string, vfIndex: number): string | { crash: 'UnboundLocalError' } {
  const lines = legacyVfLines(output, [vfIndex]);
  if (lines.length === 0) return 'disable';
  const d = legacyParse(lines[0]!);
  return d['link-state'] ?? { crash: 'UnboundLocalError' };
}

/**
 * A VF's link state from `ip link show` text in either iproute2 format (what the current agent
 * reads over netlink); 'disable' for a VF not listed, as get_vf_state answers.
 */
export function vfStateFromIpLink(output: string, vfIndex: number): LinkState | null {
  const vf = parseIpLinkText(output)
    .flatMap((l) => l.vfs)
    .find((v) => v.index === vfIndex);
  return vf ? vf.linkState : 'disable';
}
