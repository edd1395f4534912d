// Parser for `ethtool -i IFACE` output ("driver: igb", "bus-info: 0000:01:00.0", …).

export interface EthtoolInfo {
  driver: string | null;
  version: string | null;
  firmwareVersion: string | null;
  /** The PCI address, normalised to dddd:bb:ss.f; null when bus-info is not a PCI address. */
  busInfo: string | null;
}

/** Normalises "08:00.1" or "0000:08:00.1" to "0000:08:00.1"; null when not a PCI address. */
export function normalisePciAddress(text: string): string | null {
  const m = text.trim().match(/^(?:([0-9a-fA-F]{4}):)?([0-9a-fA-F]{2}):([0-9a-fA-F]{2})\.([0-7])$/);
  if (!m) return null;
  return `${(m[1] ?? '0000').toLowerCase()}:${m[2]!.toLowerCase()}:${m[3]!.toLowerCase()}.${m[4]}`;
}

export function parseEthtoolInfo(text: string): EthtoolInfo {
  const fields = new Map<string, string>();
  for (const line of text.split(/\r?\n/)) {
    const m = line.match(/^([a-z-]+):\s*(.*)$/);
    if (m) fields.set(m[1]!, m[2]!.trim());
  }
  const value = (key: string): string | null => {
    const v = fields.get(key);
    return v === undefined || v === '' ? null : v;
  };
  // Pasted output sometimes carries notes after the value ("0000:08:00.1  <---- PCI Bus ID").
  const bus = value('bus-info')?.split(/\s+/)[0] ?? null;
  return {
    driver: value('driver'),
    version: value('version'),
    firmwareVersion: value('firmware-version'),
    busInfo: bus === null ? null : normalisePciAddress(bus),
  };
}
