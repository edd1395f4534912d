import { toLocation } from '../../deployment/context.js';
import { factsLine } from '../../deployment/host-helpers.js';
import {
  analyseHostNuma,
  type HostNumaAnalysis,
  type NumaFitCase,
  nodesUsed,
} from '../../deployment/numa-placement.js';
import type { RuleFinding } from '../finding.js';
import type { Rule } from '../rule.js';

const nodeList = (ns: readonly number[]) => (ns.length === 1 ? `node ${ns[0]}` : `nodes ${ns.join(', ')}`);

/** "node 1 (2 VFs), unknown node (2 VFs)" for the physnet's VF pools. */
export function vfNodesText(c: NumaFitCase): string {
  const by = new Map<string, number>();
  for (const v of c.vfNodes) {
    const k = v.node === null ? 'unknown node (sysfs numa_node -1)' : `node ${v.node}`;
    by.set(k, (by.get(k) ?? 0) + v.count);
  }
  return [...by].map(([k, n]) => `${k}: ${n} free VF(s)`).join(', ');
}

export function policyText(c: NumaFitCase): string {
  const src =
    c.flavor.policy.source === 'default' ? "Nova's default" : `the flavor's hw:pci_numa_affinity_policy`;
  const keeps: Record<string, string> = {
    legacy: "VFs on the server's NUMA node(s) or of unknown node, never a remote one",
    required: "only VFs on the server's NUMA node(s)",
    socket: "only VFs on a NUMA node of the server's socket(s)",
    preferred: 'any VF, local ones first',
  };
  return `the ${c.policy} PCI NUMA affinity policy (${src}) keeps ${keeps[c.policy]}`;
}

export function flavorText(c: NumaFitCase): string {
  return `flavor ${c.flavor.flavor.name} (${c.flavor.topology.because.join(', ')})`;
}

function fixText(c: NumaFitCase): string {
  const f = c.flavor.flavor.name;
  const size =
    c.excluded.length > 0 ? `; or make its NUMA cell fit the VFs' node (${c.excluded.join('; ')})` : '';
  return `give ${c.physnet} VFs on the node(s) the server can use (a PF there in the device_spec and the physnet's sriov_host_interfaces); or set hw:pci_numa_affinity_policy: preferred in the extra_specs of ${f} in openstack_user_compute (the VF may then be on another node than the vCPUs)${size}; a per-port policy needs Neutron's port_numa_affinity_policy extension (SRIOV-NUMA-002)`;
}

export const rule: Rule = {
  id: 'SRIOV-NUMA-001',
  scope: 'deployment', // the info compares every checked host (servers confined to the VFs' node on all of them)
  severity: 'warning',
  title: "A NUMA-aware flavor cannot get, or gets only one node's share of, the VFs of a physnet",
  rationale:
    'A flavor with CPU pinning, huge pages or hw:numa_nodes gives the server a NUMA topology, and then Nova gives it only VFs on its own NUMA node(s) under the default legacy policy. A server whose cells cannot sit on the node of the VFs is refused with "No valid host was found"; one that can is confined to that node\'s CPUs and memory.',
  needs: 'facts',
  run(ctx) {
    const out: RuleFinding[] = [];
    const analyses = ctx
      .hosts()
      .map((h) => analyseHostNuma(ctx, h))
      .filter((a): a is HostNumaAnalysis => a !== null);
    // Refusals: the server's cells fit the host, but on no set of nodes that has a usable VF.
    for (const a of analyses) {
      for (const c of a.cases) {
        if (c.fit.length === 0 || c.withPort.length > 0) continue;
        const loc = toLocation(c.flavor.flavor.extraSpecsLocation);
        out.push({
          host: a.host.name,
          severity: 'warning',
          message: `${flavorText(c)} cannot have an SR-IOV port on ${c.physnet} here: its NUMA cell(s) fit on ${nodeList(nodesUsed(c.fit))}, ${c.physnet}'s VFs are on ${vfNodesText(c)}, and ${policyText(c)}, so Nova refuses the server on this host ("No valid host was found"; the NUMATopologyFilter says why only at DEBUG)`,
          ...(loc ? { location: loc } : {}),
          evidence: [
            `host NUMA nodes: ${a.nodes.map((n) => `node ${n.id} CPUs ${n.cpus?.length ?? '?'} socket ${n.socket ?? '?'}`).join('; ')}`,
            ...c.excluded.map((e) => `cannot hold a cell: ${e}`),
            `server cells: ${c.flavor.cells.map((x) => `${x.vcpus ?? '?'} vCPU / ${x.ramMiB ?? '?'} MiB`).join(', ')}${c.flavor.pageKb !== null ? `, hw:mem_page_size ${c.flavor.flavor.extraSpecs['hw:mem_page_size']}` : ''}`,
            factsLine(a.host),
          ],
          fix: fixText(c),
        });
      }
    }
    // Confinement on every host: the server fits, but only on the VFs' node(s), everywhere.
    const groups = new Map<string, Array<{ a: HostNumaAnalysis; c: NumaFitCase }>>();
    for (const a of analyses)
      for (const c of a.cases) {
        const k = `${c.physnet}\u0000${c.flavor.flavor.name}`;
        const g = groups.get(k);
        if (g) g.push({ a, c });
        else groups.set(k, [{ a, c }]);
      }
    for (const g of groups.values()) {
      const confined = g.every(
        ({ c }) => c.withPort.length > 0 && nodesUsed(c.withPort).length < nodesUsed(c.fit).length,
      );
      if (!confined) continue;
      const { c } = g[0]!;
      const loc = toLocation(c.flavor.flavor.extraSpecsLocation);
      out.push({
        severity: 'info',
        message: `${flavorText(c)} with an SR-IOV port on ${c.physnet} can use only the NUMA node(s) of ${c.physnet}'s VFs on every host checked (${g.map(({ a, c: x }) => `${a.host.name}: ${nodeList(nodesUsed(x.withPort))}`).join('; ')}): ${policyText(c)}, so once those nodes' CPUs or memory are taken Nova refuses further such servers ("No valid host was found") while the other nodes stay free`,
        ...(loc ? { location: loc } : {}),
        evidence: g.map(
          ({ a, c: x }) =>
            `${a.host.name}: server fits on ${nodeList(nodesUsed(x.fit))}; ${x.physnet} VFs on ${vfNodesText(x)}`,
        ),
        fix: `if these servers should use every node: spread ${c.physnet}'s PFs over the NUMA nodes, or set hw:pci_numa_affinity_policy: preferred on ${c.flavor.flavor.name} (VF traffic then crosses nodes for servers on the other node)`,
      });
    }
    return out;
  },
};
