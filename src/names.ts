// The rules for names that come from hosts, inventories and intents and end up in files we
// write (OSA YAML that Ansible templates, shell, udev, systemd, file names). One module, so
// that intents, facts, plan and host setup accept exactly the same names. Each check returns
// why a name is refused (a sentence fragment), or null when it is accepted. See
// docs/write-policy.md.

/** Jinja's block, variable and comment openers: Ansible templates any var value holding one. */
const JINJA = /\{[{%#]/;
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what we look for
const CONTROL = /[\u0000-\u001f\u007f]/;

/** Why a value holds a Jinja opener that Ansible would evaluate, or null. */
export function jinjaProblem(value: string): string | null {
  const m = JINJA.exec(value);
  return m ? `holds "${m[0]}", which Ansible would evaluate as a Jinja template` : null;
}

function devNameProblem(name: string, max: number, limit: string): string | null {
  if (name.length === 0) return 'is empty';
  const bytes = Buffer.byteLength(name, 'utf8');
  if (bytes > max) return `is ${bytes} bytes long; the kernel allows at most ${max} (${limit})`;
  if (name === '.' || name === '..') return 'is "." or "..", which the kernel refuses';
  if (/[/:]/.test(name)) return 'holds "/" or ":", which the kernel refuses';
  if (/\s/.test(name)) return 'holds whitespace, which the kernel refuses';
  if (CONTROL.test(name)) return 'holds a control character';
  return null;
}

/**
 * The kernel's dev_valid_name() (net/core/dev.c): 1 to 15 bytes (IFNAMSIZ with its NUL), not
 * "." or "..", no "/", ":" or whitespace. Control characters are refused too: the kernel
 * allows them, but no tool creates them and they would corrupt every text we print.
 */
export function kernelIfnameProblem(name: string): string | null {
  return devNameProblem(name, 15, 'IFNAMSIZ');
}

/** An altname (`ip link property add altname`): the same rules, up to 127 bytes (ALTIFNAMSIZ). */
export function kernelAltnameProblem(name: string): string | null {
  return devNameProblem(name, 127, 'ALTIFNAMSIZ');
}

/**
 * An interface name we write into OSA files and the host setup. A valid kernel name, and
 * more: Neutron's mappings ("physnet:dev,physnet:dev") split on ",", Ansible evaluates Jinja,
 * and the name lands in YAML, shell, udev and systemd files. The kernel's rules decide what
 * a host can report (facts); writing takes only the characters interface names really use
 * (a whitelist), so no quoting mistake anywhere can turn a name into code.
 */
export function writableIfnameProblem(name: string): string | null {
  const kernel = kernelIfnameProblem(name);
  if (kernel) return kernel;
  const jinja = jinjaProblem(name);
  if (jinja) return jinja;
  if (name.includes(',')) return 'holds ",", which separates entries in Neutron mappings';
  if (!/^[A-Za-z0-9_.-]+$/.test(name))
    return 'holds characters other than letters, digits, ".", "_" and "-", which osa-sriov does not write into YAML, shell, udev or systemd files';
  return null;
}

/**
 * A physnet name. Neutron (neutron_lib parse_mappings, the 64-character physical_network
 * column) refuses ":", ",", surrounding whitespace and more than 64 characters; the name also
 * becomes part of a Linux bridge name (br-<physnet>) and of files on every host, so only
 * letters, digits, "_", "-" and "." are accepted.
 */
export function physnetProblem(name: string): string | null {
  if (name.length === 0) return 'is empty';
  if (name.length > 64) return `is ${name.length} characters long; Neutron allows at most 64`;
  if (/[:,]/.test(name)) return 'holds ":" or ",", which separate entries in Neutron mappings';
  if (!/^[A-Za-z0-9_.-]+$/.test(name)) return 'may only hold letters, digits, "_", "-" and "."';
  return null;
}

// Ansible's hostname grammar (ansible/parsing/utils/addresses.py, without ranges): labels of
// word characters and "-", not ending in "_" or "-", joined by dots. ASCII only here.
const LABEL = '(?:[A-Za-z0-9]|[A-Za-z0-9_][A-Za-z0-9_-]*[A-Za-z0-9])';
const ANSIBLE_HOST = new RegExp(`^${LABEL}(?:\\.${LABEL})*$`);

/**
 * An Ansible inventory host name, as Ansible's address parser reads a host name (which is
 * what a play's `hosts:` and our host_vars/<host>.yml file names need). Not "all" or
 * "ungrouped": those are group patterns.
 */
export function inventoryHostProblem(name: string): string | null {
  if (name.length === 0) return 'is empty';
  if (name.length > 253) return `is ${name.length} characters long; a host name has at most 253`;
  if (name === 'all' || name === 'ungrouped') return `is the Ansible group pattern "${name}", not a host`;
  if (!ANSIBLE_HOST.test(name))
    return 'is not an Ansible host name (labels of letters, digits, "_" and "-" joined by ".", no "/" or "..")';
  return null;
}

/**
 * A host name a host reports about itself (facts `hostname`): HOST_NAME_MAX is 64 bytes and
 * hostname(1) and systemd refuse "/" and control characters; such a name only comes from a
 * forged or corrupted snapshot.
 */
export function reportedHostnameProblem(name: string): string | null {
  if (name.length === 0) return 'is empty';
  const bytes = Buffer.byteLength(name, 'utf8');
  if (bytes > 64) return `is ${bytes} bytes long; Linux allows at most 64 (HOST_NAME_MAX)`;
  if (name === '.' || name === '..' || name.includes('/')) return 'holds "/" or is "." or ".."';
  if (/\s/.test(name) || CONTROL.test(name)) return 'holds whitespace or a control character';
  return null;
}

/** A name shown in a message: quoted, with control characters made visible. */
export function showName(name: string): string {
  return JSON.stringify(name);
}
