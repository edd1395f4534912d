// A finding's fix as text: one line stays one line; a multi-line fix (a unit file, a udev rule,
// a YAML snippet) is printed as a block under its label, each line indented, never joined.

/** `label` then the fix: on the same line when it is one line, else as an indented block. */
export function fixLines(label: string, fix: string, pad: string): string[] {
  const lines = fix.split('\n');
  if (lines.length === 1) return [`${pad}${label} ${fix}`];
  return [`${pad}${label}`, ...lines.map((l) => (l === '' ? '' : `${pad}  ${l}`))];
}
