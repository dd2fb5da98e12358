/**
 * THE Redis key layout of Weir's serving views (mirrored in docs/redis-keys.md; keep both in step).
 *
 * Every key of a pipeline carries the hash tag `{<pipelineId>}`, so all of a pipeline's keys sit in
 * one Redis Cluster slot and one Lua script (Store.applyAtomic) may touch them together.
 *
 * Counters: one sorted set per (resolution, bucket, dimension, module), member = the dimension's
 * value, score = events, so a query reads only the dimension (and module) it asks for, and the store
 * itself sums a range's buckets (ZUNION) into one entry per value:
 *   weir:{<pid>}:<viewId>:<res>:<bucketStartMs>:t                  member <module>: events of the module
 *   weir:{<pid>}:<viewId>:<res>:<bucketStartMs>:<dim>:<module>     member <value>: events of the module by value
 *   weir:{<pid>}:<viewId>:<res>:<bucketStartMs>:<dim>              member <value>: all modules together (rollup)
 *       res = m (minute) | h (hour) | d (day, UTC); bucketStartMs = bucket start, epoch ms.
 *       dim = country | region | city | browser | os | device | status, or a cross breakdown configured
 *       on the window (`<d1>+<d2>`, e.g. country+browser, values `<v1> + <v2>`).
 *       Retention (EXPIRE, renewed by every batch that writes the key): m 2 days, h 90 days,
 *       d 3 years (callers may override).
 *       Modules and values pass through encodeValue: `|` becomes `¦` (U+00A6) and control characters
 *       (newline included) become a space. The module is the key's last part, so it may hold `:`.
 *   weir:{<pid>}:<viewId>:u:<res>:<bucketStartMs>:<module>   HyperLogLog   unique visitors (privacy
 *       hashes, never raw IPs) of one module in one hour or day bucket (res h | d); the visitors of
 *       several modules or buckets are the union (PFCOUNT of several keys).
 *   weir:{<pid>}:salt:<yyyy-mm-dd>                string  the day's random salt of the privacy hash (kept 2 days)
 *   weir:epoch:{<pid>}                            string  replay epoch (engine/processor/replay-epoch.ts): odd while a
 *       replay deletes the views; every batch write checks it. Outside the pipeline prefix on purpose,
 *       so deleting the views never resets it; same hash tag, so it shares the slot.
 *   weir:{<pid>}:ckpt:<jobId>                     hash   processor checkpoints, field `topic:partition`
 *   weir:{<pid>}:dead                             list   dead letters (JSON, newest first, capped)
 *   weir:{<pid>}:changes                          pub/sub channel of change notices
 *
 * `ckpt`, `dead`, `changes` and `salt` are therefore reserved: they cannot be view ids.
 * Deleting a pipeline's serving data is `deletePrefix(pipelinePrefix(pid))`.
 */

export type Resolution = 'm' | 'h' | 'd';
/** Single dimensions a visit is counted by (per module). */
export const BASE_DIMS = ['country', 'region', 'city', 'browser', 'os', 'device', 'status'] as const;
export type BaseDim = (typeof BASE_DIMS)[number];
/** `t` (total), a base dimension, or several joined by `+` (e.g. `country+browser`: a cross breakdown). */
export type Dim = 't' | BaseDim | `${BaseDim}+${string}`;

const MINUTE = 60_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;
const DAY_S = 86_400;

export const RESOLUTIONS: Readonly<Record<Resolution, { bucketMs: number; ttlSeconds: number; name: string }>> = {
  m: { bucketMs: MINUTE, ttlSeconds: 2 * DAY_S, name: 'minute' },
  h: { bucketMs: HOUR, ttlSeconds: 90 * DAY_S, name: 'hour' },
  d: { bucketMs: DAY, ttlSeconds: 3 * 365 * DAY_S, name: 'day' },
};

export const DIMS: readonly Dim[] = ['t', ...BASE_DIMS];

/** Joins the values of a combined dimension (`country+browser` → `CN + Chrome`). */
export const COMBINED_VALUE_SEPARATOR = ' + ';

export function isDim(d: string): d is Dim {
  if (d === 't') return true;
  const parts = d.split('+');
  return parts.every((p) => (BASE_DIMS as readonly string[]).includes(p)) && new Set(parts).size === parts.length;
}

export const RESERVED_VIEW_IDS: readonly string[] = ['ckpt', 'dead', 'changes', 'salt'];

export const pipelinePrefix = (pid: string): string => `weir:{${pid}}:`;

/** `weir:{<pid>}:<viewId>:<res>:<bucketStartMs>:`, the start of every counter key of one bucket. */
export const bucketPrefix = (pid: string, viewId: string, res: Resolution, bucketStartMs: number): string =>
  `weir:{${pid}}:${viewId}:${res}:${bucketStartMs}:`;

/**
 * The counter sorted set of one bucket: `t` (members: modules), `<dim>:<module>` (members: values of
 * one module), or with module `null` the `<dim>` rollup over all modules (members: values).
 */
export function counterKey(pid: string, viewId: string, res: Resolution, bucketStartMs: number, dim: Dim, module: string | null): string {
  const prefix = bucketPrefix(pid, viewId, res, bucketStartMs);
  if (dim === 't') return `${prefix}t`;
  return module === null ? `${prefix}${dim}` : `${prefix}${dim}:${encodeValue(module)}`;
}

/** The parts of a counter key, or null for any other key (HyperLogLogs, checkpoints, …). */
export function parseCounterKey(key: string): { pipelineId: string; viewId: string; res: Resolution; bucketStartMs: number; dim: Dim; module: string | null } | null {
  const m = /^weir:\{([^{}]+)\}:([^:]+):([mhd]):(\d+):([^:]+)(?::([\s\S]*))?$/.exec(key);
  if (!m) return null;
  const [, pipelineId, viewId, res, start, dim, module] = m;
  if (!isDim(dim) || (dim === 't' && module !== undefined)) return null;
  return { pipelineId, viewId, res: res as Resolution, bucketStartMs: Number(start), dim, module: dim === 't' ? null : (module ?? null) };
}

export const uniqueKey = (pid: string, viewId: string, res: Resolution, bucketStartMs: number, module: string): string =>
  `weir:{${pid}}:${viewId}:u:${res}:${bucketStartMs}:${encodeValue(module)}`;

export const saltKey = (pid: string, day: string): string => `weir:{${pid}}:salt:${day}`;

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
 * Normalizes a module or value: `|` → `¦`, control characters → space. Lossy by design
 * (such characters carry no meaning in a country, browser or module name) and cheap on the hot
 * path: clean strings are returned as they are.
 */
export function encodeValue(v: string): string {
  if (!UNSAFE.test(v)) return v;
  return v.replace(UNSAFE_ALL, (c) => (c === '|' ? '¦' : ' '));
}
