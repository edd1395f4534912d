// HTML built from templates where every interpolated value is escaped unless it is already Html:
// text from the deploy dir, the facts or the cloud can never become markup.

/** Markup we built ourselves (the only thing inserted without escaping). */
export class Html {
  constructor(readonly text: string) {}
  toString(): string {
    return this.text;
  }
}

/** What a template accepts: text (escaped), numbers, our own markup, lists of them; nothing for null/false. */
export type HtmlValue = Html | string | number | null | undefined | false | readonly HtmlValue[];

const ENTITIES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/**
 * Text for an element or a quoted attribute. C0 controls (but tab and newline) and DEL are shown
 * as U+FFFD: HTML forbids them, and a terminal-style escape would be invisible.
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it replaces
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f]/g;
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it looks for
const NEEDS_ESCAPE = /[&<>"'\u0000-\u0008\u000b-\u001f\u007f]/;

export function escapeText(text: string): string {
  // Most values (names, addresses, numbers) need nothing: return them without copying.
  if (!NEEDS_ESCAPE.test(text)) return text;
  return text.replace(/[&<>"']/g, (c) => ENTITIES[c]!).replace(CONTROL, '\ufffd');
}

function append(v: HtmlValue): string {
  if (v === null || v === undefined || v === false) return '';
  if (v instanceof Html) return v.text;
  if (typeof v === 'string') return escapeText(v);
  if (typeof v === 'number') return String(v);
  let out = '';
  for (const item of v) out += append(item);
  return out;
}

/** html`<td>${value}</td>`: the literal parts are markup, every value is escaped. */
export function html(strings: TemplateStringsArray, ...values: HtmlValue[]): Html {
  let out = strings[0]!;
  for (let i = 0; i < values.length; i++) out += append(values[i]) + strings[i + 1]!;
  return new Html(out);
}

/** Several pieces of markup (or escaped text) as one. */
export function join(values: readonly HtmlValue[], separator: Html | string = ''): Html {
  const sep = separator instanceof Html ? separator.text : escapeText(separator);
  return new Html(values.map(append).join(sep));
}

/** Markup that is ours by construction (CSS, our script): never pass external text here. */
export function trusted(markup: string): Html {
  return new Html(markup);
}
