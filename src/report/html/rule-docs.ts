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
  return (
    text
      .replace(/\*\*([^*]+)\*\*/g, '$1')
      .replace(/\[([^\]]+)\]\([^)]*\)/g, '$1')
      // Code spans as their text: the page shows no raw Markdown.
      .replace(/`([^`]+)`/g, '$1')
      .replace(/\s+/g, ' ')
      .trim()
  );
}

function section(lines: readonly string[], start: number): string[] {
  const out: string[] = [];
  for (let i = start + 1; i < lines.length && !/^##\s/.test(lines[i]!); i++) out.push(lines[i]!);
  return out;
}

export function parseRulePage(markdown: string): RuleDoc {
  const lines = markdown.split(/\r?\n/);
  const first = lines.findIndex((l) => /^##\s/.test(l));
  // The first prose paragraph of the first section, one that starts at column 0: a list, an
  // indented or fenced block, or a table is no summary (its first lines would be cut mid-item);
  // the report then shows the rule's rationale instead.
  const paragraph: string[] = [];
  if (first >= 0) {
    let fenced = false;
    let inBlock = false;
    for (const l of section(lines, first)) {
      if (/^\s*```/.test(l)) {
        fenced = !fenced;
        inBlock = true;
        continue;
      }
      if (fenced) continue;
      if (l.trim() === '') {
        if (paragraph.length > 0) break;
        inBlock = false;
        continue;
      }
      if (paragraph.length === 0 && (inBlock || /^(\s|[-*+|]|\d+\.)/.test(l))) {
        inBlock = true;
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
    // ../shared/ (the upstream study) and design/ are the project's own papers: a reader of the
    // report has not got them.
    references: references
      .map(plain)
      .filter((r) => r !== '' && !r.includes('../shared/') && !/\bdesign\/ARCHITECTURE\.md\b/.test(r)),
  };
}
