// HostFacts.osa and HostFacts.neutron from a collector snapshot (records of collect.sh 3): what
// OSA deployed on the host, for release detection and for comparing with the render.
import type { IniFile, NeutronConfig, OsaFacts } from './host-facts.js';
import { parseIni } from './ini.js';
import type { Snapshot } from './snapshot.js';

export const OPENSTACK_RELEASE_PATH = '/etc/openstack-release';
export const VENVS_PATH = '/openstack/venvs';

/** Snapshot record and host path of each Neutron file the collector filters. */
export const NEUTRON_FILES = {
  ml2: { record: 'conf.ml2', path: '/etc/neutron/plugins/ml2/ml2_conf.ini' },
  sriovAgent: { record: 'conf.sriov_nic_agent', path: '/etc/neutron/plugins/ml2/sriov_nic_agent.ini' },
  openvswitchAgent: {
    record: 'conf.openvswitch_agent',
    path: '/etc/neutron/plugins/ml2/openvswitch_agent.ini',
  },
  linuxbridgeAgent: {
    record: 'conf.linuxbridge_agent',
    path: '/etc/neutron/plugins/ml2/linuxbridge_agent.ini',
  },
} as const;

/**
 * The DISTRIB_* values of an `/etc/openstack-release`. OSA's template writes shell assignments,
 * `DISTRIB_RELEASE="18.1.6"`; one pair of quotes around a value is removed, as a shell would.
 */
export function parseOpenstackRelease(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split(/\r?\n/)) {
    const m = line.match(/^\s*(DISTRIB_[A-Z_]+)=(.*?)\s*$/);
    if (!m) continue;
    const q = m[2]!.match(/^"([^"]*)"$|^'([^']*)'$/);
    out.set(m[1]!, q ? (q[1] ?? q[2]!) : m[2]!);
  }
  return out;
}

export function osaFromSnapshot(snap: Snapshot): OsaFacts | null {
  if (!snap.looked('osa.openstack-release') && !snap.looked(VENVS_PATH)) return null;
  const text = snap.text('osa.openstack-release');
  const rel = text === null ? null : parseOpenstackRelease(text);
  const get = (k: string) => {
    const v = rel?.get(k);
    return v === undefined || v === '' ? null : v;
  };
  return {
    release:
      rel === null
        ? null
        : {
            path: OPENSTACK_RELEASE_PATH,
            id: get('DISTRIB_ID'),
            release: get('DISTRIB_RELEASE'),
            codename: get('DISTRIB_CODENAME'),
            description: get('DISTRIB_DESCRIPTION'),
          },
    venvs: snap.has(VENVS_PATH) ? [...snap.list(VENVS_PATH)].sort() : null,
  };
}

function iniFile(snap: Snapshot, record: string, path: string): IniFile | null {
  const text = snap.text(record);
  if (text === null) return null;
  const sections: IniFile['sections'] = {};
  for (const [name, options] of parseIni(text)) sections[name] = Object.fromEntries(options);
  return { path, sections };
}

export function neutronFromSnapshot(snap: Snapshot): NeutronConfig | null {
  // conf.ml2 is the record collect.sh 3 added; older snapshots kept other parts of the agent file.
  if (!snap.looked(NEUTRON_FILES.ml2.record)) return null;
  const f = NEUTRON_FILES;
  return {
    ml2: iniFile(snap, f.ml2.record, f.ml2.path),
    sriovAgent: iniFile(snap, f.sriovAgent.record, f.sriovAgent.path),
    openvswitchAgent: iniFile(snap, f.openvswitchAgent.record, f.openvswitchAgent.path),
    linuxbridgeAgent: iniFile(snap, f.linuxbridgeAgent.record, f.linuxbridgeAgent.path),
  };
}
