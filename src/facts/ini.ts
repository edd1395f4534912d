// A small reader for the INI sections the collector keeps (oslo.config style): repeated
// options accumulate (MultiStrOpt, e.g. several [pci] device_spec lines), indented lines
// continue the previous value, and section names compare case-insensitively.

export type IniSections = Map<string, Map<string, string[]>>;

export function parseIni(text: string): IniSections {
  const sections: IniSections = new Map();
  let section: Map<string, string[]> | null = null;
  let last: { values: string[] } | null = null;
  for (const raw of text.split(/\r?\n/)) {
    if (/^\s*([#;]|$)/.test(raw)) continue;
    const header = raw.match(/^\s*\[\s*([^\]]+?)\s*\]\s*$/);
    if (header) {
      const name = header[1]!.toLowerCase();
      section = sections.get(name) ?? new Map();
      sections.set(name, section);
      last = null;
      continue;
    }
    if (/^\s/.test(raw) && last) {
      const i = last.values.length - 1;
      last.values[i] = `${last.values[i]}\n${raw.trim()}`;
      continue;
    }
    const opt = raw.match(/^([^=:\s]+)\s*[=:]\s*(.*)$/);
    if (!opt || !section) continue;
    const values = section.get(opt[1]!) ?? [];
    values.push(opt[2]!.trim());
    section.set(opt[1]!, values);
    last = { values };
  }
  return sections;
}

export function sectionRecord(sections: IniSections, name: string): Record<string, string[]> {
  return Object.fromEntries(sections.get(name) ?? new Map());
}
