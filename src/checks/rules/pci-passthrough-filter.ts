import { NOVA_CONF } from '../../deployment/context.js';
import { atLeast, releaseLabel } from '../../osa/releases.js';
import type { RuleFinding } from '../finding.js';
import type { Rule } from '../rule.js';

const FILTER = 'PciPassthroughFilter';

export const rule: Rule = {
  id: 'SRIOV-SCHED-001',
  severity: 'error',
  title: 'PciPassthroughFilter is not an enabled scheduler filter',
  rationale:
    'Without the filter the scheduler ignores PCI requests: SR-IOV instances can land on hosts without a free VF, fail the compute claim and are rescheduled until the retries run out.',
  needs: 'config',
  scope: 'deployment', // judges the schedulers against every SR-IOV compute, whatever --host selects
  run(ctx) {
    const computes = ctx.allHosts().filter((h) => h.isCompute && (h.devspec()?.lines.length ?? 0) > 0);
    if (computes.length === 0) return [];
    // The finding belongs to the host that schedules, whatever --host selects: it is reported
    // when the selection holds that host or one of the SR-IOV computes it schedules for.
    const schedulers = ctx
      .allHosts()
      .filter((h) => h.hasOption(NOVA_CONF, 'filter_scheduler', 'enabled_filters'));
    const scheduling = schedulers.filter((h) => h.groups.has('nova_scheduler'));
    const selected = new Set(ctx.hosts().map((h) => h.name));
    const computeSelected = computes.some((c) => selected.has(c.name));
    const out: RuleFinding[] = [];
    for (const h of scheduling.length > 0 ? scheduling : schedulers) {
      if (!selected.has(h.name) && !computeSelected) continue;
      const value = h.option(NOVA_CONF, 'filter_scheduler', 'enabled_filters').at(-1) ?? '';
      const filters = value.split(',').map((f) => f.trim());
      if (filters.includes(FILTER)) continue;
      const fromVar = h.optionVar(NOVA_CONF, 'filter_scheduler', 'enabled_filters');
      let fix: string;
      let location = fromVar ? h.varLocation(fromVar) : undefined;
      if (fromVar === 'nova_nova_conf_overrides') {
        fix = `add ${FILTER} to filter_scheduler.enabled_filters in nova_nova_conf_overrides (the override replaces OSA's list)`;
      } else if (!atLeast(ctx.release, 20)) {
        fix = `OSA ${releaseLabel(ctx.release)} has no nova_scheduler_extra_filters: set the whole string in /etc/openstack_deploy/user_variables.yml: nova_scheduler_default_filters: "${[...filters.filter((f) => f !== ''), FILTER].join(', ')}"`;
      } else {
        const extra = h.variable('nova_scheduler_extra_filters');
        if (extra?.winner?.loc && extra.winner.loc.line > 0) {
          location = h.varLocation('nova_scheduler_extra_filters');
          fix = `add ${FILTER} to the nova_scheduler_extra_filters list defined here`;
        } else {
          fix = `add to /etc/openstack_deploy/user_variables.yml: nova_scheduler_extra_filters: [${FILTER}] (keeps OSA's default filters)`;
        }
      }
      out.push({
        host: h.name,
        severity: 'error',
        message: `${FILTER} is not in [filter_scheduler] enabled_filters: the scheduler ignores the PCI requests of SR-IOV ports, so an instance can be sent to a host without a free VF on its physnet; the compute claim then fails ("Insufficient compute resources: Claim pci failed."), Nova retries on alternate hosts, and when they are used up the instance goes to ERROR with "Exceeded maximum number of retries"`,
        ...(location ? { location } : {}),
        evidence: [
          `nova.conf [filter_scheduler] enabled_filters = ${value}`,
          `device_spec set on ${computes.length} compute host(s): ${computes.map((c) => c.name).join(', ')}`,
        ],
        fix,
      });
    }
    return out;
  },
};
