/**
 * THE Redis key layout of Weir's serving views (mirrored in docs/redis-keys.md; keep both in step).
 *
 * Every key of a pipeline carries the hash tag `{<pipelineId>}`, so all of a pipeline's keys sit in
 * one Redis Cluster slot and one Lua script (Store.applyAtomic) may touch them together.
 *
 *   weir:{<pid>}:<viewId>:<res>:<bucketStartMs>   hash   counters of one time bucket
 *       res = m (minute) | h (hour) | d (day, UTC); bucketStartMs = bucket start, epoch ms.
 *       Retention (EXPIRE, renewed on every write): m 2 days, h 90 days, d 3 years (callers may
 *       override). Fields: `<dim>|<module>|<value>`:
 *         t|<module>|             total events of the module (value empty)
 *         country|<module>|<v>    region|<module>|<v>   city|<module>|<v>
 *         browser|<module>|<v>    os|<module>|<v>       device|<module>|<v>
 *       Module and value pass through encodeValue: `|` becomes `¦` (U+00A6) and control characters
 *       (newline included) become a space, so a field always splits back into its three parts.
 *   weir:{<pid>}:ckpt:<jobId>                     hash   processor checkpoints, field `topic:partition`
 *   weir:{<pid>}:dead                             list   dead letters (JSON, newest first, capped)
 *   weir:{<pid>}:changes                          pub/sub channel of change notices
 *
 * `ckpt`, `dead` and `changes` are therefore reserved: they cannot be view ids.
 * Deleting a pipeline's serving data is `deletePrefix(pipelinePrefix(pid))`.
 */

export type Resolution = 'm' | 'h' | 'd';
export type Dim = 't' | 'country' | 'region' | 'city' | 'browser' | 'os' | 'device';

const MINUTE = 60_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;
const DAY_S = 86_400;

export const RESOLUTIONS: Readonly<Record<Resolution, { bucketMs: number; ttlSeconds: number; name: string }>> = {
  m: { bucketMs: MINUTE, ttlSeconds: 2 * DAY_S, name: 'minute' },
  h: { bucketMs: HOUR, ttlSeconds: 90 * DAY_S, name: 'hour' },
  d: { bucketMs: DAY, ttlSeconds: 3 * 365 * DAY_S, name: 'day' },
};

export const DIMS: readonly Dim[] = ['t', 'country', 'region', 'city', 'browser', 'os', 'device'];

export const RESERVED_VIEW_IDS: readonly string[] = ['ckpt', 'dead', 'changes'];

export const pipelinePrefix = (pid: string): string => `weir:{${pid}}:`;

export const counterKey = (pid: string, viewId: string, res: Resolution, bucketStartMs: number): string =>
  `weir:{${pid}}:${viewId}:${res}:${bucketStartMs}`;

export const checkpointKey = (pid: string, jobId: string): string => `weir:{${pid}}:ckpt:${jobId}`;

export const deadLetterKey = (pid: string): string => `weir:{${pid}}:dead`;

export const changesChannel = (pid: string): string => `weir:{${pid}}:changes`;

/** Start (epoch ms) of the bucket holding ts. Days are UTC days. */
export const bucketStart = (ts: number, res: Resolution): number => {
  const size = RESOLUTIONS[res].bucketMs;
  return Math.floor(ts / size) * size;
};

const UNSAFE = /[|\u0000-\u001f\u007f]/;
const UNSAFE_ALL = /[|\u0000-\u001f\u007f]/g;

/**
 * Makes a value safe inside a field: `|` → `¦`, control characters → space. Lossy by design
 * (such characters carry no meaning in a country, browser or module name) and cheap on the hot
 * path: clean strings are returned as they are.
 */
export function encodeValue(v: string): string {
  if (!UNSAFE.test(v)) return v;
  return v.replace(UNSAFE_ALL, (c) => (c === '|' ? '¦' : ' '));
}

export const field = (dim: Dim, module: string, value: string): string =>
  `${dim}|${encodeValue(module)}|${dim === 't' ? '' : encodeValue(value)}`;

export function parseField(f: string): { dim: Dim; module: string; value: string } | null {
  const a = f.indexOf('|');
  if (a < 0) return null;
  const b = f.indexOf('|', a + 1);
  if (b < 0) return null;
  const dim = f.slice(0, a) as Dim;
  if (!DIMS.includes(dim)) return null;
  return { dim, module: f.slice(a + 1, b), value: f.slice(b + 1) };
}
