// `doctor`: the running cloud against what SR-IOV needs, and against the deployment when it is
// given: NIC Switch agents, SR-IOV physnets, direct/macvtap ports and failed servers, each
// finding explained by the rule that decides it (Neutron's sriovnicswitch driver, Nova's PCI
// claim) with the one thing to fix. Pure: the cloud was read before (src/cloud/client.ts).

import type { Finding, RuleFinding, Severity } from '../checks/finding.js';
import { compareSeverity } from '../checks/finding.js';
import type { RuleInfo } from '../checks/rule.js';
import type { CheckContext, HostView } from '../deployment/context.js';
import { neutronPlaybook, novaPlaybook } from '../deployment/playbooks.js';
import { SRIOV_AGENT_TYPE } from '../openstack/neutron-mech-driver.js';
import { explainNumaRefusal, hasNumaTopology } from './doctor-numa.js';
import { agentMappings, segmentsOf, short } from './topology.js';
import {
  type CloudAgent,
  type CloudNetwork,
  type CloudPort,
  type CloudServer,
  type CloudSnapshot,
  isSriovPort,
} from './types.js';

export interface DoctorContext {
  cloud: CloudSnapshot;
  /** The deployment (with facts), when --deploy was given. */
  deploy: CheckContext | null;
  /** Only findings about these hosts (all when empty). */
  hosts: readonly string[];
  /** Properties of the images of servers in ERROR (id → properties; null: could not be read). */
  images?: ReadonlyMap<string, Record<string, unknown> | null>;
}

export interface DoctorRule extends RuleInfo {
  run(ctx: DoctorContext): RuleFinding[];
}

const sriovAgents = (c: CloudSnapshot) => c.agents.filter((a) => a.agent_type === SRIOV_AGENT_TYPE);

function mappingText(m: Record<string, string[]>): string {
  const items = Object.entries(m)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .flatMap(([n, ds]) => [...ds].sort().map((d) => `${n}:${d}`));
  return items.length > 0 ? items.join(',') : '(none)';
}

/** The deployment's hosts that run the SR-IOV agent with mappings. */
function plannedAgents(ctx: DoctorContext): HostView[] {
  return (ctx.deploy?.hosts() ?? []).filter(
    (h) =>
      !ctx.deploy!.model.inventory.hosts.get(h.name)?.isContainer && (h.agent()?.physnets.length ?? 0) > 0,
  );
}

/** The SR-IOV agent whose host is this name, exactly or by short name. */
function agentFor(c: CloudSnapshot, host: string): { agent: CloudAgent | null; exact: boolean } {
  const agents = sriovAgents(c);
  const exact = agents.find((a) => a.host === host);
  if (exact) return { agent: exact, exact: true };
  const loose = agents.find((a) => short(a.host) === short(host));
  return { agent: loose ?? null, exact: false };
}

const networkById = (c: CloudSnapshot) => new Map(c.networks.map((n) => [n.id, n]));
const serverById = (c: CloudSnapshot) => new Map((c.servers ?? []).map((s) => [s.id, s]));

function portLabel(p: CloudPort, servers: Map<string, CloudServer>): string {
  const s = servers.get(p.device_id);
  return `port ${p.id}${p.name ? ` (${p.name})` : ''}, ${p['binding:vnic_type']}${s ? `, of server ${s.name} (${s.id})` : ''}`;
}

/**
 * Why Neutron's sriovnicswitch driver would not bind this port on its host, walking its rules
 * in order (vnic type, network type, agent on the host, alive, physnet mapped).
 */
export function explainBinding(
  p: CloudPort,
  c: CloudSnapshot,
): { reason: string; fix: string; allowed?: true } {
  const net = networkById(c).get(p.network_id);
  const host = p['binding:host_id'];
  if (!net)
    return {
      reason: `its network ${p.network_id} is not visible`,
      fix: 'check the port with an admin account',
    };
  const segs = segmentsOf(net);
  const bindable = segs.filter((s) => s.type === 'vlan' || s.type === 'flat');
  if (bindable.length === 0)
    return {
      reason: `network ${net.name || net.id} is ${segs.map((s) => s.type ?? 'of unknown type').join('/')}: the SR-IOV mechanism driver binds only vlan and flat segments (a VF cannot be a tunnel endpoint)`,
      fix: 'create the port on a vlan or flat provider network of an SR-IOV physnet',
    };
  if (!host)
    return {
      reason: 'the port has no binding:host_id: no compute host asked to bind it',
      fix: 'attach it to a server (openstack server create --port …); Nova sets the host',
    };
  const { agent, exact } = agentFor(c, host);
  if (!agent)
    return {
      reason: `no NIC Switch agent reports host ${host}`,
      fix: `start neutron-sriov-nic-agent on ${host} (and check that ${host} is in neutron_sriov_nic_agent in OSA), then re-bind: openstack port unset --host / delete and re-create the server`,
    };
  if (!exact)
    return {
      reason: `the NIC Switch agent reports host ${agent.host}, but the port is bound to ${host}: Neutron compares the strings, and ${agent.host} ≠ ${host}`,
      fix: `make the agent's host equal nova-compute's: set [DEFAULT] host = ${host} for neutron-sriov-nic-agent (neutron_sriov_nic_agent_ini_overrides) or make both use the same hostname`,
    };
  if (!agent.alive)
    return {
      reason: `the NIC Switch agent on ${host} is dead (last heartbeat ${agent.heartbeat_timestamp ?? 'unknown'})`,
      fix: `on ${host}: systemctl restart neutron-sriov-nic-agent and read its log (RabbitMQ connection, "Device … not found")`,
    };
  const mapped = agentMappings(agent);
  const physnets = bindable.map((s) => s.physnet ?? '');
  if (!physnets.some((n) => n in mapped))
    return {
      reason: `the agent on ${host} maps ${mappingText(mapped)}, not the network's physnet ${physnets.join('/') || '(none)'}`,
      fix: `map ${physnets[0]} to a PF on ${host}: sriov_host_interfaces of the provider_networks entry with net_name ${physnets[0]}, then ${'openstack-ansible os-neutron-install.yml'}`,
    };
  return {
    allowed: true,
    reason: `the driver's rules allow it (agent alive on ${host}, ${physnets.join('/')} mapped): the binding failed for another reason`,
    fix: 'read neutron-server.log for the port id (a VF that is gone, a profile without pci_slot, a mechanism driver error)',
  };
}

const FAULT_PATTERNS: Array<{ re: RegExp; kind: 'retries' | 'novalidhost' | 'binding' | 'pci' }> = [
  { re: /PortBindingFailed|binding failed/i, kind: 'binding' },
  { re: /Exceeded maximum number of retries/i, kind: 'retries' },
  { re: /No valid host was found/i, kind: 'novalidhost' },
  { re: /PCI|pci_request|Claim pci failed/i, kind: 'pci' },
];

function sriovPortsOf(s: CloudServer, c: CloudSnapshot): CloudPort[] {
  return c.ports.filter((p) => p.device_id === s.id && isSriovPort(p));
}

function physnetsOfPorts(ports: CloudPort[], c: CloudSnapshot): string[] {
  const nets = networkById(c);
  return [
    ...new Set(
      ports.flatMap((p) =>
        segmentsOf(
          nets.get(p.network_id) ??
            ({ id: '', name: '', status: '', segments: [] } as unknown as CloudNetwork),
        )
          .map((s) => s.physnet)
          .filter((x): x is string => !!x),
      ),
    ),
  ];
}

const info = (
  id: string,
  severity: Severity,
  title: string,
  rationale: string,
  run: (ctx: DoctorContext) => RuleFinding[],
): DoctorRule => ({ id, severity, title, rationale, needs: 'config', run });

export const DOCTOR_RULES: readonly DoctorRule[] = [
  info(
    'SRIOV-LIVE-AGENT-001',
    'error',
    'A host that should run the NIC Switch agent has none',
    'Neutron binds a direct or macvtap port only on a host whose SR-IOV agent reports in; without it every SR-IOV port there ends binding_failed.',
    (ctx) =>
      plannedAgents(ctx)
        .filter((h) => agentFor(ctx.cloud, h.name).agent === null)
        .map((h) => ({
          host: h.name,
          severity: 'error' as const,
          message: `no NIC Switch agent reports host ${h.name}, though the deployment maps ${h.agent()!.mappingsText} for it: its direct/macvtap ports cannot bind ("binding_failed")`,
          evidence: [
            `NIC Switch agents: ${
              sriovAgents(ctx.cloud)
                .map((a) => a.host)
                .join(', ') || 'none'
            }`,
          ],
          fix: `run ${neutronPlaybook(h.release)} --limit ${h.name} and check neutron-sriov-nic-agent on ${h.name} (systemctl status, its log)`,
        })),
  ),
  info(
    'SRIOV-LIVE-AGENT-002',
    'error',
    'A NIC Switch agent is dead',
    'A dead agent (no heartbeat for agent_down_time) is skipped by the mechanism driver: new SR-IOV ports on its host fail to bind, and VF settings of existing ports are not applied.',
    (ctx) =>
      sriovAgents(ctx.cloud)
        .filter((a) => !a.alive)
        .map((a) => ({
          host: a.host,
          severity: 'error' as const,
          message: `the NIC Switch agent on ${a.host} is dead (last heartbeat ${a.heartbeat_timestamp ?? 'unknown'}): SR-IOV ports cannot bind there`,
          evidence: [`agent ${a.id} ${a.binary ?? ''} alive=false admin_state_up=${a.admin_state_up}`],
          fix: `on ${a.host}: systemctl restart neutron-sriov-nic-agent; if it stops again, its log says why (RabbitMQ, "Device … has 0 VFs", a mapping to a missing NIC); an agent of a removed host: openstack network agent delete ${a.id}`,
        })),
  ),
  info(
    'SRIOV-LIVE-AGENT-003',
    'error',
    "An agent's reported device mappings differ from the deployment's",
    'The agent reports the physical_device_mappings it started with; a difference means its configuration was not redeployed, or was changed by hand, and ports on the missing physnets fail to bind.',
    (ctx) => {
      const out: RuleFinding[] = [];
      for (const h of plannedAgents(ctx)) {
        const { agent } = agentFor(ctx.cloud, h.name);
        if (!agent) continue;
        const want = h.agent()?.mappings ?? {};
        const got = agentMappings(agent);
        if (mappingText(want) === mappingText(got)) continue;
        out.push({
          host: h.name,
          severity: 'error',
          message: `the NIC Switch agent on ${agent.host} reports device_mappings ${mappingText(got)}, the deployment renders physical_device_mappings = ${mappingText(want)}`,
          evidence: [
            `agent configurations.device_mappings: ${JSON.stringify(agent.configurations.device_mappings ?? {})}`,
            `sriov_nic_agent.ini [sriov_nic] physical_device_mappings = ${h.agent()?.mappingsText ?? ''}`,
          ],
          fix: `deploy the configuration and restart the agent: ${neutronPlaybook(h.release)} --limit ${h.name}`,
        });
      }
      return out;
    },
  ),
  info(
    'SRIOV-LIVE-AGENT-004',
    'error',
    "An agent's host name differs from its nova-compute service's",
    'Nova sets binding:host_id to its own service host; Neutron looks for an agent with exactly that host, so an agent reporting the FQDN (or the short name) of the same machine never binds its ports.',
    (ctx) => {
      const out: RuleFinding[] = [];
      for (const s of ctx.cloud.computeServices ?? []) {
        const { agent, exact } = agentFor(ctx.cloud, s.host);
        if (!agent || exact) continue;
        out.push({
          host: s.host,
          severity: 'error',
          message: `nova-compute runs as host ${s.host} but the NIC Switch agent of the same machine reports ${agent.host}: ports are bound to ${s.host}, and no agent has that host, so they end binding_failed`,
          evidence: [`nova-compute service host: ${s.host}`, `NIC Switch agent host: ${agent.host}`],
          fix: `use one name: set [DEFAULT] host = ${s.host} in the agent's configuration (neutron_sriov_nic_agent_ini_overrides: {DEFAULT: {host: ${s.host}}} in host_vars), or the same in nova.conf; then restart both`,
        });
      }
      return out;
    },
  ),
  info(
    'SRIOV-LIVE-NET-001',
    'error',
    'An SR-IOV physnet in use is mapped by no alive agent',
    'A direct port on a network of a physnet that no NIC Switch agent maps can bind nowhere.',
    (ctx) => {
      const mapped = new Set(
        sriovAgents(ctx.cloud)
          .filter((a) => a.alive)
          .flatMap((a) => Object.keys(agentMappings(a))),
      );
      const nets = networkById(ctx.cloud);
      const byPhysnet = new Map<string, CloudPort[]>();
      for (const p of ctx.cloud.ports.filter(isSriovPort)) {
        for (const s of segmentsOf(nets.get(p.network_id) ?? ({} as CloudNetwork))) {
          if ((s.type === 'vlan' || s.type === 'flat') && s.physnet && !mapped.has(s.physnet))
            byPhysnet.set(s.physnet, [...(byPhysnet.get(s.physnet) ?? []), p]);
        }
      }
      // The deployment's SR-IOV physnets count even before a port uses them.
      for (const h of plannedAgents(ctx))
        for (const physnet of h.agent()?.physnets ?? [])
          if (!mapped.has(physnet) && !byPhysnet.has(physnet)) byPhysnet.set(physnet, []);
      return [...byPhysnet].map(([physnet, ports]) => ({
        severity: 'error' as const,
        message:
          ports.length > 0
            ? `physnet ${physnet} carries ${ports.length} SR-IOV port(s) but no alive NIC Switch agent maps it: they cannot bind`
            : `the deployment maps SR-IOV physnet ${physnet}, but no alive NIC Switch agent reports it: ports on it will not bind`,
        evidence: [
          `alive agents map: ${[...mapped].sort().join(', ') || 'nothing'}`,
          `ports: ${ports
            .slice(0, 5)
            .map((p) => p.id)
            .join(', ')}${ports.length > 5 ? ', …' : ''}`,
        ],
        fix: `map ${physnet} on the SR-IOV computes: sriov_host_interfaces in the provider_networks entry with net_name ${physnet} (openstack_user_config.yml), then openstack-ansible os-neutron-install.yml`,
      }));
    },
  ),
  info(
    'SRIOV-LIVE-NET-002',
    'error',
    'An SR-IOV port is on a tunnelled network',
    'The SR-IOV mechanism driver binds vlan and flat segments only: a direct port on a vxlan or geneve network never binds.',
    (ctx) => {
      const nets = networkById(ctx.cloud);
      const servers = serverById(ctx.cloud);
      return ctx.cloud.ports.filter(isSriovPort).flatMap((p) => {
        const net = nets.get(p.network_id);
        if (!net) return [];
        const types = segmentsOf(net).map((s) => s.type);
        if (
          types.some((t) => t === 'vlan' || t === 'flat') ||
          !types.some((t) => t === 'vxlan' || t === 'geneve' || t === 'gre')
        )
          return [];
        return [
          {
            ...(p['binding:host_id'] ? { host: p['binding:host_id'] } : {}),
            severity: 'error' as const,
            message: `${portLabel(p, servers)} is on ${types.join('/')} network ${net.name || net.id}: a VF cannot join a tunnel, so the port never binds`,
            evidence: [`network ${net.id}: provider:network_type ${types.join('/')}`],
            fix: 'delete the port and create it on a vlan or flat provider network of an SR-IOV physnet (openstack port create --vnic-type direct --network <provider net>)',
          },
        ];
      });
    },
  ),
  info(
    'SRIOV-LIVE-PORT-001',
    'error',
    'An SR-IOV port failed to bind',
    'binding_failed means no mechanism driver accepted the port on its host; for SR-IOV the reason is one of a few rules of the sriovnicswitch driver, checked here in its order.',
    (ctx) => {
      const servers = serverById(ctx.cloud);
      return ctx.cloud.ports
        .filter((p) => isSriovPort(p) && p['binding:vif_type'] === 'binding_failed')
        .map((p) => {
          const { reason, fix } = explainBinding(p, ctx.cloud);
          return {
            ...(p['binding:host_id'] ? { host: p['binding:host_id'] } : {}),
            severity: 'error' as const,
            message: `${portLabel(p, servers)} is binding_failed on ${p['binding:host_id'] || 'no host'}: ${reason}`,
            evidence: [
              `binding:vif_type binding_failed, binding:host_id ${p['binding:host_id'] || '(empty)'}, status ${p.status}`,
            ],
            fix,
          };
        });
    },
  ),
  info(
    'SRIOV-LIVE-PORT-002',
    'warning',
    'An SR-IOV port of an ACTIVE server is DOWN or unbound',
    'The server runs but its VF is not configured by the agent (MAC, VLAN, link state): the guest has no connectivity on that port.',
    (ctx) => {
      const servers = serverById(ctx.cloud);
      return ctx.cloud.ports
        .filter((p) => isSriovPort(p) && servers.get(p.device_id)?.status === 'ACTIVE')
        .filter((p) => p.status !== 'ACTIVE' || p['binding:vif_type'] === 'unbound')
        .filter((p) => p['binding:vif_type'] !== 'binding_failed')
        .map((p) => ({
          ...(p['binding:host_id'] ? { host: p['binding:host_id'] } : {}),
          severity: 'warning' as const,
          message: `${portLabel(p, servers)} is ${p.status}${p['binding:vif_type'] === 'unbound' ? ' and unbound' : ''} while its server is ACTIVE: the agent has not configured its VF`,
          evidence: [
            `status ${p.status}, binding:vif_type ${p['binding:vif_type'] || '(empty)'}, pci_slot ${String(p['binding:profile'].pci_slot ?? '(none)')}`,
          ],
          fix: `on ${p['binding:host_id'] || 'the host'}: check that neutron-sriov-nic-agent is alive and its log for the port's MAC ${p.mac_address} (a VF it cannot find, "Device … not found")`,
        }));
    },
  ),
  info(
    'SRIOV-LIVE-PORT-003',
    'info',
    'Port security on an SR-IOV port: security groups are not applied',
    'The SR-IOV agent does not filter a VF: security group rules of a direct port have no effect; port security only turns on the VF spoof check.',
    (ctx) => {
      const servers = serverById(ctx.cloud);
      return ctx.cloud.ports
        .filter(
          (p) => isSriovPort(p) && p['binding:vnic_type'] !== 'macvtap' && p.port_security_enabled === true,
        )
        .filter((p) => p.security_groups.length > 0)
        .map((p) => ({
          ...(p['binding:host_id'] ? { host: p['binding:host_id'] } : {}),
          severity: 'info' as const,
          message: `${portLabel(p, servers)} has port security on with ${p.security_groups.length} security group(s): their rules are not enforced on a VF (only the spoof check is)`,
          evidence: [`port_security_enabled true, security_groups ${p.security_groups.join(', ')}`],
          fix: `filter in the guest or upstream; to state it: openstack port set --no-security-group --disable-port-security ${p.id}`,
        }));
    },
  ),
  info(
    'SRIOV-LIVE-SERVER-001',
    'error',
    'A server with SR-IOV ports is in ERROR',
    'Scheduling and claiming a VF fail in a few known ways: no PciPassthroughFilter, device_spec tags, VFs used up, a port that cannot bind; the fault message and the configuration tell which.',
    (ctx) => {
      const out: RuleFinding[] = [];
      for (const s of (ctx.cloud.servers ?? []).filter((x) => x.status === 'ERROR')) {
        const ports = sriovPortsOf(s, ctx.cloud);
        const fault = s.fault?.message ?? '';
        const kind = FAULT_PATTERNS.find((f) => f.re.test(fault))?.kind;
        // Nova detaches the ports it was given when a build fails: a scheduling or claim fault
        // is reported even when no SR-IOV port is left on the server.
        if (ports.length === 0 && kind === undefined) continue;
        const physnets = physnetsOfPorts(ports, ctx.cloud);
        const why: string[] = [];
        if (ports.length === 0)
          why.push(
            'its ports are no longer attached (Nova detaches the ports it was given when a build fails), so which physnet it asked for is not known',
          );
        let fix = 'see the server fault and nova-conductor / nova-compute logs';
        const failed = ports.find((p) => p['binding:vif_type'] === 'binding_failed');
        // A server with a NUMA topology can be refused with free VFs: those on the wrong node.
        const numaHint = hasNumaTopology(s) ? ' that its NUMA policy allows' : '';
        if (kind === 'binding' || failed) {
          const e = failed ? explainBinding(failed, ctx.cloud) : null;
          why.push(`a port could not bind${e ? `: ${e.reason}` : ''}`);
          if (e) fix = e.fix;
        } else {
          // Capacity: VFs of those physnets in use by other servers' ports, against the agents' hosts.
          const inUse = ctx.cloud.ports.filter(
            (p) => isSriovPort(p) && p.device_id !== s.id && p['binding:profile'].pci_slot !== undefined,
          );
          const onPhysnets = inUse.filter((p) =>
            physnetsOfPorts([p], ctx.cloud).some((n) => physnets.includes(n)),
          );
          if (kind === 'retries')
            why.push(
              'the scheduler chose a host but the compute claim of a VF failed there, and the retries ran out: either the scheduler does not check PCI (no PciPassthroughFilter) or the VFs of that physnet were taken meanwhile',
            );
          if (kind === 'novalidhost')
            why.push(
              physnets.length > 0
                ? `no host has a free VF tagged with physnet ${physnets.join('/')} in its device_spec${numaHint}`
                : `if it asked for an SR-IOV port, no host had a free VF of that physnet in its device_spec${numaHint}`,
            );
          if (physnets.length > 0) {
            why.push(`${onPhysnets.length} VF(s) of ${physnets.join('/')} are held by other ports`);
          } else {
            const held = new Map<string, number>();
            for (const p of inUse)
              for (const n of physnetsOfPorts([p], ctx.cloud)) held.set(n, (held.get(n) ?? 0) + 1);
            why.push(
              `VFs held by ports now: ${[...held].map(([n, c]) => `${n} ${c}`).join(', ') || 'none'} (osa-sriov capacity --facts shows what is free)`,
            );
          }
          const sched = ctx.deploy?.hosts().find((h) => h.groups.has('nova_scheduler'));
          const filters = sched?.option('nova.conf', 'filter_scheduler', 'enabled_filters').at(-1);
          if (filters !== undefined && !filters.includes('PciPassthroughFilter')) {
            why.push('the deployment does not enable PciPassthroughFilter (see SRIOV-SCHED-001)');
            fix = `enable PciPassthroughFilter (nova_scheduler_extra_filters) and run ${novaPlaybook(sched!.release)}`;
          } else {
            const tagged = (ctx.deploy?.hosts() ?? []).filter((h) =>
              (h.devspec()?.lines ?? []).some((l) => physnets.some((n) => l.includes(`"${n}"`))),
            );
            if (ctx.deploy && tagged.length === 0 && physnets.length > 0) {
              why.push(`no host's device_spec has physical_network ${physnets.join('/')}`);
              fix = `tag the VFs of that physnet's PFs with "physical_network": "${physnets[0]}" in nova_device_spec (host_vars), then ${novaPlaybook(ctx.deploy.model.release)}`;
            } else {
              fix = `free VFs of ${physnets.join('/') || 'the physnet'} (delete unused direct ports, see osa-sriov vf-map and capacity) or add VFs (numVfs, device_spec), then rebuild the server`;
            }
          }
        }
        const evidence: string[] = [];
        if (kind === 'novalidhost') {
          const perPhysnet = new Map<string, number>();
          for (const p of ports)
            for (const n of physnetsOfPorts([p], ctx.cloud)) perPhysnet.set(n, (perPhysnet.get(n) ?? 0) + 1);
          const imageId = (s as { image?: unknown }).image;
          const id = imageId && typeof imageId === 'object' ? (imageId as { id?: unknown }).id : null;
          const numa = explainNumaRefusal(s, ctx.cloud, ctx.deploy, {
            image: typeof id === 'string' ? (ctx.images?.get(id) ?? null) : {},
            portsPerPhysnet: perPhysnet,
            ports,
          });
          if (numa) {
            why.push(...numa.why);
            evidence.push(...numa.evidence);
            if (numa.fix) fix = numa.fix;
          }
        }
        out.push({
          ...(s['OS-EXT-SRV-ATTR:host'] ? { host: s['OS-EXT-SRV-ATTR:host'] } : {}),
          // Without an SR-IOV port left on it, the server may have failed for another resource.
          severity: ports.length > 0 ? 'error' : 'warning',
          message: `server ${s.name} (${s.id}) is in ERROR: "${fault.split('\n')[0]}"; ${why.join('; ')}`,
          evidence: [
            `fault: ${fault.split('\n')[0]}`,
            ...ports.map((p) =>
              `port ${p.id} ${p['binding:vnic_type']} ${p.status} ${p['binding:vif_type'] || ''}`.trim(),
            ),
            ...evidence,
          ],
          fix,
        });
      }
      return out;
    },
  ),
];

export interface DoctorResult {
  findings: Finding[];
  rules: readonly RuleInfo[];
  hosts: string[];
  hostsWithFacts: string[];
}

export function runDoctor(ctx: DoctorContext): DoctorResult {
  const findings: Finding[] = [];
  const keep = (f: RuleFinding) =>
    ctx.hosts.length === 0 || (f.host !== undefined && ctx.hosts.some((h) => short(h) === short(f.host!)));
  for (const rule of DOCTOR_RULES) {
    for (const f of rule.run(ctx)) if (keep(f)) findings.push({ ...f, ruleId: rule.id });
  }
  findings.sort(
    (a, b) =>
      (a.host === undefined ? -1 : 0) - (b.host === undefined ? -1 : 0) ||
      (a.host ?? '').localeCompare(b.host ?? '') ||
      compareSeverity(a.severity, b.severity) ||
      a.ruleId.localeCompare(b.ruleId),
  );
  const hosts = [
    ...new Set([
      ...sriovAgents(ctx.cloud).map((a) => a.host),
      ...(ctx.cloud.computeServices ?? []).map((s) => s.host),
    ]),
  ].sort();
  return {
    findings,
    rules: DOCTOR_RULES,
    hosts,
    hostsWithFacts: (ctx.deploy?.hosts() ?? []).filter((h) => h.facts).map((h) => h.name),
  };
}
