// "Did you mean …?" for misspelt commands, options, rule ids, releases and intent keys.

/** Optimal string alignment distance (Damerau–Levenshtein with adjacent swaps), case-insensitive. */
export function editDistance(a: string, b: string): number {
  const s = a.toLowerCase();
  const t = b.toLowerCase();
  const d: number[][] = Array.from({ length: s.length + 1 }, (_, i) =>
    Array.from({ length: t.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i <= s.length; i++) {
    for (let j = 1; j <= t.length; j++) {
      const cost = s[i - 1] === t[j - 1] ? 0 : 1;
      let v = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && s[i - 1] === t[j - 2] && s[i - 2] === t[j - 1])
        v = Math.min(v, d[i - 2]![j - 2]! + 1);
      d[i]![j] = v;
    }
  }
  return d[s.length]![t.length]!;
}

/**
 * The candidate nearest to `word`, if near enough to be a typo: at most a third of its length
 * away (at least 1, at most 3 edits), or `word` as a prefix of one candidate only.
 */
export function closest(word: string, candidates: readonly string[]): string | null {
  let best: string | null = null;
  let bestD = Number.POSITIVE_INFINITY;
  for (const c of candidates) {
    const d = editDistance(word, c);
    if (d < bestD) {
      best = c;
      bestD = d;
    }
  }
  if (best !== null && bestD > 0 && bestD <= Math.min(3, Math.max(1, Math.floor(word.length / 3))))
    return best;
  const prefixed = candidates.filter(
    (c) => word.length >= 3 && c.toLowerCase().startsWith(word.toLowerCase()),
  );
  return prefixed.length === 1 ? prefixed[0]! : null;
}
