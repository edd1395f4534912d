// Parser for `ethtool -i IFACE` output ("driver: igb", "bus-info: 0000:01:00.0", …).

export interface EthtoolInfo {
  driver: string | null;
  version: string | null;
  firmwareVersion: string | null;
  /** The PCI address, normalised to dddd:bb:ss.f; null when bus-info is not a PCI address. */
  busInfo: string | null;
}

const CANONICAL_PCI = /^[0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]$/;

/** Normalises "08:00.1" or "0000:08:00.1" to "0000:08:00.1"; null when not a PCI address. */
export function normalisePciAddress(text: string): string | null {
  if (CANONICAL_PCI.test(text)) return text; // as sysfs names devices: nothing to change
  const m = text.trim().match(/^(?:([0-9a-fA-F]{4}):)?([0-9a-fA-F]{2}):([0-9a-fA-F]{2})\.([0-7])$/);
  if (!m) return null;
  return `${(m[1] ?? '0000').toLowerCase()}:${m[2]!.toLowerCase()}:${m[3]!.toLowerCase()}.${m[4]}`;
}

export function parseEthtoolInfo(text: string): EthtoolInfo {
  const fields = new Map<string, string>();
  for (const line of text.split(/\r?\n/)) {
    const m = line.match(/^\s*([a-z-]+):\s*(.*)$/);
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

/** One `ethtool -i` output in a pasted text, with the interface it was run on when the text says. */
export interface EthtoolBlock {
  /** From a "ethtool -i ens3f0" line just before it (a shell prompt, a heading), or null. */
  iface: string | null;
  /** 1-based line of its "driver:" line in the pasted text. */
  line: number;
  info: EthtoolInfo;
}

const COMMAND = /ethtool\s+(?:-i|--driver)\s+([^\s'";|&<>]+)/;

/**
 * Splits a pasted text into its `ethtool -i` outputs: one per "driver:" line, since
 * operators often paste a loop over the interfaces in one file. An empty list means the
 * text is no `ethtool -i` output at all.
 */
export function splitEthtoolOutputs(text: string): EthtoolBlock[] {
  const lines = text.split(/\r?\n/);
  const starts: number[] = [];
  lines.forEach((l, i) => {
    if (/^\s*driver:/.test(l)) starts.push(i);
  });
  const blocks: EthtoolBlock[] = [];
  starts.forEach((start, k) => {
    const end = starts[k + 1] ?? lines.length;
    const block = lines.slice(start, end);
    if (!block.some((l) => /^\s*bus-info:/.test(l))) return;
    let iface: string | null = null;
    // The command line, if pasted, is between the previous block's last field and this one.
    for (let i = start - 1; i >= (k === 0 ? 0 : starts[k - 1]! + 1); i--) {
      const m = lines[i]!.match(COMMAND);
      if (m) {
        iface = m[1]!;
        break;
      }
      if (/^\s*[a-z-]+:/.test(lines[i]!)) break;
    }
    blocks.push({ iface, line: start + 1, info: parseEthtoolInfo(block.join('\n')) });
  });
  return blocks;
}

/**
 * The interface a file of `ethtool -i` output is about, from its name: "ethtool-i-ens3f0.txt"
 * → "ens3f0". The rest of the name may carry more words ("ethtool-i-ens2f1-host.txt"), so it
 * is a hint to match against the pasted interface names, not a name by itself.
 */
export function ethtoolIfaceHint(fileName: string): string | null {
  const base = fileName.split(/[\\/]/).pop() ?? '';
  const stem = base.replace(/\.(txt|out|log)$/i, '');
  const m = stem.match(/^ethtool[-_.](?:i[-_.]|driver[-_.])?(.+)$/i);
  return m ? m[1]! : null;
}

/** Whether a file-name hint names `ifname`: the hint is the name, or the name then "-", "_" or ".". */
export function hintNames(hint: string, ifname: string): boolean {
  return hint === ifname || (hint.startsWith(ifname) && /^[-_.]/.test(hint.slice(ifname.length)));
}
