// Nova's [pci] device_spec (passthrough_whitelist): parsing with Nova's validation and
// messages, and matching devices the way nova-compute does (../shared/spec/nova-neutron.md §1).
// Host lookups (is this address a PF, which address has this netdev) go through NovaHost, so
// matching works offline on collected facts.
import { boolFromString, isDict, jsonLoads as pyJsonLoads, pyRepr, pyStr, pyStrip } from '../python.js';

/**
 * What a device_spec error is about, for callers that act on it: they decide on this and on
 * NovaError.key, never on the message, which is Nova's text and may quote the operator's value.
 */
export type NovaErrorCode =
  /** An option line that is not JSON, a list item that is not an object, or neither list nor object. */
  | 'invalid-entry'
  /** vendor_id/product_id (or an address field) is a JSON number, list or null instead of a string. */
  | 'not-a-string'
  | 'not-hex'
  | 'too-large'
  /** PciDeviceWrongAddressFormat: the address has the wrong shape. */
  | 'bad-address'
  /** A regex address field that is not a string. */
  | 'regex-not-string'
  | 'devname-and-address'
  /** managed, live_migratable or one_time_use that bool_from_string refuses. */
  | 'bad-bool-tag'
  | 'one-time-use-without-placement'
  | 'remote-managed-not-present'
  | 'remote-managed-pf'
  | 'remote-managed-vf-ids'
  /** A sysfs lookup of the host found no such device. */
  | 'device-not-found';

/** The device_spec key an error is about: an address field counts as "address". */
export type DevspecKey =
  | 'vendor_id'
  | 'product_id'
  | 'address'
  | 'devname'
  | 'remote_managed'
  | 'managed'
  | 'live_migratable'
  | 'one_time_use';

export interface NovaErrorInfo {
  code: NovaErrorCode;
  /** The key of the spec the error is about; absent when it is about the whole entry or line. */
  key?: DevspecKey | null;
  /** The message without Nova's "Invalid [pci]device_spec config: " prefix (default: the message). */
  detail?: string;
  /** Set where upstream crashes with a Python error instead (we report it as invalid config). */
  upstreamCrash?: string | null;
}

/** A Nova exception: its class name and its message (str(exc)), with what it is about. */
export class NovaError extends Error {
  readonly code: NovaErrorCode;
  readonly key: DevspecKey | null;
  readonly detail: string;
  readonly upstreamCrash: string | null;

  constructor(
    readonly errorClass: string,
    message: string,
    info: NovaErrorInfo,
  ) {
    super(message);
    this.code = info.code;
    this.key = info.key ?? null;
    this.detail = info.detail ?? message;
    this.upstreamCrash = info.upstreamCrash ?? null;
  }
}

const invalidSpec = (reason: string, info: Omit<NovaErrorInfo, 'detail'>) =>
  new NovaError('PciConfigInvalidSpec', `Invalid [pci]device_spec config: ${reason}`, {
    ...info,
    detail: reason,
  });
const wrongAddress = (address: unknown) =>
  new NovaError('PciDeviceWrongAddressFormat', `The PCI address ${pyStr(address)} has an incorrect format.`, {
    code: 'bad-address',
    key: 'address',
  });

/** What nova reads from sysfs on the compute host. */
export interface NovaHost {
  /** utils.is_physical_function: /sys/bus/pci/devices/<addr>/sriov_totalvfs > 0. */
  isPhysicalFunction(address: string): boolean;
  /** utils.get_function_by_ifname: [pci address or null, is a PF]. */
  functionByIfname(ifname: string): [string | null, boolean];
  /** /sys/bus/pci/devices/<pf>/sriov_vf_device. */
  vfProductIdOfPf(pf: string): string | null;
  /** /sys/bus/pci/devices/<addr>/{vendor,device} without 0x. */
  pciIds(address: string): [string, string] | null;
}

export const NO_HOST: NovaHost = {
  isPhysicalFunction: () => false,
  functionByIfname: () => [null, false],
  vfProductIdOfPf: () => null,
  pciIds: () => null,
};

const ANY = '*';
const HEX = /^[0-9a-fA-F]*$/;

/** Python int(s, 16): null when it does not parse. */
function hexInt(s: string): number | null {
  const m = pyStrip(s).match(/^([+-])?(?:0[xX]_?)?([0-9a-fA-F]+(?:_[0-9a-fA-F]+)*)$/);
  if (!m) return null;
  const v = Number.parseInt(m[2]!.replace(/_/g, ''), 16);
  return m[1] === '-' ? -v : v;
}

/** Python's '%0Nx' % v, sign included in the width. */
function fmtHex(v: number, width: number): string {
  const digits = Math.abs(v).toString(16);
  return v < 0 ? `-${digits.padStart(width - 1, '0')}` : digits.padStart(width, '0');
}

/** PciAddressSpec._set_pci_dev_info: '*' stays; otherwise hex, range-checked, normalised. */
function devInfo(
  prop: 'vendor_id' | 'product_id' | 'func' | 'domain' | 'bus' | 'slot',
  value: unknown,
  max: number,
  width: number,
): string {
  if (value === ANY) return ANY;
  const key = prop === 'vendor_id' || prop === 'product_id' ? prop : 'address';
  if (typeof value !== 'string') {
    throw invalidSpec(`property ${prop} must be a JSON string, not ${pyRepr(value)}`, {
      code: 'not-a-string',
      key,
      upstreamCrash: 'TypeError',
    });
  }
  const v = hexInt(value);
  if (v === null)
    throw invalidSpec(`property ${prop} ('${value}') does not parse as a hex number.`, {
      code: 'not-hex',
      key,
    });
  if (v > max)
    throw invalidSpec(
      `property ${prop} (${value}) is greater than the maximum allowable value (${max.toString(16).toUpperCase()}).`,
      { code: 'too-large', key },
    );
  return fmtHex(v, width);
}

export interface AddressFields {
  domain: string;
  bus: string;
  slot: string;
  func: string;
}

const MAX = { func: 0x7, domain: 0xffff, bus: 0xff, slot: 0x1f };

/** PhysicalPciAddress: a full dddd:bb:ss.f (string or dict), validated and normalised. */
const CANONICAL = /^([0-9a-f]{4}):([0-9a-f]{2}):([01][0-9a-f])\.([0-7])$/;

export function physicalAddress(addr: unknown): AddressFields {
  // What sysfs and libvirt report: already normalised and in range, so parse it directly.
  const c = typeof addr === 'string' ? CANONICAL.exec(addr) : null;
  if (c) return { domain: c[1]!, bus: c[2]!, slot: c[3]!, func: c[4]! };
  let raw: Record<string, unknown>;
  if (isDict(addr)) {
    for (const k of ['domain', 'bus', 'slot', 'function']) if (!(k in addr)) throw wrongAddress(addr);
    raw = { domain: addr.domain, bus: addr.bus, slot: addr.slot, func: addr.function };
  } else if (typeof addr === 'string') {
    const dot = addr.indexOf('.');
    const dbs = (dot < 0 ? addr : addr.slice(0, dot)).split(':');
    if (dbs.length !== 3) throw wrongAddress(addr);
    raw = { domain: dbs[0], bus: dbs[1], slot: dbs[2], func: dot < 0 ? '' : addr.slice(dot + 1) };
  } else throw wrongAddress(addr);
  // Validated in this order: func, domain, bus, slot (the first bad field is reported).
  const func = devInfo('func', raw.func, MAX.func, 1);
  const domain = devInfo('domain', raw.domain, MAX.domain, 4);
  const bus = devInfo('bus', raw.bus, MAX.bus, 2);
  const slot = devInfo('slot', raw.slot, MAX.slot, 2);
  return { domain, bus, slot, func };
}

/** PciAddressGlobSpec: missing fields filled from the left, '*' or hex per field. */
export function globAddress(addr: string): AddressFields {
  const out: AddressFields = { domain: ANY, bus: ANY, slot: ANY, func: ANY };
  const dot = addr.indexOf('.');
  const dbs = dot < 0 ? addr : addr.slice(0, dot);
  const func = dot < 0 ? '' : addr.slice(dot + 1);
  if (func) out.func = devInfo('func', pyStrip(func), MAX.func, 1);
  if (dbs) {
    const fields = dbs.split(':');
    if (fields.length > 3) throw wrongAddress(addr);
    const all = [...Array(3 - fields.length).fill(ANY), ...fields].map((f: string) => pyStrip(f) || ANY);
    out.domain = devInfo('domain', all[0], MAX.domain, 4);
    out.bus = devInfo('bus', all[1], MAX.bus, 2);
    out.slot = devInfo('slot', all[2], MAX.slot, 2);
  }
  return out;
}

export interface RegexAddress {
  fields: AddressFields;
  regexes: [RegExp, RegExp, RegExp, RegExp];
}

/** PciAddressRegexSpec: each field a Python regex, re.match (anchored at the start only). */
export function regexAddress(addr: Record<string, unknown>): RegexAddress {
  const get = (k: string) => (k in addr ? addr[k] : '.*');
  const f = { domain: get('domain'), bus: get('bus'), slot: get('slot'), func: get('function') };
  for (const [k, v] of Object.entries(f)) {
    if (typeof v !== 'string')
      throw invalidSpec(
        `address ${k === 'func' ? 'function' : k} must be a regular expression string, not ${pyRepr(v)}`,
        { code: 'regex-not-string', key: 'address', upstreamCrash: 'TypeError' },
      );
  }
  const fields = f as AddressFields;
  try {
    const re = (s: string) => new RegExp(`^(?:${s.replace(/\(\?P</g, '(?<')})`);
    return { fields, regexes: [re(fields.domain), re(fields.bus), re(fields.slot), re(fields.func)] };
  } catch {
    throw wrongAddress(addr);
  }
}

const isSingle = (a: AddressFields) =>
  HEX.test(a.domain) && HEX.test(a.bus) && HEX.test(a.slot) && HEX.test(a.func);
const dbsf = (a: AddressFields) => `${a.domain}:${a.bus}:${a.slot}.${a.func}`;

/** WhitelistPciAddress: a PF address also matches the VFs whose parent it is. */
export class WhitelistAddress {
  readonly kind: 'physical' | 'glob' | 'regex';
  readonly fields: AddressFields;
  readonly isPhysicalFunction: boolean;
  private readonly regexes: RegExp[] | null = null;

  constructor(addr: unknown, isPf: boolean, host: NovaHost) {
    if (isPf) {
      this.kind = 'physical';
      this.fields = physicalAddress(addr);
      this.isPhysicalFunction = true;
      return;
    }
    if (typeof addr === 'string') {
      this.kind = 'glob';
      this.fields = globAddress(addr);
    } else if (isDict(addr)) {
      this.kind = 'regex';
      const r = regexAddress(addr);
      this.fields = r.fields;
      this.regexes = r.regexes;
    } else throw wrongAddress(addr);
    this.isPhysicalFunction = isSingle(this.fields) && host.isPhysicalFunction(dbsf(this.fields));
  }

  /** Matches already-parsed device address fields. */
  matchParsed(a: AddressFields): boolean {
    const f = this.fields;
    if (this.regexes) {
      const [d, b, s, fn] = this.regexes as [RegExp, RegExp, RegExp, RegExp];
      return d.test(a.domain) && b.test(a.bus) && s.test(a.slot) && fn.test(a.func);
    }
    if (this.kind === 'physical')
      return f.domain === a.domain && f.bus === a.bus && f.slot === a.slot && f.func === a.func;
    const ok = (x: string, y: string) => x === ANY || x === y;
    return ok(f.domain, a.domain) && ok(f.bus, a.bus) && ok(f.slot, a.slot) && ok(f.func, a.func);
  }

  match(address: string, parentAddr: string | null | undefined): boolean {
    if (this.isPhysicalFunction && parentAddr && this.matchParsed(physicalAddress(parentAddr))) return true;
    return this.matchParsed(physicalAddress(address));
  }

  toString(): string {
    return dbsf(this.fields);
  }
}

export interface NovaDevice {
  vendor_id: string;
  product_id: string;
  address: string;
  parent_addr?: string | null;
  capabilities?: { vpd?: { card_serial_number?: string | null } };
}

export interface DevspecConf {
  reportInPlacement?: boolean;
}

/** Tag names Nova itself reads; anything else is kept but ignored (a typo is silent). */
export const KNOWN_TAGS = [
  'physical_network',
  'trusted',
  'remote_managed',
  'managed',
  'live_migratable',
  'one_time_use',
  'resource_class',
  'traits',
  'dev_type',
];

/** PciDeviceSpec: one parsed spec. */
export class DeviceSpec {
  readonly vendorId: string;
  readonly productId: string;
  readonly devname: string | null;
  readonly address: WhitelistAddress | null;
  readonly tags: Record<string, unknown>;
  readonly remoteManaged: boolean;

  constructor(
    spec: Record<string, unknown>,
    private readonly host: NovaHost = NO_HOST,
    conf: DevspecConf = {},
  ) {
    const tags: Record<string, unknown> = { ...spec };
    const take = (k: string, dflt: unknown) => {
      const v = k in tags ? tags[k] : dflt;
      delete tags[k];
      return v;
    };
    const vendor = take('vendor_id', ANY);
    const product = take('product_id', ANY);
    const devname = take('devname', null);
    const address = take('address', null);
    if (typeof vendor !== 'string')
      throw invalidSpec(`property vendor_id must be a JSON string, not ${pyRepr(vendor)}`, {
        code: 'not-a-string',
        key: 'vendor_id',
        upstreamCrash: 'AttributeError',
      });
    this.vendorId = devInfo('vendor_id', pyStrip(vendor), 0xffff, 4);
    this.productId = devInfo('product_id', product, 0xffff, 4);
    const truthy = (v: unknown) =>
      v !== null &&
      v !== undefined &&
      v !== '' &&
      v !== false &&
      v !== 0 &&
      !(Array.isArray(v) && v.length === 0) &&
      !(isDict(v) && Object.keys(v).length === 0);
    if (truthy(address) && truthy(devname)) {
      throw new NovaError(
        'PciDeviceInvalidDeviceName',
        'Invalid PCI Whitelist: The PCI whitelist can specify devname or address, but not both',
        { code: 'devname-and-address', key: 'devname' },
      );
    }
    this.devname = truthy(devname) ? pyStr(devname) : null;
    this.address = this.devname
      ? null
      : new WhitelistAddress(truthy(address) ? address : '*:*:*.*', false, host);
    for (const tag of ['managed', 'live_migratable', 'one_time_use'] as const) {
      if (!(tag in tags)) continue;
      try {
        tags[tag] = boolFromString(tags[tag], true) ? 'true' : 'false';
      } catch (e) {
        throw invalidSpec(`Cannot parse tag '${tag}': ${(e as Error).message}`, {
          code: 'bad-bool-tag',
          key: tag,
        });
      }
    }
    if (tags.one_time_use === 'true' && !conf.reportInPlacement)
      throw invalidSpec('one_time_use=true requires pci.report_in_placement to be enabled', {
        code: 'one-time-use-without-placement',
        key: 'one_time_use',
      });
    this.tags = tags;
    this.remoteManaged = boolFromString(tags.remote_managed ?? null, false);
    if (this.remoteManaged) this.checkRemoteManaged();
  }

  private checkRemoteManaged() {
    const addr = this.addressObject();
    if (addr === null) {
      throw new NovaError(
        'PciDeviceRemoteManagedNotPresent',
        'Invalid PCI Whitelist: A device specified as "remote_managed" is not actually present on the host',
        { code: 'remote-managed-not-present', key: 'remote_managed' },
      );
    }
    if (!addr.isPhysicalFunction) return;
    const pf = addr.toString();
    const vfPid = this.host.vfProductIdOfPf(pf);
    const [pfVid, pfPid] = this.host.pciIds(pf) ?? [null, null];
    const vendorOk = this.vendorId === pfVid || this.vendorId === ANY;
    if (this.productId === vfPid && vendorOk) return;
    if ((this.productId === pfPid || this.productId === ANY) && vendorOk) {
      // Upstream raises it with a positional argument: str(exc) is only the address. It is about
      // the entry as a whole (a PF selected, and remote_managed), so it names no key.
      throw new NovaError('PciDeviceInvalidPFRemoteManaged', pf, { code: 'remote-managed-pf' });
    }
    throw invalidSpec(
      `the specified VF vendor ID ${this.vendorId} and product ID ${this.productId} do not match the expected VF IDs based on the corresponding PF identified by PCI address ${pf}`,
      { code: 'remote-managed-vf-ids', key: 'remote_managed' },
    );
  }

  /** The spec written back as JSON Nova reads the same way: ids and address normalised, tags as they were. */
  normalized(): Record<string, unknown> {
    const out: Record<string, unknown> = { vendor_id: this.vendorId, product_id: this.productId };
    if (this.devname) out.devname = this.devname;
    else if (this.address?.kind === 'regex') {
      const f = this.address.fields;
      out.address = { domain: f.domain, bus: f.bus, slot: f.slot, function: f.func };
    } else if (this.address) out.address = this.address.toString();
    return { ...out, ...this.tags };
  }

  /** The address to match: the spec's, or the devname's, looked up on every call as Nova does. */
  addressObject(): WhitelistAddress | null {
    if (!this.devname) return this.address;
    const [addr, isPf] = this.host.functionByIfname(this.devname);
    return addr ? new WhitelistAddress(addr, isPf, this.host) : null;
  }

  /** PciDeviceSpec.match: every condition is evaluated (Python all([...])), so a bad device address raises even on an id mismatch. */
  match(dev: NovaDevice): boolean {
    const addr = this.addressObject();
    if (!addr) return false;
    const vendor = this.vendorId === ANY || this.vendorId === dev.vendor_id;
    const product = this.productId === ANY || this.productId === dev.product_id;
    const where = addr.match(dev.address, dev.parent_addr);
    const serial = !this.remoteManaged || Boolean(dev.capabilities?.vpd?.card_serial_number);
    return vendor && product && where && serial;
  }
}

/** Python json.loads: JSON plus NaN/Infinity; null when it does not parse. */
function jsonLoads(raw: string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: pyJsonLoads(raw.replace(/\b(-?Infinity|NaN)\b/g, 'null')) };
  } catch {
    return { ok: false };
  }
}

/** Whitelist._parse_white_list_from_config: every option value, a dict or a list of dicts. */
export function parseDeviceSpecs(
  values: readonly string[],
  host: NovaHost = NO_HOST,
  conf: DevspecConf = {},
): DeviceSpec[] {
  const specs: DeviceSpec[] = [];
  for (const raw of values) {
    const parsed = jsonLoads(raw);
    if (!parsed.ok) throw invalidSpec(`Invalid entry: '${raw}'`, { code: 'invalid-entry' });
    const v = parsed.value;
    if (isDict(v)) specs.push(new DeviceSpec(v, host, conf));
    else if (Array.isArray(v)) {
      for (const item of v) {
        if (!isDict(item))
          throw invalidSpec(`Invalid entry: '${pyStr(item)}'; Expecting dict`, { code: 'invalid-entry' });
        specs.push(new DeviceSpec(item, host, conf));
      }
    } else throw invalidSpec(`Invalid entry: '${raw}'; Expecting list or dict`, { code: 'invalid-entry' });
  }
  return specs;
}

/** Whitelist.get_devspec: the first spec that matches the device (its tags apply), or null. */
export function firstMatch(specs: readonly DeviceSpec[], dev: NovaDevice): number | null {
  for (let i = 0; i < specs.length; i++) if (specs[i]!.match(dev)) return i;
  return null;
}

/** utils.parse_address: the regex's unescaped '.' accepts any separator (upstream quirk). */
export function parseAddress(address: string): [string, string, string, string] {
  const m = address.match(/^([0-9a-fA-F]{4}):([0-9a-fA-F]{2}):([0-9a-fA-F]{2}).([0-7])$/);
  if (!m) throw wrongAddress(address);
  return [m[1]!, m[2]!, m[3]!, m[4]!];
}

/**
 * The same first-match decision as firstMatch, for many devices: each device address is parsed
 * once instead of once per spec, and fields compare as pre-normalised strings. `evaluations`
 * counts spec evaluations (what Nova's loop would run).
 */
export class DeviceMatcher {
  evaluations = 0;

  constructor(private readonly specs: readonly DeviceSpec[]) {}

  match(dev: NovaDevice): number | null {
    let own: AddressFields | null = null;
    let parent: AddressFields | null | undefined;
    for (let i = 0; i < this.specs.length; i++) {
      this.evaluations++;
      const spec = this.specs[i]!;
      const addr = spec.addressObject();
      if (!addr) continue;
      // WhitelistPciAddress.match: the parent first (a PF spec and a VF), then the device's own
      // address, each parsed only when reached. Either one with a 32-bit (VMD) domain raises
      // PciConfigInvalidSpec; a VF whose parent matched is never parsed itself.
      let where = false;
      if (addr.isPhysicalFunction && dev.parent_addr) {
        if (parent === undefined) parent = physicalAddress(dev.parent_addr);
        where = addr.matchParsed(parent!);
      }
      if (!where) {
        own ??= physicalAddress(dev.address);
        where = addr.matchParsed(own);
      }
      if (
        where &&
        (spec.vendorId === ANY || spec.vendorId === dev.vendor_id) &&
        (spec.productId === ANY || spec.productId === dev.product_id) &&
        (!spec.remoteManaged || Boolean(dev.capabilities?.vpd?.card_serial_number))
      ) {
        return i;
      }
    }
    return null;
  }
}
