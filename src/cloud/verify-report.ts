// verify's outputs: a text table (host × physnet × vnic type), the JSON document
// `osa-sriov/verify@1` (docs/verify.md) and JUnit XML for CI. Text from the cloud is shown
// without terminal control characters, and escaped in XML.
import type { CaseResult, VerifyReport } from './verify.js';

/** No terminal control characters (ESC, BEL, CR…) from names or faults reach the terminal. */
export function safeText(s: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: stripping them is the point
  return s.replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g, '?');
}

export function verifyJson(r: VerifyReport): string {
  return `${JSON.stringify(r, null, 2)}\n`;
}

function pad(cells: string[][]): string[] {
  const widths = cells[0]!.map((_, i) => Math.max(...cells.map((row) => row[i]!.length)));
  return cells.map((row) =>
    row
      .map((c, i) => (i === row.length - 1 ? c : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd(),
  );
}

const resultWord = (c: CaseResult) =>
  c.result === 'planned' ? (c.reason === 'interrupted' ? 'INTERRUPTED' : 'PLANNED') : c.result.toUpperCase();

export function verifyText(r: VerifyReport): string {
  const lines: string[] = [];
  lines.push(
    `osa-sriov verify: run ${r.runId}${r.dryRun ? ' (dry run: nothing is created)' : ''}; image ${safeText(r.image.name)} (${r.image.id})${r.image.picked ? ' [picked]' : ''}, flavor ${safeText(r.flavor.name)} (${r.flavor.id})${r.flavor.picked ? ' [picked]' : ''}; tag ${r.tag}`,
  );
  for (const n of r.notes) lines.push(`note: ${safeText(n)}`);
  lines.push('');
  const rows = [['HOST', 'PHYSNET', 'VNIC TYPE', 'RESULT', 'PCI_SLOT', 'SECONDS']];
  for (const c of r.cases)
    rows.push([
      safeText(c.host),
      safeText(c.physnet),
      c.vnicType,
      resultWord(c),
      c.pciSlot ?? '-',
      r.dryRun ? '-' : c.seconds.toFixed(1),
    ]);
  lines.push(...pad(rows));
  for (const c of r.cases) {
    const head = `${safeText(c.host)} ${safeText(c.physnet)} ${c.vnicType}`;
    if (r.dryRun) {
      lines.push(
        '',
        `${head}: would use ${c.network.temporary ? 'a temporary' : 'the existing'} network ${safeText(c.network.name)}${c.network.id ? ` (${c.network.id})` : ''} and create:`,
      );
      for (const res of c.resources) lines.push(`  ${res.kind} ${safeText(res.name)}`);
      continue;
    }
    if (c.result === 'fail') {
      lines.push('', `${head}: FAIL: ${safeText(c.reason ?? '')}`);
      if (c.fix) lines.push(`  fix: ${safeText(c.fix)}`);
      if (c.kept)
        lines.push(`  kept (--keep-on-failure): ${c.resources.map((x) => `${x.kind} ${x.id}`).join(', ')}`);
    }
    if (c.onHost) {
      const h = c.onHost;
      lines.push(
        '',
        `${head}: on ${safeText(h.factsHost)}: VF ${h.vfIndex ?? '?'} of ${safeText(h.pf ?? '?')} MAC ${h.vfMac ?? 'none'} VLAN ${h.vfVlan ?? 'none'}${h.vfPciId ? `, VF ${h.vfPciId}` : ''}; the guest needs driver ${h.guestDriver ?? 'unknown'}`,
      );
      for (const p of h.problems) lines.push(`  problem: ${safeText(p)}`);
    }
  }
  for (const l of r.leftovers)
    lines.push(
      '',
      `could not delete ${l.kind} ${l.id}: ${safeText(l.error)} (osa-sriov verify --cleanup retries)`,
    );
  lines.push(
    '',
    r.dryRun
      ? `${r.cases.length} case(s) planned, nothing created`
      : `${r.summary.passed} passed, ${r.summary.failed} failed${r.interrupted ? ', interrupted: everything created was deleted' : ''}`,
  );
  return `${lines.join('\n')}\n`;
}

const xml = (s: string) =>
  safeText(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

export function verifyJunit(r: VerifyReport): string {
  const total = r.cases.reduce((t, c) => t + c.seconds, 0);
  const skipped = r.cases.filter((c) => c.result === 'planned').length;
  const out = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="osa-sriov verify" tests="${r.cases.length}" failures="${r.summary.failed}" skipped="${skipped}" time="${total.toFixed(1)}">`,
    `  <testsuite name="osa-sriov verify ${xml(r.runId)}" tests="${r.cases.length}" failures="${r.summary.failed}" skipped="${skipped}" time="${total.toFixed(1)}">`,
  ];
  for (const c of r.cases) {
    const open = `    <testcase classname="${xml(c.host)}" name="${xml(`${c.physnet} ${c.vnicType}`)}" time="${c.seconds.toFixed(1)}"`;
    if (c.result === 'pass')
      out.push(
        `${open}>`,
        `      <system-out>pci_slot ${xml(c.pciSlot ?? '')}</system-out>`,
        '    </testcase>',
      );
    else if (c.result === 'fail')
      out.push(
        `${open}>`,
        `      <failure message="${xml(c.reason ?? '')}">${xml(`${c.reason ?? ''}\nfix: ${c.fix ?? ''}`)}</failure>`,
        '    </testcase>',
      );
    else
      out.push(
        `${open}>`,
        `      <skipped message="${r.dryRun ? 'dry run' : 'interrupted'}"/>`,
        '    </testcase>',
      );
  }
  out.push('  </testsuite>', '</testsuites>');
  return `${out.join('\n')}\n`;
}
