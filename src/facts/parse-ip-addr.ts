// Parsers for `ip -o addr show` (one line per address) and `ip [-6] route show default`.

export interface IpAddress {
  dev: string;
  family: 'inet' | 'inet6';
  address: string;
  prefixLength: number;
  scope: string | null;
}

export interface DefaultRoute {
  dev: string | null;
  family: 'inet' | 'inet6';
  via: string | null;
  /** Who installed it: "ra" (router advertisement), "dhcp", "static"…; null when not shown (boot/static). */
  proto: string | null;
}

const ADDR_LINE = /^\d+:\s+(\S+?)(?:@\S+)?\s+(inet6?)\s+([0-9a-fA-F.:]+)\/(\d+)\b(.*)$/;

/** `ip -o addr show`: lines that are not an address line are ignored (other iproute2 output). */
export function parseIpAddrOneline(text: string): IpAddress[] {
  const out: IpAddress[] = [];
  for (const line of text.split(/\r?\n/)) {
    const m = line.match(ADDR_LINE);
    if (!m) continue;
    const scope = m[5]!.match(/\bscope\s+(\S+)/);
    out.push({
      dev: m[1]!,
      family: m[2] as 'inet' | 'inet6',
      address: m[3]!.toLowerCase(),
      prefixLength: Number(m[4]),
      scope: scope ? scope[1]! : null,
    });
  }
  return out;
}

/** `ip route show default` (or `ip -6 …`): each "default …" line with its dev and gateway. */
export function parseDefaultRoutes(text: string, family: 'inet' | 'inet6'): DefaultRoute[] {
  const out: DefaultRoute[] = [];
  for (const line of text.split(/\r?\n/)) {
    const words = line.trim().split(/\s+/);
    if (words[0] !== 'default') continue;
    const after = (w: string) => {
      const i = words.indexOf(w);
      return i >= 0 && i + 1 < words.length ? words[i + 1]! : null;
    };
    out.push({ dev: after('dev'), family, via: after('via'), proto: after('proto') });
  }
  return out;
}
