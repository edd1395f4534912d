import type { CheckContext } from '../../deployment/context.js';
import {
  closestName,
  defFile,
  entryLocation,
  MATCH_KEYS,
  novaPlaybook,
  specSource,
  specText,
  TAG_SINCE,
} from '../../deployment/devspec-helpers.js';
import { KNOWN_TAGS } from '../../openstack/nova-devspec.js';
import { pyStr } from '../../python.js';
import type { HostFinding, Rule } from '../rule.js';

/** The keys Nova of the checked release reads in a spec (tags newer than the release are ordinary tags there). */
function knownKeys(ctx: CheckContext): string[] {
  const r = ctx.release;
  return [...MATCH_KEYS, ...KNOWN_TAGS.filter((t) => t !== 'dev_type' && (TAG_SINCE[t] ?? 0) <= r.major)];
}

/** Every key some Nova release reads, for did-you-mean. */
const allNames = [...MATCH_KEYS, ...KNOWN_TAGS.filter((t) => t !== 'dev_type')];

const SERIES: Readonly<Record<number, string>> = {
  18: 'Rocky',
  25: 'Yoga',
  26: 'Zed',
  31: '2025.1 Epoxy',
  32: '2025.2 Flamingo',
};

/** What a dev_type tag does: Nova does not match on it, it overwrites the device type of the pool. */
function devTypeEffect(value: unknown): string {
  const v = pyStr(value);
  if (v === 'type-VF')
    return 'if the spec matches only VFs it changes nothing; if it also matches the PF, the PF is pooled as a type-VF, so Nova no longer keeps it away from direct ports and can hand the whole PF to one, which takes its VFs away';
  if (v === 'type-PF')
    return 'VFs it matches are pooled as type-PF, which Nova keeps away from direct and macvtap ports (they then fail with "No valid host was found"); only direct-physical ports get them';
  return `the matched devices are pooled with dev_type ${JSON.stringify(v)}, which no port or alias request names`;
}

export const rule: Rule = {
  id: 'SRIOV-DEVSPEC-002',
  severity: 'warning',
  title: 'A device_spec key is not one Nova reads',
  rationale:
    'Nova keeps every key it does not know as a tag and never complains, so a typo such as physnet or trust silently leaves the devices untagged (no physnet, not trusted) and ports never match them.',
  needs: 'config',
  scope: 'host',
  runHost(ctx, h) {
    const out: HostFinding[] = [];
    const known = ctx.once(knownKeys);
    const v = h.devspec();
    if (!v) return [];
    const src = specSource(h);
    const file = defFile(ctx, src?.def);
    const where = `${src?.name ?? 'nova_device_spec'}${file ? ` (${file})` : ''}`;
    for (const entry of v.entries) {
      for (const key of Object.keys(entry.raw)) {
        if (known.includes(key)) continue;
        const location = entryLocation(h, entry, key);
        const evidence = [`nova.conf [${v.section}] ${v.option} entry: ${specText(entry.raw)}`];
        if (key === 'dev_type') {
          out.push({
            severity: 'warning',
            message: `"dev_type": ${JSON.stringify(entry.raw[key])} is not a device_spec key (the OSA SR-IOV guide's example uses it as one): Nova does not select devices by it; it keeps it as a tag, and that tag overwrites the device type Nova records in the PCI pool: ${devTypeEffect(entry.raw[key])}`,
            ...(location ? { location } : {}),
            evidence,
            fix: `remove "dev_type" from the entry in ${where} and select the VFs with the VF product_id (and the PF address); then re-run ${novaPlaybook(ctx.release)}`,
          });
          continue;
        }
        const since = TAG_SINCE[key];
        if (since !== undefined) {
          out.push({
            severity: 'warning',
            message: `tag "${key}" is read by Nova only from ${SERIES[since] ?? `release ${since}`} (OSA ${since}); Nova of OSA ${ctx.release.series} keeps it as an ordinary tag and ignores it`,
            ...(location ? { location } : {}),
            evidence,
            fix: `remove "${key}" from the entry in ${where}, or upgrade to OSA ${since} or later`,
          });
          continue;
        }
        const guess = closestName(key, allNames);
        const guessOk = guess !== null && known.includes(guess);
        const effect =
          guess === 'physical_network'
            ? 'the devices get no physnet, so no port on a vlan or flat network (whose request names the physnet) matches them: "No valid host was found"'
            : guess === 'trusted'
              ? 'the devices are not tagged trusted, so ports with binding:profile trusted=true never match them'
              : guess && ['vendor_id', 'product_id', 'address', 'devname'].includes(guess)
                ? `Nova does not filter on it, so the spec selects more devices than intended (no ${guess} restriction)`
                : 'nothing reads it';
        out.push({
          severity: 'warning',
          message: `unknown key "${key}" in a device_spec entry: Nova keeps it as a tag without a warning and ${effect}${guessOk && guess !== key ? `; did you mean "${guess}"?` : ''}`,
          ...(location ? { location } : {}),
          evidence,
          fix:
            guessOk && guess !== key
              ? `rename "${key}" to "${guess}" in ${where}; then re-run ${novaPlaybook(ctx.release)}`
              : `remove "${key}" from the entry in ${where} (Nova reads ${known.join(', ')})`,
        });
      }
    }
    return out;
  },
};
