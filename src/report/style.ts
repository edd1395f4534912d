// Colour in text reports, and the one function every text report passes through before a
// terminal sees it (src/cli/output.ts calls it for stdout and stderr).
//
// Text from hosts, configs and clouds may hold terminal control characters (a host name with
// `\x1b]0;…\x07` retitles the window, `\x1b[2J` clears it). They are shown escaped (`\x1b`).
// Our own colours must survive that escaping, and nothing a hostile name contains may pass for
// them: renderers mark styles with a private-use character and a per-process random nonce that
// no input can know, and `terminalText` turns the marks into SGR codes (or drops them) after
// escaping everything else.
import { randomBytes } from 'node:crypto';

export type Style = 'bold' | 'dim' | 'red' | 'yellow' | 'cyan' | 'green';

const SGR: Record<Style, string> = { bold: '1', dim: '2', red: '31', yellow: '33', cyan: '36', green: '32' };
const NONCE = randomBytes(8).toString('hex');
const OPEN = `\uE000${NONCE}`;
const CLOSE = '\uE001';
const MARK = new RegExp(`${OPEN}(\\d+)${CLOSE}`, 'g');

/** `s` in a style; plain when `color` is false. Resolved to SGR codes by terminalText. */
export function paint(style: Style, s: string, color = true): string {
  return color ? `${OPEN}${SGR[style]}${CLOSE}${s}${OPEN}0${CLOSE}` : s;
}

/** A painter bound to a report's colour choice. */
export function painter(color: boolean): (style: Style, s: string) => string {
  return (style, s) => paint(style, s, color);
}

// C0 controls but tab and newline, DEL, C1 controls, the Unicode line separators and the
// bidirectional overrides that reorder what is shown ("Trojan source").
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it escapes
const UNSAFE = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\uE000\uE001]/g;

/** Control characters shown visibly: ESC as `\x1b`, NUL as `\x00`, U+202E as `\u202e`. */
export function escapeControls(s: string): string {
  return s.replace(UNSAFE, (c) => {
    const n = c.charCodeAt(0);
    return n <= 0xff ? `\\x${n.toString(16).padStart(2, '0')}` : `\\u${n.toString(16).padStart(4, '0')}`;
  });
}

export interface TerminalOptions {
  /** Turn style marks into SGR colour codes (else they are dropped). */
  color: boolean;
  /** Wrap lines longer than this many columns (a TTY's width); no wrapping when absent. */
  width?: number | undefined;
}

/** Text made safe for a terminal: controls escaped, our styles resolved, lines wrapped. */
export function terminalText(text: string, opts: TerminalOptions): string {
  let out = '';
  let last = 0;
  for (const m of text.matchAll(MARK)) {
    out += escapeControls(text.slice(last, m.index));
    if (opts.color) out += `\x1b[${m[1]}m`;
    last = m.index + m[0].length;
  }
  out += escapeControls(text.slice(last));
  return opts.width && opts.width >= 20 ? wrap(out, opts.width) : out;
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: our own SGR codes take no columns
const SGR_CODE = /\x1b\[[0-9;]*m/g;
const visible = (s: string): number => [...s.replace(SGR_CODE, '')].length;

/**
 * Lines longer than `width` broken at spaces; the continuation is indented two more than the
 * line (so a finding's "fix:" text stays under it). A word longer than the line stays whole.
 */
export function wrap(text: string, width: number): string {
  return text
    .split('\n')
    .map((line) => {
      if (visible(line) <= width) return line;
      const lead = /^ */.exec(line)![0];
      const indent = ' '.repeat(Math.min(lead.length + 2, Math.floor(width / 2)));
      const words = line.slice(lead.length).split(' ');
      const rows: string[] = [];
      let cur = lead;
      let curLen = lead.length;
      let fresh = true;
      for (const w of words) {
        const wl = visible(w);
        if (!fresh && curLen + 1 + wl > width) {
          rows.push(cur.trimEnd());
          cur = indent + w;
          curLen = indent.length + wl;
        } else {
          cur += fresh ? w : ` ${w}`;
          curLen += (fresh ? 0 : 1) + wl;
        }
        fresh = false;
      }
      rows.push(cur);
      return rows.join('\n');
    })
    .join('\n');
}
