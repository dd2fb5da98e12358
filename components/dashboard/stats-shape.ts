/** Pure shaping of /stats answers into what the charts draw. */

/**
 * Every bucket between `from` and `to`, missing ones as 0, so a quiet minute shows as a dip
 * rather than a line drawn straight across it.
 */
export function fillBuckets(points: readonly [number, number][], from: number, to: number, bucket: number): [number, number][] {
  const byStart = new Map<number, number>();
  for (const [t, n] of points) {
    const start = Math.floor(t / bucket) * bucket;
    byStart.set(start, (byStart.get(start) ?? 0) + n);
  }
  const out: [number, number][] = [];
  for (let t = Math.floor(from / bucket) * bucket; t <= to; t += bucket) out.push([t, byStart.get(t) ?? 0]);
  return out;
}

/**
 * The `n` largest entries, the rest summed into one `other` entry (omitted when empty), together with
 * `alsoOther`: what the API already left out of the rows (a breakdown's `other`).
 */
export function topWithOther<T extends { key: string; count: number }>(
  rows: readonly T[],
  n: number,
  otherKey: string,
  alsoOther = 0,
): { key: string; count: number }[] {
  const sorted = [...rows].sort((a, b) => b.count - a.count);
  const top = sorted.slice(0, n).map(({ key, count }) => ({ key, count }));
  const rest = sorted.slice(n).reduce((sum, r) => sum + r.count, alsoOther);
  return rest > 0 ? [...top, { key: otherKey, count: rest }] : top;
}

/**
 * A human label for a geo key: `CN` → "China", `CN/Guangdong` → "China / Guangdong",
 * `CN/Guangdong/Shenzhen` → "China / Guangdong / Shenzhen", in the reader's language.
 */
export function geoLabel(key: string, countryName: (code: string) => string | undefined, unknown: string): string {
  if (!key || key === 'unknown') return unknown;
  const [country, ...rest] = key.split('/');
  const head = /^[A-Z]{2}$/.test(country) ? (countryName(country) ?? country) : country;
  return [head, ...rest.map((p) => (p === 'unknown' ? unknown : p))].join(' / ');
}

/** Looks up country names with the browser's own CLDR data; no table to ship or keep current. */
export function countryNamer(locale: string): (code: string) => string | undefined {
  let names: Intl.DisplayNames | null = null;
  try {
    names = new Intl.DisplayNames([locale], { type: 'region' });
  } catch {
    names = null;
  }
  return (code) => {
    try {
      return names?.of(code);
    } catch {
      return undefined;
    }
  };
}
