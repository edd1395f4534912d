// OpenStack-Ansible releases, by major version and name (../shared/spec/osa.md §0).

export interface Release {
  major: number;
  name: string;
  /** The OpenStack series: "rocky" … "2026.1". */
  series: string;
  /** A point release such as [27, 4, 1]; null means the newest of the series. */
  point: [number, number, number] | null;
}

/** Whether the release is at least major.minor.patch (a series without a point counts as its newest). */
export function atLeast(r: Release, major: number, minor = 0, patch = 0): boolean {
  if (r.major !== major) return r.major > major;
  if (r.point === null) return true;
  const [, mi, pa] = r.point;
  return mi !== minor ? mi > minor : pa >= patch;
}

const SERIES: Array<[number, string, string]> = [
  [18, 'rocky', 'Rocky'],
  [19, 'stein', 'Stein'],
  [20, 'train', 'Train'],
  [21, 'ussuri', 'Ussuri'],
  [22, 'victoria', 'Victoria'],
  [23, 'wallaby', 'Wallaby'],
  [24, 'xena', 'Xena'],
  [25, 'yoga', 'Yoga'],
  [26, 'zed', 'Zed'],
  [27, '2023.1', '2023.1 Antelope'],
  [28, '2023.2', '2023.2 Bobcat'],
  [29, '2024.1', '2024.1 Caracal'],
  [30, '2024.2', '2024.2 Dalmatian'],
  [31, '2025.1', '2025.1 Epoxy'],
  [32, '2025.2', '2025.2 Flamingo'],
  [33, '2026.1', '2026.1 Gazpacho'],
];

const ALIASES: Record<string, number> = {
  antelope: 27,
  bobcat: 28,
  caracal: 29,
  dalmatian: 30,
  epoxy: 31,
  flamingo: 32,
  gazpacho: 33,
};

export const RELEASES: readonly Release[] = SERIES.map(([major, series, name]) => ({
  major,
  series,
  name,
  point: null,
}));
export const NEWEST_RELEASE: Release = RELEASES[RELEASES.length - 1]!;

/** Parses "18", "27.4.1", "rocky", "2026.1", "gazpacho"; null when unknown. */
export function parseRelease(text: string): Release | null {
  const t = text.trim().toLowerCase();
  const series = RELEASES.find((r) => r.series === t || r.major === ALIASES[t]);
  if (series) return series;
  const m = t.match(/^(\d+)(?:\.(\d+)(?:\.(\d+))?)?$/);
  if (!m) return null;
  const base = RELEASES.find((r) => r.major === Number(m[1]));
  if (!base) return null;
  if (m[2] === undefined) return base;
  return { ...base, point: [base.major, Number(m[2]), Number(m[3] ?? 0)] };
}

export function releaseLabel(r: Release): string {
  return r.point ? `${r.point.join('.')} (${r.name})` : `${r.major}.x (${r.name})`;
}

export function releaseNames(): string {
  return RELEASES.map((r) => `${r.major}/${r.series}`).join(', ');
}
