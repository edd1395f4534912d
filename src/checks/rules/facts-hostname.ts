import { basename } from 'node:path';
import type { HostFinding, Rule } from '../rule.js';

const short = (n: string) => n.split('.')[0]!.toLowerCase();

export const rule: Rule = {
  id: 'SRIOV-FACTS-003',
  severity: 'warning',
  title: 'A facts file records a hostname that is neither its file name nor the inventory host',
  rationale:
    'A facts file is given to the host it is named after; when the hostname the collector recorded is another one, the file was probably copied or renamed, and every host check judges another machine.',
  needs: 'facts',
  scope: 'host',
  runHost(ctx, h) {
    const out: HostFinding[] = [];
    // A container's facts are its physical host's: they are judged there.
    if (!h.facts || !h.render.isMetal) return out;
    const recorded = h.facts.hostname;
    if (!recorded) return out;
    const file = h.factsSource ?? '';
    const stem = basename(file).replace(/\.(snapshot|json)$/, '');
    if (short(recorded) === short(h.name) || short(recorded) === short(stem)) return out;
    const other = ctx.allHosts().find((x) => x.render.isMetal && short(x.name) === short(recorded));
    out.push({
      severity: 'warning',
      message: `the facts file ${file} is named after ${h.name} but the collector recorded hostname "${recorded}"${other ? `, which is another inventory host (${other.name})` : ''}: the file was probably copied or renamed, and the host checks of ${h.name} would judge that machine`,
      evidence: [
        `facts: ${file} (${h.facts.source.kind}${h.facts.source.collectedAt ? `, collected ${h.facts.source.collectedAt}` : ''}${h.facts.source.origin ? `, ${h.facts.source.origin}` : ''})`,
      ],
      fix: `collect the facts of ${h.name} again (osa-sriov collect --ansible --limit ${h.name} -o <facts dir> on the deploy host, or osa-sriov collect -o ${h.name}.snapshot on the host); if the file does describe ${h.name}, its hostname has changed since OSA's inventory was written`,
    });
    return out;
  },
};
