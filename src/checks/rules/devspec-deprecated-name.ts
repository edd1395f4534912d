import { describeDef, type HostView } from '../../deployment/context.js';
import {
  defFile,
  formatSpecValue,
  intendedSpecs,
  novaPlaybook,
  specForm,
  specTarget,
  specVarName,
} from '../../deployment/devspec-helpers.js';
import { pciTemplate } from '../../osa/render.js';
import { isDict } from '../../python.js';
import type { HostFinding, Rule } from '../rule.js';

const set = (h: HostView, name: string) => {
  const w = h.variable(name)?.winner;
  return w && w.level !== 'role default' ? w : null;
};

const deprecation = (opt: string, group: string, now: string, nowGroup: string) =>
  `Option "${opt}" from group "${group}" is deprecated. Use option "${now}" from group "${nowGroup}".`;

/** Whether nova.conf has a device list under a name this Nova release reads. */
function novaReadsAny(h: HostView, major: number): boolean {
  return (
    h.hasOption('nova.conf', 'pci', 'passthrough_whitelist') ||
    h.hasOption('nova.conf', 'DEFAULT', 'pci_passthrough_whitelist') ||
    (major >= 26 && h.hasOption('nova.conf', 'pci', 'device_spec'))
  );
}

export const rule: Rule = {
  id: 'SRIOV-DEVSPEC-003',
  severity: 'error',
  title: 'The Nova PCI device list is set under a name this release deprecates or ignores',
  rationale:
    'OSA renamed nova_pci_passthrough_whitelist to nova_device_spec (26.3.0/27.2.0/28.0.0) and Nova renamed [pci] passthrough_whitelist to device_spec (Zed); the old names survive through a default that Ansible converts, and the new names do nothing on older releases.',
  needs: 'config',
  scope: 'host',
  runHost(ctx, h) {
    const out: HostFinding[] = [];
    const r = ctx.release;
    const tmpl = pciTemplate(r);
    const renamed = tmpl !== 'passthrough_whitelist';
    const rel = r.point ? r.point.join('.') : `${r.major}.x`;
    if (!h.isCompute) return [];
    const oldDef = set(h, 'nova_pci_passthrough_whitelist');
    const newDef = set(h, 'nova_device_spec');
    const playbook = novaPlaybook(r);

    if (renamed && oldDef) {
      const file = defFile(ctx, oldDef);
      const location = h.varLocation('nova_pci_passthrough_whitelist');
      const intended = intendedSpecs(oldDef.value);
      const rewrite = intended ? formatSpecValue(r, intended) : `nova_device_spec as ${specForm(r)}`;
      if (newDef) {
        out.push({
          severity: 'warning',
          message: `nova_pci_passthrough_whitelist is ignored: OSA ${rel} reads it only through the default of nova_device_spec, and nova_device_spec is set (${describeDef(newDef)})`,
          ...(location ? { location } : {}),
          evidence: [`nova_pci_passthrough_whitelist: ${describeDef(oldDef)}`],
          fix: `delete nova_pci_passthrough_whitelist${file ? ` from ${file}` : ''} and keep the devices in nova_device_spec`,
        });
      } else {
        const spec = h.variable('nova_device_spec');
        const converted = spec?.template?.convertedFromString === true;
        const broken = h.devspec()?.error != null;
        let what: string;
        if (broken) {
          what = `${converted ? 'Ansible (ansible-core < 2.19) turns the JSON string into a dict or list, because the default is one Jinja expression, and ' : ''}OSA ${rel} prints that value into nova.conf as a Python repr: nova-compute does not start (see SRIOV-DEVSPEC-001)`;
        } else if (converted) {
          what = `Ansible (ansible-core < 2.19) turns the JSON string into a dict or list, and OSA ${rel} writes it back with to_json, so it works for now`;
        } else {
          what = `OSA ${rel} writes the value as it is (ansible-core 2.19 no longer converts JSON-looking template results), so it works for now`;
        }
        out.push({
          severity: 'warning',
          message: `nova_pci_passthrough_whitelist is deprecated since OSA 26.3.0/27.2.0/28.0.0 in favour of nova_device_spec; OSA ${rel} still uses it through the default nova_device_spec: "{{ nova_pci_passthrough_whitelist | default(…) }}": ${what}`,
          ...(location ? { location } : {}),
          evidence: [`nova_pci_passthrough_whitelist: ${describeDef(oldDef)}`],
          fix: `rename it to nova_device_spec (set directly, a JSON string is not converted): ${rewrite}${specTarget(ctx, h, 'nova_pci_passthrough_whitelist', oldDef)}; then re-run ${playbook}`,
        });
      }
    }

    if (!renamed && newDef) {
      const file = defFile(ctx, newDef);
      const location = h.varLocation('nova_device_spec');
      const intended = intendedSpecs(newDef.value);
      const nothing = !novaReadsAny(h, r.major);
      out.push({
        severity: nothing ? 'error' : 'warning',
        message: `nova_device_spec does not exist in OSA ${rel}: its os_nova role reads only nova_pci_passthrough_whitelist (nova_device_spec came with 26.3.0/27.2.0/28.0.0), so this value is ignored${nothing ? ' and nova.conf gets no [pci] passthrough_whitelist: Nova offers no PCI device, and SR-IOV ports fail with "No valid host was found"' : ''}`,
        ...(location ? { location } : {}),
        evidence: [`nova_device_spec: ${describeDef(newDef)}`],
        fix: `rename it to nova_pci_passthrough_whitelist${file ? ` in ${file}` : ''}, as ${specForm(r)}${intended ? `: ${formatSpecValue(r, intended)}` : ''}; then re-run ${playbook}`,
      });
    }

    const ov = h.variable('nova_nova_conf_overrides');
    if (!ov?.winner || ov.winner.level === 'role default' || !isDict(ov.value)) return out;
    const file = defFile(ctx, ov.winner);
    const at = (sec: string, opt: string) => h.varLocation('nova_nova_conf_overrides', [sec, opt]);
    const pci = isDict(ov.value.pci) ? ov.value.pci : {};
    const dflt = isDict(ov.value.DEFAULT) ? ov.value.DEFAULT : {};
    // The other names nova.conf has for the option (written by OSA's template, not by this override).
    const alsoWritten = (except: string) =>
      (
        [
          ['pci', 'device_spec'],
          ['pci', 'passthrough_whitelist'],
          ['DEFAULT', 'pci_passthrough_whitelist'],
        ] as const
      ).filter(
        ([sec, opt]) =>
          opt !== except &&
          h.hasOption('nova.conf', sec, opt) &&
          h.optionVar('nova.conf', sec, opt) !== 'nova_nova_conf_overrides',
      );
    const both = (except: string) => {
      const others = alsoWritten(except);
      return others.length === 0
        ? ''
        : `; OSA also writes [${others[0]![0]}] ${others[0]![1]} here, and Nova uses the lines of both names together (oslo.config joins the deprecated names of a multi-valued option, theirs first, so their tags win for a device both match)`;
    };
    if (r.major >= 26 && 'passthrough_whitelist' in pci) {
      const location = at('pci', 'passthrough_whitelist');
      out.push({
        severity: 'warning',
        message: `nova_nova_conf_overrides sets [pci] passthrough_whitelist, which Nova deprecates since Zed: nova-compute logs '${deprecation('passthrough_whitelist', 'pci', 'device_spec', 'pci')}'${both('passthrough_whitelist')}`,
        ...(location ? { location } : {}),
        evidence: [`nova_nova_conf_overrides: ${describeDef(ov.winner)}`],
        fix: `in nova_nova_conf_overrides${file ? ` (${file})` : ''}, rename pci.passthrough_whitelist to device_spec${renamed ? ', or better move the devices to nova_device_spec and drop the override' : ''}; then re-run ${playbook}`,
      });
    }
    if ('pci_passthrough_whitelist' in dflt) {
      const location = at('DEFAULT', 'pci_passthrough_whitelist');
      const now = r.major >= 26 ? ['device_spec', 'pci'] : ['passthrough_whitelist', 'pci'];
      out.push({
        severity: 'warning',
        message: `nova_nova_conf_overrides sets [DEFAULT] pci_passthrough_whitelist, deprecated since Newton: nova-compute logs '${deprecation('pci_passthrough_whitelist', 'DEFAULT', now[0]!, now[1]!)}'${both('pci_passthrough_whitelist')}`,
        ...(location ? { location } : {}),
        evidence: [`nova_nova_conf_overrides: ${describeDef(ov.winner)}`],
        fix: `move the devices to ${specVarName(r)}${file ? ` and drop DEFAULT.pci_passthrough_whitelist from nova_nova_conf_overrides (${file})` : ''}; then re-run ${playbook}`,
      });
    }
    if (r.major < 26 && 'device_spec' in pci) {
      const location = at('pci', 'device_spec');
      const other = novaReadsAny(h, r.major);
      out.push({
        severity: other ? 'warning' : 'error',
        message: `nova_nova_conf_overrides sets [pci] device_spec, an option Nova has only from Zed (26): the Nova of OSA ${r.name} ignores it without a word${other ? '' : ', so it offers no PCI device and SR-IOV ports fail with "No valid host was found"'}`,
        ...(location ? { location } : {}),
        evidence: [`nova_nova_conf_overrides: ${describeDef(ov.winner)}`],
        fix: `use nova_pci_passthrough_whitelist (${specForm(r)}) instead of the override${file ? ` in ${file}` : ''}; then re-run ${playbook}`,
      });
    }
    return out;
  },
};
