// What the HTML report shows of a rule's page (docs/rules/<ID>.md): the first paragraph of its
// first section (what breaks) and its upstream references. The CLI reads the pages; this parses.

export interface RuleDoc {
  /** The first paragraph of the page's first section, as one line of plain text. */
  summary: string;
  /** The bullets of "## References" that name upstream code or docs (not the project's own spec). */
  references: string[];
}

/** Markdown inline markup the report shows as plain text (code spans keep their text). */
function plain(text: string): string {
  return text
    .replace(/\*\*([^*]+)\*\*/g, '$1')
    .replace(/\[([^\]]+)\]\([^)]*\)/g, '$1')
    .replace(/\s+/g, ' ')
    .trim();
}

function section(lines: readonly string[], start: number): string[] {
  const out: string[] = [];
  for (let i = start + 1; i < lines.length && !/^##\s/.test(lines[i]!); i++) out.push(lines[i]!);
  return out;
}

export function parseRulePage(markdown: string): RuleDoc {
  const lines = markdown.split(/\r?\n/);
  const first = lines.findIndex((l) => /^##\s/.test(l));
  const paragraph: string[] = [];
  if (first >= 0) {
    for (const l of section(lines, first)) {
      if (l.trim() === '') {
        if (paragraph.length > 0) break;
        continue;
      }
      paragraph.push(l);
    }
  }
  const refs = lines.findIndex((l) => /^##\s+References\s*$/.test(l));
  const references: string[] = [];
  if (refs >= 0) {
    for (const l of section(lines, refs)) {
      if (/^\s*[-*]\s+/.test(l)) references.push(l.replace(/^\s*[-*]\s+/, ''));
      else if (l.trim() !== '' && references.length > 0) references[references.length - 1] += ` ${l.trim()}`;
    }
  }
  return {
    summary: plain(paragraph.join(' ')),
    // ../shared/ is the project's own copy of the upstream study: a reader of the report has not got it.
    references: references.map(plain).filter((r) => r !== '' && !r.includes('../shared/')),
  };
}
