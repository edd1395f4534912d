// `verify`: prove, host by host, that an SR-IOV port reaches a guest, as the field guide does by
// hand (a network on the physnet, a port with port security off, a server pinned to the host,
// ACTIVE, the port bound with the VF vif type and a pci_slot), then delete it all. The only
// command that writes to the cloud: every resource carries a name prefix and a run tag, is
// recorded the moment the API returns its id, and is deleted on every exit path (the caller
// aborts the run on SIGINT/SIGTERM; `cleanupTagged` removes what a killed run left).
import { SRIOV_AGENT_TYPE } from '../openstack/neutron-mech-driver.js';
import { type CloudSession, NOVA_MICROVERSION, readCloud } from './client.js';
import { explainBinding, runDoctor } from './doctor.js';
import { CloudError } from './http.js';
import { agentMappings, segmentsOf, short } from './topology.js';
import {
  type CloudNetwork,
  type CloudPort,
  type CloudSnapshot,
  NetworkSchema,
  PortSchema,
  ServerSchema,
  type SRIOV_VNIC_TYPES,
} from './types.js';
import { pciSlot } from './vf-map.js';

export const VERIFY_SCHEMA = 'osa-sriov/verify@1';
export const NAME_PREFIX = 'osa-sriov-verify-';
export const TAG_PREFIX = 'osa-sriov-verify:';
/** Nova accepts `tags` in the create body from 2.52; 2.53 also gives UUID service ids. */
const SERVER_MICROVERSION = NOVA_MICROVERSION;

export type VnicType = (typeof SRIOV_VNIC_TYPES)[number];

/** Neutron's sriovnicswitch driver: hw_veb for direct and macvtap, hostdev_physical for direct-physical. */
export const VIF_TYPE_FOR_VNIC: Readonly<Record<VnicType, string>> = {
  direct: 'hw_veb',
  macvtap: 'hw_veb',
  'direct-physical': 'hostdev_physical',
};

export interface VerifyCase {
  host: string;
  physnet: string;
  vnicType: VnicType;
}

export interface PlanRequest {
  hosts: readonly string[];
  allHosts: boolean;
  physnets: readonly string[];
  vnicTypes: readonly VnicType[];
}

export interface CasePlan {
  cases: VerifyCase[];
  notes: string[];
}

const sriovAgents = (c: CloudSnapshot) => c.agents.filter((a) => a.agent_type === SRIOV_AGENT_TYPE);

/** Hosts where a server can land: nova-compute up and enabled. */
function computeHosts(c: CloudSnapshot): Set<string> {
  return new Set(
    (c.computeServices ?? [])
      .filter((s) => s.binary === 'nova-compute' && s.state === 'up' && s.status === 'enabled')
      .map((s) => s.host),
  );
}

function byName(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * The cases: each selected host × each physnet its NIC Switch agent maps (or the asked physnets)
 * × each vnic type. Without hosts, one alive SR-IOV host (agent alive, nova-compute up) per physnet.
 */
export function planCases(cloud: CloudSnapshot, req: PlanRequest): CasePlan {
  if (cloud.computeServices === null)
    throw new CloudError(
      'the cloud has no compute endpoint: verify boots servers with Nova',
      'use a cloud whose catalog has Nova (openstack catalog list)',
    );
  const notes: string[] = [];
  const agents = sriovAgents(cloud);
  const computes = computeHosts(cloud);
  const vnics = req.vnicTypes.length > 0 ? [...new Set(req.vnicTypes)] : (['direct'] as VnicType[]);
  const pairs: Array<{ host: string; physnet: string }> = [];
  const agentOf = (h: string) =>
    agents.find((a) => a.host === h) ?? agents.find((a) => short(a.host) === short(h)) ?? null;
  let hosts: string[] = [];
  if (req.allHosts)
    hosts = [...new Set(agents.map((a) => a.host))].filter((h) => computes.has(h)).sort(byName);
  for (const h of req.hosts) if (!hosts.includes(h)) hosts.push(h);
  if (hosts.length > 0) {
    for (const host of hosts) {
      const agent = agentOf(host);
      const mapped = agent ? Object.keys(agentMappings(agent)).sort(byName) : [];
      const physnets = req.physnets.length > 0 ? [...req.physnets] : mapped;
      if (physnets.length === 0) {
        throw new CloudError(
          agent
            ? `the NIC Switch agent on ${host} maps no physnet: there is nothing to verify there`
            : `no NIC Switch agent reports host ${host}: which physnets to verify there is not known`,
          `give --physnet to verify a physnet anyway (it will fail, explained), or check the host with osa-sriov doctor --host ${host}`,
          null,
          'verify-no-physnet',
        );
      }
      if (!computes.has(host))
        notes.push(`${host} has no nova-compute service that is up and enabled: its cases will fail`);
      for (const physnet of physnets) pairs.push({ host, physnet });
    }
  } else {
    const alive = agents
      .filter((a) => a.alive && computes.has(a.host))
      .sort((a, b) => byName(a.host, b.host));
    const physnets =
      req.physnets.length > 0
        ? [...req.physnets]
        : [...new Set(alive.flatMap((a) => Object.keys(agentMappings(a))))].sort(byName);
    if (physnets.length === 0)
      throw new CloudError(
        'no alive NIC Switch agent on a host with nova-compute maps a physnet: there is no SR-IOV host to verify',
        'run osa-sriov doctor to see why (dead agents, missing mappings), or give --host and --physnet',
        null,
        'verify-no-host',
      );
    for (const physnet of physnets) {
      const host = alive.find((a) => physnet in agentMappings(a))?.host;
      if (host) pairs.push({ host, physnet });
      else if (alive[0]) {
        // Still worth a case: it fails with the reason (no agent maps it), as an operator needs.
        notes.push(`no alive NIC Switch agent maps ${physnet}: it is tried on ${alive[0].host}`);
        pairs.push({ host: alive[0].host, physnet });
      } else
        throw new CloudError(
          `no alive NIC Switch agent on a host with nova-compute: ${physnet} cannot be verified`,
          'run osa-sriov doctor to see why, or give --host',
          null,
          'verify-no-host',
        );
    }
  }
  const cases = pairs.flatMap((p) => vnics.map((vnicType) => ({ ...p, vnicType })));
  return { cases, notes };
}

// ----- what a case uses ---------------------------------------------------------------------

export interface NamedRef {
  id: string;
  name: string;
  /** Chosen by verify (no --image/--flavor given). */
  picked: boolean;
}

/** The network a case puts its port on: an existing one, or a temporary one verify creates. */
export type NetworkChoice =
  | { kind: 'existing'; id: string; name: string; physnet: string; vlan: number | null }
  | { kind: 'temporary'; physnet: string };

const str = (o: unknown, k: string): unknown => (o as Record<string, unknown> | null)?.[k];

/** An existing vlan/flat network on the physnet the project can use (shared or its own), oldest first. */
export function usableNetwork(
  cloud: CloudSnapshot,
  physnet: string,
  projectId: string | null,
): Extract<NetworkChoice, { kind: 'existing' }> | null {
  const candidates = cloud.networks
    .filter((n) => !n.name.startsWith(NAME_PREFIX))
    .filter((n) => str(n, 'shared') === true || (projectId !== null && str(n, 'project_id') === projectId))
    .filter((n) => str(n, 'router:external') !== true)
    .map((n) => ({
      n,
      seg: segmentsOf(n).find((s) => (s.type === 'vlan' || s.type === 'flat') && s.physnet === physnet),
    }))
    .filter((x) => x.seg !== undefined)
    .sort(
      (a, b) =>
        byName(String(str(a.n, 'created_at') ?? ''), String(str(b.n, 'created_at') ?? '')) ||
        byName(a.n.id, b.n.id),
    );
  const first = candidates[0];
  if (!first) return null;
  return {
    kind: 'existing',
    id: first.n.id,
    name: first.n.name,
    physnet,
    vlan: first.seg!.type === 'flat' ? 0 : first.seg!.segId,
  };
}

/** The network given with --network (name or id), with the physnet of its vlan/flat segment. */
export function givenNetwork(
  cloud: CloudSnapshot,
  ref: string,
): Extract<NetworkChoice, { kind: 'existing' }> {
  const byId = cloud.networks.find((n) => n.id === ref);
  const named = cloud.networks.filter((n) => n.name === ref);
  if (!byId && named.length > 1)
    throw new CloudError(
      `--network ${ref}: ${named.length} networks have this name`,
      `give its id: ${named.map((n) => n.id).join(', ')}`,
      null,
      'verify-network',
    );
  const n = byId ?? named[0];
  if (!n)
    throw new CloudError(
      `--network ${ref}: no such network`,
      'give a network name or id from openstack network list',
      null,
      'verify-network',
    );
  const seg = segmentsOf(n).find((s) => (s.type === 'vlan' || s.type === 'flat') && s.physnet);
  if (!seg)
    throw new CloudError(
      `--network ${ref} is ${segmentsOf(n)
        .map((s) => s.type ?? 'of unknown type')
        .join('/')}: the SR-IOV mechanism driver binds only vlan and flat segments`,
      'give a vlan or flat provider network of an SR-IOV physnet',
      null,
      'verify-network',
    );
  return {
    kind: 'existing',
    id: n.id,
    name: n.name,
    physnet: seg.physnet!,
    vlan: seg.type === 'flat' ? 0 : seg.segId,
  };
}

interface ImageLike {
  id: string;
  name: string;
  visibility?: string;
  status?: string;
}
interface FlavorLike {
  id: string;
  name: string;
  ram: number;
  vcpus: number;
  disk: number;
}

/** --image by id or name; else a public, active image whose name contains "cirros". */
export function pickImage(images: readonly ImageLike[], ref: string | undefined): NamedRef {
  if (ref !== undefined) {
    const hit = images.find((i) => i.id === ref) ?? images.filter((i) => i.name === ref)[0];
    if (!hit)
      throw new CloudError(
        `--image ${ref}: no such image`,
        'give an image name or id from openstack image list',
        null,
        'verify-image',
      );
    return { id: hit.id, name: hit.name, picked: false };
  }
  const cirros = images
    .filter(
      (i) =>
        /cirros/i.test(i.name) &&
        (i.visibility ?? 'public') === 'public' &&
        (i.status ?? 'active') === 'active',
    )
    .sort((a, b) => byName(a.name, b.name));
  if (!cirros[0])
    throw new CloudError(
      'no public image whose name contains "cirros": verify does not know which image to boot',
      `give --image NAME|ID (images: ${
        images
          .map((i) => i.name)
          .slice(0, 10)
          .join(', ') || 'none'
      })`,
      null,
      'verify-image',
    );
  return { id: cirros[0].id, name: cirros[0].name, picked: true };
}

/** --flavor by id or name; else the smallest (RAM, vCPUs, disk). */
export function pickFlavor(flavors: readonly FlavorLike[], ref: string | undefined): NamedRef {
  if (ref !== undefined) {
    const hit = flavors.find((f) => f.id === ref) ?? flavors.find((f) => f.name === ref);
    if (!hit)
      throw new CloudError(
        `--flavor ${ref}: no such flavor`,
        'give a flavor name or id from openstack flavor list',
        null,
        'verify-flavor',
      );
    return { id: hit.id, name: hit.name, picked: false };
  }
  const s = [...flavors].sort(
    (a, b) => a.ram - b.ram || a.vcpus - b.vcpus || a.disk - b.disk || byName(a.id, b.id),
  );
  if (!s[0]) throw new CloudError('the cloud has no flavor', 'give --flavor', null, 'verify-flavor');
  return { id: s[0].id, name: s[0].name, picked: true };
}

// ----- results ------------------------------------------------------------------------------

export interface OnHostCheck {
  factsHost: string;
  pf: string | null;
  vfIndex: number | null;
  vfMac: string | null;
  vfVlan: number | null;
  expectedVlan: number | null;
  /** vendor:device of the VF (lspci -n), when the facts know it. */
  vfPciId: string | null;
  guestDriver: string | null;
  problems: string[];
}

export interface CaseResult extends VerifyCase {
  result: 'pass' | 'fail' | 'planned';
  seconds: number;
  pciSlot: string | null;
  vifType: string | null;
  network: { id: string | null; name: string; temporary: boolean; vlan: number | null };
  portId: string | null;
  portMac: string | null;
  serverId: string | null;
  serverStatus: string | null;
  /** What the case would create or created, by kind and name. */
  resources: Array<{ kind: 'network' | 'subnet' | 'port' | 'server'; name: string; id: string | null }>;
  reason: string | null;
  fix: string | null;
  /** --keep-on-failure kept this failed case's resources. */
  kept: boolean;
  onHost: OnHostCheck | null;
}

export interface VerifyReport {
  schema: typeof VERIFY_SCHEMA;
  runId: string;
  tag: string;
  dryRun: boolean;
  interrupted: boolean;
  image: NamedRef;
  flavor: NamedRef;
  notes: string[];
  cases: CaseResult[];
  /** Cleanup failures: what could not be deleted, with its id. */
  leftovers: Array<{ kind: string; id: string; error: string }>;
  summary: { passed: number; failed: number; planned: number };
}

export function newRunId(now = Date.now(), rnd: () => number = Math.random): string {
  return `${now.toString(36)}${Math.floor(rnd() * 36 ** 4)
    .toString(36)
    .padStart(4, '0')}`;
}

const cleanName = (s: string) => s.replace(/[^A-Za-z0-9_.-]/g, '_');

export function resourceName(runId: string, c: VerifyCase, kind: string): string {
  return `${NAME_PREFIX}${runId}-${kind}-${cleanName(short(c.host))}-${cleanName(c.physnet)}-${c.vnicType}`;
}

// ----- running ------------------------------------------------------------------------------

export interface VerifyOptions {
  runId: string;
  image: NamedRef;
  flavor: NamedRef;
  /** --network, resolved; else per physnet. */
  network: Extract<NetworkChoice, { kind: 'existing' }> | null;
  /** Whether temporary networks may be created (admin). */
  canCreateNetworks: boolean;
  timeoutS: number;
  parallel: number;
  keepOnFailure: boolean;
  /** Aborted on SIGINT/SIGTERM: waits stop, everything created is deleted. */
  signal?: AbortSignal;
  /** Progress lines (a TTY shows them); never secrets. */
  progress?: (line: string) => void;
  /** The on-host check for a passing case (--facts, or a snapshot --ansible takes now). */
  onHost?: (
    c: VerifyCase,
    port: CloudPort,
    network: CloudNetwork | undefined,
  ) => OnHostCheck | null | Promise<OnHostCheck | null>;
  /** Poll interval (tests shorten it). */
  pollMs?: number;
}

export class Interrupted extends Error {}

/**
 * Aborts the run on SIGINT and SIGTERM (instead of the default exit, which would leave the
 * resources behind); returns the function that removes the handlers.
 */
export function abortOnSignals(abort: AbortController, told: (signal: string) => void): () => void {
  const handlers = (['SIGINT', 'SIGTERM'] as const).map((sig) => {
    const h = () => {
      if (!abort.signal.aborted) told(sig);
      abort.abort();
    };
    process.on(sig, h);
    return [sig, h] as const;
  });
  return () => {
    for (const [sig, h] of handlers) process.off(sig, h);
  };
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    if (signal?.aborted) return resolve();
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });

/** What one case created, in creation order; deleted in reverse dependency order. */
export interface Created {
  network: string | null;
  subnet: string | null;
  port: string | null;
  server: string | null;
}

/** Deletes a server and waits until Nova no longer lists it (its VF is free only then). */
async function deleteServer(s: CloudSession, id: string, waitS = 120): Promise<void> {
  try {
    await s.delete('compute', `/servers/${encodeURIComponent(id)}`);
  } catch (e) {
    if (!(e instanceof CloudError && / 404 /.test(e.message))) throw e;
    return;
  }
  const deadline = Date.now() + waitS * 1000;
  while (Date.now() < deadline) {
    try {
      await s.get('compute', `/servers/${encodeURIComponent(id)}`, { microversion: SERVER_MICROVERSION });
    } catch (e) {
      if (e instanceof CloudError && / 404 /.test(e.message)) return;
      throw e;
    }
    await sleep(500);
  }
  throw new CloudError(
    `server ${id} is still there ${waitS} s after its deletion`,
    `check nova-compute; delete it with openstack server delete ${id}`,
  );
}

async function deleteNeutron(
  s: CloudSession,
  kind: 'ports' | 'subnets' | 'networks',
  id: string,
): Promise<void> {
  try {
    await s.delete('network', `/v2.0/${kind}/${encodeURIComponent(id)}`);
  } catch (e) {
    if (!(e instanceof CloudError && / 404 /.test(e.message))) throw e;
  }
}

/** Server (waited until gone), then port, subnet, network; every failure is reported, none stops the rest. */
export async function deleteCreated(
  s: CloudSession,
  c: Created,
): Promise<Array<{ kind: string; id: string; error: string }>> {
  const failed: Array<{ kind: string; id: string; error: string }> = [];
  const step = async (kind: string, id: string | null, f: (id: string) => Promise<void>) => {
    if (id === null) return;
    try {
      await f(id);
    } catch (e) {
      failed.push({ kind, id, error: e instanceof Error ? e.message : String(e) });
    }
  };
  await step('server', c.server, (id) => deleteServer(s, id));
  await step('port', c.port, (id) => deleteNeutron(s, 'ports', id));
  await step('subnet', c.subnet, (id) => deleteNeutron(s, 'subnets', id));
  await step('network', c.network, (id) => deleteNeutron(s, 'networks', id));
  return failed;
}

async function tagNeutron(s: CloudSession, kind: 'ports' | 'networks' | 'subnets', id: string, tag: string) {
  // Zed refuses `tags` in a POST body: the tag is added right after the create.
  await s.put('network', `/v2.0/${kind}/${encodeURIComponent(id)}/tags/${encodeURIComponent(tag)}`);
}

function idOf(answer: unknown, key: string, what: string): string {
  const id = str(str(answer, key), 'id');
  if (typeof id !== 'string' || id === '')
    throw new CloudError(
      `the answer to creating a ${what} has no id`,
      'check the API version of the service',
    );
  return id;
}

/**
 * The case's failure in doctor's words. Nova detaches the ports of a failed build, so doctor is
 * shown the cloud with our port still attached to our server on the case's host (as Nova gave
 * it): its SERVER-001 rule then knows the physnet and the VFs held there; Neutron's binding rules
 * (explainBinding) say whether the port could have bound on that host at all.
 */
export function explainFailure(
  cloud: CloudSnapshot,
  c: VerifyCase,
  serverId: string | null,
  port: CloudPort | null,
  fault: string,
): { reason: string; fix: string } {
  let view = cloud;
  let attached: CloudPort | null = null;
  if (port) {
    attached = {
      ...port,
      device_id: port.device_id || (serverId ?? ''),
      'binding:host_id': port['binding:host_id'] || c.host,
    };
    const a = attached;
    view = { ...cloud, ports: [...cloud.ports.filter((p) => p.id !== a.id), a] };
  }
  const binding = attached ? explainBinding(attached, view) : null;
  const bindingFault = /PortBindingFailed|binding failed|binding_failed/i.test(fault);
  if (binding && !binding.allowed && (bindingFault || attached?.['binding:vif_type'] === 'binding_failed'))
    return {
      reason: `the port could not bind on ${c.host}${fault ? ` ("${fault}")` : ''}: ${binding.reason}`,
      fix: binding.fix,
    };
  const mine = runDoctor({ cloud: view, deploy: null, hosts: [] }).findings.filter(
    (f) =>
      (serverId !== null && f.message.includes(serverId)) || (port !== null && f.message.includes(port.id)),
  );
  const f = mine.find((x) => x.ruleId === 'SRIOV-LIVE-SERVER-001') ?? mine[0];
  const reason = f ? `${f.message} [${f.ruleId}]` : fault || 'the server did not become ACTIVE';
  const fix =
    f?.fix ?? 'run osa-sriov doctor and read the nova-conductor and nova-compute logs for the server id';
  if (binding && !binding.allowed)
    return {
      reason: `${reason}; Neutron would not bind the port there either: ${binding.reason}`,
      fix: `${binding.fix}; and on the Nova side: ${fix}`,
    };
  return { reason, fix };
}

async function readPort(s: CloudSession, id: string): Promise<CloudPort> {
  const r = PortSchema.safeParse(
    str(await s.get('network', `/v2.0/ports/${encodeURIComponent(id)}`), 'port'),
  );
  if (!r.success)
    throw new CloudError(`Neutron GET /v2.0/ports/${id}: not a port`, 'check the network endpoint');
  return r.data;
}

async function runCase(
  s: CloudSession,
  c: VerifyCase,
  opts: VerifyOptions,
  created: Created,
  result: CaseResult,
): Promise<void> {
  const tag = `${TAG_PREFIX}${opts.runId}`;
  const stop = () => {
    if (opts.signal?.aborted) throw new Interrupted();
  };
  const say = (l: string) => opts.progress?.(`${c.host} ${c.physnet} ${c.vnicType}: ${l}`);
  const snapshot = await readCloud(s);
  stop();
  let networkId: string;
  const choice =
    opts.network ??
    usableNetwork(snapshot, c.physnet, s.info.projectId) ??
    ({ kind: 'temporary', physnet: c.physnet } as const);
  if (choice.kind === 'existing') {
    networkId = choice.id;
    result.network = { id: choice.id, name: choice.name, temporary: false, vlan: choice.vlan };
  } else {
    if (!opts.canCreateNetworks)
      throw new CaseFailure(
        `no network on ${c.physnet} that this project can use, and creating one needs the admin role`,
        `give --network NET (a vlan or flat network on ${c.physnet}), or run with an admin account`,
      );
    const name = resourceName(opts.runId, c, 'net');
    let answer: unknown;
    try {
      answer = await s.post('network', '/v2.0/networks', {
        network: { name, 'provider:network_type': 'vlan', 'provider:physical_network': c.physnet },
      });
    } catch (e) {
      if (!(e instanceof CloudError)) throw e;
      // A physnet with no VLAN range (or no free VLAN) may still be flat.
      answer = await s.post('network', '/v2.0/networks', {
        network: { name, 'provider:network_type': 'flat', 'provider:physical_network': c.physnet },
      });
    }
    created.network = idOf(answer, 'network', 'network');
    networkId = created.network;
    await tagNeutron(s, 'networks', networkId, tag);
    const net = NetworkSchema.parse(str(answer, 'network'));
    const seg = segmentsOf(net)[0];
    result.network = {
      id: networkId,
      name,
      temporary: true,
      vlan: seg?.type === 'flat' ? 0 : (seg?.segId ?? null),
    };
    stop();
    const subnet = await s.post('network', '/v2.0/subnets', {
      subnet: {
        name: resourceName(opts.runId, c, 'subnet'),
        network_id: networkId,
        ip_version: 4,
        cidr: '192.0.2.0/24',
        enable_dhcp: false,
        gateway_ip: null,
      },
    });
    created.subnet = idOf(subnet, 'subnet', 'subnet');
    await tagNeutron(s, 'subnets', created.subnet, tag);
    say(`temporary network ${name} (${networkId})`);
  }
  stop();
  const port = await s.post('network', '/v2.0/ports', {
    port: {
      name: resourceName(opts.runId, c, 'port'),
      network_id: networkId,
      'binding:vnic_type': c.vnicType,
      port_security_enabled: false,
    },
  });
  created.port = idOf(port, 'port', 'port');
  result.portId = created.port;
  await tagNeutron(s, 'ports', created.port, tag);
  stop();
  const zone = await availabilityZoneOf(s, c.host);
  const server = await s.post(
    'compute',
    '/servers',
    {
      server: {
        name: resourceName(opts.runId, c, 'vm'),
        imageRef: opts.image.id,
        flavorRef: opts.flavor.id,
        networks: [{ port: created.port }],
        availability_zone: `${zone}:${c.host}`,
        tags: [tag],
      },
    },
    { microversion: SERVER_MICROVERSION },
  );
  created.server = idOf(server, 'server', 'server');
  result.serverId = created.server;
  say(`server ${created.server} building`);
  const deadline = Date.now() + opts.timeoutS * 1000;
  let status = 'BUILD';
  let host: string | null = null;
  let fault = '';
  for (;;) {
    stop();
    const cur = ServerSchema.safeParse(
      str(
        await s.get('compute', `/servers/${encodeURIComponent(created.server)}`, {
          microversion: SERVER_MICROVERSION,
        }),
        'server',
      ),
    );
    if (cur.success) {
      status = cur.data.status;
      host = cur.data['OS-EXT-SRV-ATTR:host'];
      fault = cur.data.fault?.message.split('\n')[0] ?? '';
    }
    if (status === 'ACTIVE' || status === 'ERROR') break;
    if (Date.now() > deadline) break;
    await sleep(opts.pollMs ?? 1000, opts.signal);
  }
  stop();
  result.serverStatus = status;
  const bound = await readPort(s, created.port);
  result.portMac = bound.mac_address.toLowerCase();
  result.vifType = bound['binding:vif_type'] || null;
  result.pciSlot = pciSlot(bound);
  const problems: string[] = [];
  if (status !== 'ACTIVE') {
    if (status !== 'ERROR')
      throw new CaseFailure(
        `the server is still ${status} after ${opts.timeoutS} s`,
        'wait longer with --timeout, or read the nova-compute log of the host for the server id',
      );
    const cloud = await readCloud(s);
    const e = explainFailure(cloud, c, created.server, bound, fault);
    throw new CaseFailure(e.reason, e.fix);
  }
  if (host !== c.host) problems.push(`the server runs on ${host ?? 'no host'}, not ${c.host}`);
  if (bound['binding:host_id'] !== c.host)
    problems.push(`the port is bound to ${bound['binding:host_id'] || 'no host'}, not ${c.host}`);
  const wantVif = VIF_TYPE_FOR_VNIC[c.vnicType];
  if (bound['binding:vif_type'] !== wantVif)
    problems.push(
      `the port's binding:vif_type is ${bound['binding:vif_type'] || '(empty)'}, not ${wantVif} (the SR-IOV mechanism driver's)`,
    );
  if (result.pciSlot === null)
    problems.push('binding:profile has no pci_slot: Nova did not claim a VF for the port');
  const profPhysnet = bound['binding:profile'].physical_network;
  if (profPhysnet !== c.physnet)
    problems.push(
      `binding:profile physical_network is ${typeof profPhysnet === 'string' ? profPhysnet : '(none)'}, not ${c.physnet}`,
    );
  if (problems.length > 0) {
    const cloud = await readCloud(s);
    const e = explainFailure(cloud, c, created.server, bound, fault);
    throw new CaseFailure(`${problems.join('; ')}${e.reason ? ` (${e.reason})` : ''}`, e.fix);
  }
  if (opts.onHost) {
    const cloud = await readCloud(s);
    result.onHost = await opts.onHost(
      c,
      bound,
      cloud.networks.find((n) => n.id === bound.network_id),
    );
    if (result.onHost && result.onHost.problems.length > 0)
      throw new CaseFailure(
        `on ${c.host}: ${result.onHost.problems.join('; ')}`,
        `check neutron-sriov-nic-agent on ${c.host} (its log for the port's MAC ${result.portMac}); the facts must be taken while the server runs`,
      );
  }
}

/** A case's failure, explained: not an error of the run. */
export class CaseFailure extends Error {
  constructor(
    message: string,
    readonly fix: string,
  ) {
    super(message);
  }
}

const azCache = new WeakMap<CloudSession, Promise<Map<string, string>>>();

/** The availability zone of a compute host (os-availability-zone/detail, admin); "nova" when unknown. */
async function availabilityZoneOf(s: CloudSession, host: string): Promise<string> {
  let p = azCache.get(s);
  if (!p) {
    p = (async () => {
      const out = new Map<string, string>();
      try {
        const r = await s.get('compute', '/os-availability-zone/detail');
        const zones = str(r, 'availabilityZoneInfo');
        if (Array.isArray(zones))
          for (const z of zones) {
            const name = str(z, 'zoneName');
            const hosts = str(z, 'hosts');
            if (typeof name === 'string' && name !== 'internal' && hosts && typeof hosts === 'object')
              for (const h of Object.keys(hosts)) out.set(h, name);
          }
      } catch {
        // Not admin: the default zone name.
      }
      return out;
    })();
    azCache.set(s, p);
  }
  return (await p).get(host) ?? 'nova';
}

export function emptyResult(c: VerifyCase): CaseResult {
  return {
    ...c,
    result: 'planned',
    seconds: 0,
    pciSlot: null,
    vifType: null,
    network: { id: null, name: '', temporary: false, vlan: null },
    portId: null,
    portMac: null,
    serverId: null,
    serverStatus: null,
    resources: [],
    reason: null,
    fix: null,
    kept: false,
    onHost: null,
  };
}

/** What a case would create (for --dry-run and the report). */
export function plannedResources(
  c: VerifyCase,
  runId: string,
  network: NetworkChoice,
): { network: CaseResult['network']; resources: CaseResult['resources'] } {
  const resources: CaseResult['resources'] = [];
  let net: CaseResult['network'];
  if (network.kind === 'existing')
    net = { id: network.id, name: network.name, temporary: false, vlan: network.vlan };
  else {
    net = { id: null, name: resourceName(runId, c, 'net'), temporary: true, vlan: null };
    resources.push({ kind: 'network', name: net.name, id: null });
    resources.push({ kind: 'subnet', name: resourceName(runId, c, 'subnet'), id: null });
  }
  resources.push({ kind: 'port', name: resourceName(runId, c, 'port'), id: null });
  resources.push({ kind: 'server', name: resourceName(runId, c, 'vm'), id: null });
  return { network: net, resources };
}

/** Runs the cases, at most `parallel` at a time; each one cleaned up before it counts as done. */
export async function runCases(
  s: CloudSession,
  cases: readonly VerifyCase[],
  opts: VerifyOptions,
): Promise<{ results: CaseResult[]; leftovers: VerifyReport['leftovers']; interrupted: boolean }> {
  const results = cases.map(emptyResult);
  const leftovers: VerifyReport['leftovers'] = [];
  let next = 0;
  const worker = async () => {
    for (;;) {
      if (opts.signal?.aborted) return;
      const i = next++;
      if (i >= cases.length) return;
      const c = cases[i]!;
      const result = results[i]!;
      const created: Created = { network: null, subnet: null, port: null, server: null };
      const t0 = Date.now();
      let failed = false;
      try {
        await runCase(s, c, opts, created, result);
        result.result = 'pass';
      } catch (e) {
        if (e instanceof Interrupted) {
          result.reason = 'interrupted';
        } else {
          failed = true;
          result.result = 'fail';
          if (e instanceof CaseFailure) {
            result.reason = e.message;
            result.fix = e.fix;
          } else if (e instanceof CloudError) {
            result.reason = e.message;
            result.fix = e.hint;
          } else throw e;
        }
      } finally {
        result.seconds = Math.round((Date.now() - t0) / 100) / 10;
        result.resources = [
          ...(created.network
            ? [{ kind: 'network' as const, name: resourceName(opts.runId, c, 'net'), id: created.network }]
            : []),
          ...(created.subnet
            ? [{ kind: 'subnet' as const, name: resourceName(opts.runId, c, 'subnet'), id: created.subnet }]
            : []),
          ...(created.port
            ? [{ kind: 'port' as const, name: resourceName(opts.runId, c, 'port'), id: created.port }]
            : []),
          ...(created.server
            ? [{ kind: 'server' as const, name: resourceName(opts.runId, c, 'vm'), id: created.server }]
            : []),
        ];
        if (failed && opts.keepOnFailure && !opts.signal?.aborted) result.kept = true;
        else {
          opts.progress?.(`${c.host} ${c.physnet} ${c.vnicType}: cleaning up`);
          leftovers.push(...(await deleteCreated(s, created)));
        }
      }
    }
  };
  const n = Math.max(1, Math.min(opts.parallel, cases.length));
  await Promise.all(Array.from({ length: n }, worker));
  // Cases the interruption kept from starting say so, as the one it stopped does.
  if (opts.signal?.aborted) for (const r of results) if (r.result === 'planned') r.reason = 'interrupted';
  return { results, leftovers, interrupted: opts.signal?.aborted === true };
}

// ----- --cleanup ----------------------------------------------------------------------------

export interface CleanupReport {
  removed: Array<{ kind: string; id: string; name: string; tag: string }>;
  failed: Array<{ kind: string; id: string; error: string }>;
  /** Named like ours but without our tag (a run killed between create and tag): not touched. */
  untagged: Array<{ kind: string; id: string; name: string }>;
}

const ourTag = (tags: unknown): string | null => {
  if (!Array.isArray(tags)) return null;
  const t = tags.find((x): x is string => typeof x === 'string' && x.startsWith(TAG_PREFIX));
  return t ?? null;
};

/** What verify runs left: resources with our name prefix AND our tag (or one run's tag). */
export async function findLeftovers(s: CloudSession, runId?: string) {
  const [servers, ports, subnets, networks] = await Promise.all([
    s.list('compute', '/servers/detail', 'servers', {
      query: { all_tenants: '1' },
      microversion: SERVER_MICROVERSION,
    }),
    s.list('network', '/v2.0/ports', 'ports'),
    s.list('network', '/v2.0/subnets', 'subnets'),
    s.list('network', '/v2.0/networks', 'networks'),
  ]);
  const pick = (kind: string, items: unknown[]) => {
    const tagged: Array<{ kind: string; id: string; name: string; tag: string }> = [];
    const untagged: Array<{ kind: string; id: string; name: string }> = [];
    for (const it of items) {
      const id = str(it, 'id');
      const name = str(it, 'name');
      if (typeof id !== 'string' || typeof name !== 'string' || !name.startsWith(NAME_PREFIX)) continue;
      const tag = ourTag(str(it, 'tags'));
      if (
        tag &&
        (runId === undefined || tag === `${TAG_PREFIX}${runId}`) &&
        name.startsWith(`${NAME_PREFIX}${tag.slice(TAG_PREFIX.length)}-`)
      )
        tagged.push({ kind, id, name, tag });
      else if (!tag) untagged.push({ kind, id, name });
    }
    return { tagged, untagged };
  };
  return {
    servers: pick('server', servers),
    ports: pick('port', ports),
    subnets: pick('subnet', subnets),
    networks: pick('network', networks),
  };
}

export async function cleanupTagged(s: CloudSession, progress?: (l: string) => void): Promise<CleanupReport> {
  const found = await findLeftovers(s);
  const report: CleanupReport = { removed: [], failed: [], untagged: [] };
  for (const group of [found.servers, found.ports, found.subnets, found.networks]) {
    report.untagged.push(...group.untagged);
    for (const r of group.tagged) {
      progress?.(`deleting ${r.kind} ${r.name} (${r.id})`);
      const created: Created = { network: null, subnet: null, port: null, server: null };
      if (r.kind === 'server') created.server = r.id;
      if (r.kind === 'port') created.port = r.id;
      if (r.kind === 'subnet') created.subnet = r.id;
      if (r.kind === 'network') created.network = r.id;
      const failed = await deleteCreated(s, created);
      if (failed.length > 0) report.failed.push(...failed);
      else report.removed.push(r);
    }
  }
  return report;
}
