// Nova's reading of a device list, and which entries select a PF or its VFs, computed once per
// distinct configuration of a fleet: the hosts that render (or run) the same text and whose
// sysfs gives the same answers to Nova's questions share one answer. Pure: the answers are
// those of parseDeviceSpecs and DeviceSpec.match; only their cost changes.

import type { Pf } from '../facts/host-facts.js';
import { ContentMemo, PairMemo } from '../memo.js';
import {
  DeviceMatcher,
  type DeviceSpec,
  type DevspecConf,
  type NovaDevice,
  NovaError,
  type NovaHost,
  parseDeviceSpecs,
  type WhitelistAddress,
} from './nova-devspec.js';
import { pfDevice, vfAddresses, vfDevice } from './nova-host.js';

/** Nova's reading of a device list on one host: its specs, or the error it stops at. */
export interface SpecsReading {
  specs: DeviceSpec[] | null;
  error: NovaError | null;
}

/** A reading, with the questions Nova asked the host on the way and their answers (as JSON). */
interface SharedReading extends SpecsReading {
  asked: Array<[keyof NovaHost, string, string]>;
}

/** Readings by text and configuration; each text keeps a few (hosts that answer differently). */
const READINGS = new ContentMemo<SharedReading[]>(10_000);

/**
 * parseDeviceSpecs, its NovaError returned rather than thrown. Nova's reading depends on the
 * lines, the configuration and the host's answers to the questions it asks while parsing (is
 * this address a PF, the PF's VF device id, a devname's address): a host that gives the same
 * answers to the same questions gets the same specs. Only readings whose specs never ask the
 * host again are shared (a devname is looked up at every match); the others are the host's own.
 */
export function readDeviceSpecs(
  lines: readonly string[],
  host: NovaHost,
  conf: DevspecConf = {},
): SpecsReading {
  const known = READINGS.get(readingKey(lines, conf.reportInPlacement === true), () => []);
  for (const r of known)
    if (r.asked.every(([q, arg, answer]) => JSON.stringify(host[q](arg)) === answer)) return r;
  const asked: SharedReading['asked'] = [];
  const reading: SharedReading = { specs: null, error: null, asked };
  try {
    reading.specs = parseDeviceSpecs(lines, recording(host, asked), conf);
  } catch (e) {
    if (!(e instanceof NovaError)) throw e;
    reading.error = e;
  }
  if (!reading.specs?.some((s) => s.devname !== null) && known.length < 16) known.push(reading);
  return reading;
}

/** By lines array: hosts that share a rendered text (context.ts) share its array and key. */
const READING_KEYS = new WeakMap<readonly string[], { false?: string; true?: string }>();

function readingKey(lines: readonly string[], reportInPlacement: boolean): string {
  let keys = READING_KEYS.get(lines);
  if (!keys) {
    keys = {};
    READING_KEYS.set(lines, keys);
  }
  const flag = reportInPlacement ? 'true' : 'false';
  let key = keys[flag];
  if (key === undefined) {
    key = JSON.stringify([lines, reportInPlacement]);
    keys[flag] = key;
  }
  return key;
}

/** The host, noting each question asked of it and the answer. */
function recording(host: NovaHost, asked: SharedReading['asked']): NovaHost {
  const ask =
    <Q extends keyof NovaHost>(q: Q) =>
    (arg: string) => {
      const answer = (host[q] as (a: string) => ReturnType<NovaHost[Q]>)(arg);
      asked.push([q, arg, JSON.stringify(answer)]);
      return answer;
    };
  return {
    isPhysicalFunction: ask('isPhysicalFunction'),
    functionByIfname: ask('functionByIfname'),
    vfProductIdOfPf: ask('vfProductIdOfPf'),
    pciIds: ask('pciIds'),
  };
}

/** By spec list: hosts that share a reading share its key. */
const LIST_KEYS = new WeakMap<readonly DeviceSpec[], string>();

/**
 * What decides how a parsed spec list matches devices: its lines and configuration, and what
 * the host says of the addresses they name (a devname's address, whether an address is a PF).
 */
export function specListKey(
  lines: readonly string[],
  reportInPlacement: boolean,
  specs: readonly DeviceSpec[],
): string {
  let key = LIST_KEYS.get(specs);
  if (key === undefined) {
    key = `${lines.join('\n')}\u0000${reportInPlacement}\u0000${specs.map(whereKey).join('\u0000')}`;
    LIST_KEYS.set(specs, key);
  }
  return key;
}

/** What the host says of a spec's address: the address it resolves to, and whether a PF. */
export function whereKey(s: DeviceSpec): string {
  let a: WhitelistAddress | null;
  try {
    a = s.addressObject();
  } catch {
    return '!';
  }
  return a === null ? '-' : `${a.kind} ${a.toString()} ${a.isPhysicalFunction}`;
}

/** The entries (indexes into the spec list) that select a PF itself, and those that select its VFs. */
export interface PfSelection {
  pf: readonly number[];
  vfs: readonly number[];
}

const SELECTION = new PairMemo<PfSelection>(10_000);

/**
 * Which specs select the PF (as type-PF) and which select at least one of its VFs (those that
 * exist, or VF 0 where it would be), as Nova matches them; `listKey` is specListKey of the
 * specs. The same list and the same PF and VF ids and addresses select the same entries.
 */
export function pfSelection(listKey: string, specs: readonly DeviceSpec[], pf: Pf): PfSelection {
  return SELECTION.get(listKey, pfKey(pf), () => {
    const picked = { pf: [] as number[], vfs: [] as number[] };
    const pfDev = pfDevice(pf);
    const vfDevs = vfAddresses(pf)
      .map((a) => vfDevice(pf, a))
      .filter((d): d is NovaDevice => d !== null);
    for (let i = 0; i < specs.length; i++) {
      const s = specs[i]!;
      let pfMatch = false;
      try {
        pfMatch = pfDev !== null && s.match(pfDev);
      } catch {
        pfMatch = false;
      }
      if (pfMatch) picked.pf.push(i);
      const one = new DeviceMatcher([s]);
      const selects = (d: NovaDevice) => {
        try {
          return one.match(d) !== null;
        } catch {
          return false;
        }
      };
      if (vfDevs.some(selects)) picked.vfs.push(i);
    }
    return Object.freeze({ pf: Object.freeze(picked.pf), vfs: Object.freeze(picked.vfs) });
  });
}

const PF_KEYS = new WeakMap<Pf, string>();

/**
 * Everything of a PF that Nova's matching can read: its address and ids, its VFs' addresses,
 * and the SR-IOV capability that places VF 0 when none exist. Space-separated: each field is
 * a PCI address, a hex id, an integer or null (host-facts.ts), so no two PFs share a key.
 */
export function pfKey(pf: Pf): string {
  let key = PF_KEYS.get(pf);
  if (key === undefined) {
    // The same PF on another host (compared field by field, without building a string) gives
    // its key, the same string object: the memos then find it by its kept hash.
    const seen = LAST_KEYS.get(pf.pciAddress);
    if (seen && samePf(seen.pf, pf)) {
      PF_KEYS.set(pf, seen.key);
      return seen.key;
    }
    const cap = pf.sriovCapability;
    // One flat string (joined, not appended piece by piece): it is hashed as a memo key.
    key = [
      pf.pciAddress,
      pf.vendorId,
      pf.deviceId,
      pf.vfDeviceId,
      cap?.vfDeviceId ?? null,
      cap?.vfOffset ?? null,
      cap?.vfStride ?? null,
      'VFs',
      ...pf.vfs.map((v) => v.pciAddress),
    ].join(' ');
    PF_KEYS.set(pf, key);
    if (LAST_KEYS.size >= 10_000) LAST_KEYS.clear();
    LAST_KEYS.set(pf.pciAddress, { pf, key });
  }
  return key;
}

/** The last PF seen at each address, with its key. */
const LAST_KEYS = new Map<string | null, { pf: Pf; key: string }>();

/** Whether two PFs agree on everything pfKey holds. */
function samePf(a: Pf, b: Pf): boolean {
  const ca = a.sriovCapability;
  const cb = b.sriovCapability;
  if (
    a.pciAddress !== b.pciAddress ||
    a.vendorId !== b.vendorId ||
    a.deviceId !== b.deviceId ||
    a.vfDeviceId !== b.vfDeviceId ||
    (ca?.vfDeviceId ?? null) !== (cb?.vfDeviceId ?? null) ||
    (ca?.vfOffset ?? null) !== (cb?.vfOffset ?? null) ||
    (ca?.vfStride ?? null) !== (cb?.vfStride ?? null) ||
    a.vfs.length !== b.vfs.length
  )
    return false;
  for (let i = 0; i < a.vfs.length; i++) if (a.vfs[i]!.pciAddress !== b.vfs[i]!.pciAddress) return false;
  return true;
}
