/**
 * Stats queries over the serving views (key layout: view-keys.ts). Pure logic over the Store
 * interface, so it runs the same on Redis and on the embedded store.
 *
 * - With a granularity: a time series, one point per bucket overlapping [from, to), zeros filled.
 * - Without: a breakdown of [from, to) at minute resolution, read from the fewest buckets that
 *   cover the range exactly — whole UTC days from day buckets, whole hours from hour buckets, the
 *   rest from minute buckets, or a partial hour (day) as its whole bucket minus the minutes (hours)
 *   outside the range when that reads fewer buckets — so nothing is counted twice.
 * Either way it reads one sorted set per bucket (at most MAX_BUCKETS buckets): `t` for
 * groupBy=module, else the dimension's set of the filtered module or, without a filter, the
 * dimension's all-modules rollup. A breakdown is one ZUNION, summed in the store (with WEIGHTS −1 for
 * the buckets an edge takes back out of a larger one): its answer has one entry per distinct value
 * however many buckets the range covers. A series with a limit ranks by
 * that union, then reads the top keys' scores per bucket (ZMSCORE): two round trips; without a limit
 * it reads every bucket's set whole (one round trip).
 */
import { z } from 'zod';
import { WeirError } from '../spec/errors';
import type { Store } from './types';
import { BASE_DIMS, RESERVED_VIEW_IDS, RESOLUTIONS, bucketStart, counterKey, encodeValue, isDim, type Dim, type Resolution } from './view-keys';

export const GROUP_BYS = ['module', ...BASE_DIMS] as const;
export const GRANULARITIES = ['minute', 'hour', 'day'] as const;
/** `module`, a base dimension, or a cross breakdown the window counts (e.g. `country+browser`). */
export type GroupBy = 'module' | Exclude<Dim, 't'>;
export type Granularity = (typeof GRANULARITIES)[number];

/** Above this many buckets a query is refused: use a coarser granularity or a shorter range. */
export const MAX_BUCKETS = 5_000;

const RES_OF: Record<Granularity, Resolution> = { minute: 'm', hour: 'h', day: 'd' };

export interface StatsQuery {
  pipelineId: string;
  viewId: string;
  /** Epoch ms, a string of digits, or an ISO-8601 date. */
  from: number | string;
  to: number | string;
  groupBy: GroupBy;
  granularity?: Granularity;
  filter?: { module?: string };
  /** Keep only the top N keys (by total); `total` still counts everything, `other` the rest. */
  limit?: number;
}

export interface SeriesResult {
  groupBy: GroupBy;
  granularity: Granularity;
  /** Start of the first bucket. */
  from: number;
  /** End of the last bucket. */
  to: number;
  series: { key: string; points: [number, number][] }[];
}

export interface BreakdownResult {
  groupBy: GroupBy;
  /** [from, to) rounded out to whole minutes. */
  from: number;
  to: number;
  breakdown: { key: string; count: number }[];
  total: number;
  /** What `limit` left out: total minus the listed counts (0 without a limit). */
  other: number;
}

export type StatsResult = SeriesResult | BreakdownResult;

const toMs = (v: unknown): unknown => {
  if (typeof v !== 'string') return v;
  const s = v.trim();
  if (/^\d+$/.test(s)) return Number(s);
  const t = Date.parse(s);
  return Number.isNaN(t) ? v : t;
};
const Time = z.preprocess(toMs, z.number().int().nonnegative());

const QuerySchema = z.strictObject({
  pipelineId: z.string().regex(/^[^{}\s]+$/),
  viewId: z
    .string()
    .regex(/^[^:{}\s]+$/)
    .refine((v) => !RESERVED_VIEW_IDS.includes(v)),
  from: Time,
  to: Time,
  groupBy: z.string().refine((g): g is GroupBy => g === 'module' || (g !== 't' && isDim(g))),
  granularity: z.enum(GRANULARITIES).optional(),
  filter: z.strictObject({ module: z.string().optional() }).optional(),
  limit: z.number().int().positive().optional(),
});

const PARAMS = ['pipelineId', 'viewId', 'from', 'to', 'groupBy', 'granularity', 'filter', 'limit'];

const ALLOWED: Record<string, string> = {
  pipelineId: 'a pipeline id (no braces or spaces)',
  viewId: `a view id (no ":", braces or spaces; not ${RESERVED_VIEW_IDS.join(', ')})`,
  from: 'epoch milliseconds or an ISO-8601 date',
  to: 'epoch milliseconds or an ISO-8601 date',
  groupBy: `${GROUP_BYS.join(', ')}, or dimensions joined by "+" that the window counts (e.g. country+browser)`,
  granularity: `${GRANULARITIES.join(', ')}, or omitted for a breakdown`,
  filter: 'filter[module]=<module> (filtering by other dimensions is not supported)',
  limit: 'a positive integer',
};

function invalid(parameter: string, got: unknown, extra = ''): WeirError {
  const allowed = ALLOWED[parameter] ?? PARAMS.join(', ');
  const shown = got === undefined ? 'nothing' : JSON.stringify(got);
  return new WeirError(
    'invalid_stats_query',
    `${parameter}: expected ${allowed}; got ${shown}.${extra ? ` ${extra}` : ''}`,
    { status: 400, details: { parameter, allowed, got: got ?? null } },
  );
}

function parseQuery(input: unknown): z.infer<typeof QuerySchema> {
  const r = QuerySchema.safeParse(input);
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  const raw = (input ?? {}) as Record<string, unknown>;
  if (issue.code === 'unrecognized_keys') {
    const key = issue.keys[0];
    if (issue.path[0] === 'filter') {
      return fail(invalid('filter', (raw.filter as Record<string, unknown>) ?? null, `Unknown filter "${key}".`));
    }
    return fail(
      new WeirError('invalid_stats_query', `Unknown parameter "${key}"; allowed: ${PARAMS.join(', ')}.`, {
        status: 400,
        details: { parameter: key, allowed: PARAMS },
      }),
    );
  }
  const param = String(issue.path[0] ?? 'query');
  if (param === 'query') {
    return fail(new WeirError('invalid_stats_query', `The stats query must be an object with ${PARAMS.join(', ')}.`, { status: 400 }));
  }
  return fail(invalid(param, raw[param]));
}

const fail = (e: WeirError): never => {
  throw e;
};

function tooLarge(n: number, what: string, advice: string): WeirError {
  return new WeirError(
    'range_too_large',
    `This query needs ${n} ${what} buckets; at most ${MAX_BUCKETS} are read per query. ${advice}`,
    { status: 400, details: { buckets: n, max: MAX_BUCKETS } },
  );
}

interface Plan {
  buckets: { res: Resolution; start: number }[];
  from: number;
  to: number;
}

/**
 * Walks the exact cover of [a, b) (both minute-aligned) by resolutions coarse to fine: the whole
 * buckets of the coarsest size inside the range, then the edges at the next size down.
 */
function cover(a: number, b: number, levels: Resolution[], emit: (res: Resolution, from: number, to: number) => void) {
  if (a >= b) return;
  const [res, ...finer] = levels;
  const size = RESOLUTIONS[res].bucketMs;
  if (finer.length === 0) {
    emit(res, a, b);
    return;
  }
  const s = Math.ceil(a / size) * size;
  const e = Math.floor(b / size) * size;
  if (s >= e) {
    cover(a, b, finer, emit);
    return;
  }
  cover(a, s, finer, emit);
  emit(res, s, e);
  cover(e, b, finer, emit);
}

interface Piece {
  res: Resolution;
  start: number;
  /** +1: the bucket counts; −1: it is taken back out of a larger bucket that counts. */
  weight: 1 | -1;
}

/**
 * The fewest buckets whose weighted sum is exactly [a, b) (minute-aligned): whole buckets of the
 * coarsest size inside the range, and each edge either covered by finer buckets or, when that
 * takes fewer, as its whole enclosing bucket minus the finer buckets outside the range. E.g. the
 * 43 minutes 10:17–11:00 are read as the 10:00 hour minus the 17 minutes 10:00–10:17.
 */
function weightedCover(a: number, b: number, levels: Resolution[], weight: 1 | -1): Piece[] {
  if (a >= b) return [];
  const [res, ...finer] = levels;
  const size = RESOLUTIONS[res].bucketMs;
  const all = (x: number, y: number): Piece[] => {
    const out: Piece[] = [];
    for (let t = x; t < y; t += size) out.push({ res, start: t, weight });
    return out;
  };
  if (finer.length === 0) return all(a, b);
  /** [x, y) inside one bucket of this size, not all of it. */
  const edge = (x: number, y: number): Piece[] => {
    if (x >= y) return [];
    const direct = weightedCover(x, y, finer, weight);
    const start = Math.floor(x / size) * size;
    if (direct.length <= 2) return direct;
    const minus = [
      { res, start, weight },
      ...weightedCover(start, x, finer, weight === 1 ? -1 : 1),
      ...weightedCover(y, start + size, finer, weight === 1 ? -1 : 1),
    ];
    return minus.length < direct.length ? minus : direct;
  };
  const s = Math.ceil(a / size) * size;
  const e = Math.floor(b / size) * size;
  if (s >= e) return s === e && a < s && s < b ? [...edge(a, s), ...edge(s, b)] : edge(a, b);
  return [...edge(a, s), ...all(s, e), ...edge(e, b)];
}

function breakdownPlan(from: number, to: number): Plan & { weights: number[] } {
  const MIN = RESOLUTIONS.m.bucketMs;
  const F = Math.floor(from / MIN) * MIN;
  const T = Math.ceil(to / MIN) * MIN;
  // The limit counts the plain cover (arithmetic only), before any bucket is listed.
  let n = 0;
  cover(F, T, ['d', 'h', 'm'], (res, a, b) => {
    n += (b - a) / RESOLUTIONS[res].bucketMs;
  });
  if (n > MAX_BUCKETS) throw tooLarge(n, 'day/hour/minute', 'Use a shorter range.');
  const pieces = weightedCover(F, T, ['d', 'h', 'm'], 1);
  return { buckets: pieces.map(({ res, start }) => ({ res, start })), weights: pieces.map((p) => p.weight), from: F, to: T };
}

function seriesPlan(from: number, to: number, granularity: Granularity): Plan {
  const res = RES_OF[granularity];
  const size = RESOLUTIONS[res].bucketMs;
  const F = bucketStart(from, res);
  const T = Math.ceil(to / size) * size;
  const n = (T - F) / size;
  if (n > MAX_BUCKETS) {
    const advice =
      granularity === 'day'
        ? 'Use a shorter range.'
        : `Use a coarser granularity (${granularity === 'minute' ? 'hour or day' : 'day'}) or a shorter range.`;
    throw tooLarge(n, granularity, advice);
  }
  const buckets: Plan['buckets'] = [];
  for (let t = F; t < T; t += size) buckets.push({ res, start: t });
  return { buckets, from: F, to: T };
}

/**
 * The sorted set each bucket is read from, and the one member that counts when only one does: for
 * groupBy=module the `t` set (members are modules; with a filter only that module), for a dimension
 * its set of the filtered module or its all-modules rollup (every member is a value of the dimension).
 */
function source(q: { pipelineId: string; viewId: string; groupBy: GroupBy }, module: string | undefined) {
  if (q.groupBy === 'module') {
    return { key: (b: Plan['buckets'][number]) => counterKey(q.pipelineId, q.viewId, b.res, b.start, 't', null), only: module };
  }
  const dim = q.groupBy;
  return { key: (b: Plan['buckets'][number]) => counterKey(q.pipelineId, q.viewId, b.res, b.start, dim, module ?? null), only: undefined };
}

const byCountDesc = <T extends { key: string }>(count: (x: T) => number) => (a: T, b: T) =>
  count(b) - count(a) || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);

export async function queryStats(store: Store, query: StatsQuery): Promise<StatsResult> {
  const q = parseQuery(query);
  if (q.to <= q.from) throw invalid('to', query.to, `to must be after from (${q.from}).`);
  const module = q.filter?.module === undefined ? undefined : encodeValue(q.filter.module);
  const { key, only } = source(q, module);

  if (q.granularity) {
    const plan = seriesPlan(q.from, q.to, q.granularity);
    const keys = plan.buckets.map(key);
    const size = RESOLUTIONS[RES_OF[q.granularity]].bucketMs;
    let series: { key: string; total: number; values: number[] }[];
    if (only !== undefined || q.limit !== undefined) {
      // Rank in the store, then read only the listed keys' scores per bucket.
      let members: string[];
      if (only !== undefined) members = [only];
      else {
        const ranked = [...(await store.unionSortedSets(keys))].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
        members = ranked.slice(0, q.limit).map(([m]) => m);
      }
      const scores = await store.scoresOf(keys, members);
      series = members.map((m, j) => {
        const values = scores.map((row) => row[j]);
        return { key: m, total: values.reduce((a, b) => a + b, 0), values };
      });
      if (only !== undefined && series[0].total === 0) series = [];
    } else {
      const sets = await store.readSortedSets(keys);
      const byKey = new Map<string, { key: string; total: number; values: number[] }>();
      for (let i = 0; i < sets.length; i++) {
        const h = sets[i];
        for (const f in h) {
          let s = byKey.get(f);
          if (!s) {
            s = { key: f, total: 0, values: new Array<number>(sets.length).fill(0) };
            byKey.set(f, s);
          }
          s.values[i] += h[f];
          s.total += h[f];
        }
      }
      series = [...byKey.values()];
    }
    series.sort(byCountDesc((s) => s.total));
    return {
      groupBy: q.groupBy,
      granularity: q.granularity,
      from: plan.from,
      to: plan.to,
      series: series.map((s) => ({
        key: s.key,
        points: s.values.map((n, i): [number, number] => [plan.from + i * size, n]),
      })),
    };
  }

  const plan = breakdownPlan(q.from, q.to);
  const union = await store.unionSortedSets(plan.buckets.map(key), plan.weights.some((w) => w < 0) ? plan.weights : undefined);
  let total = 0;
  let breakdown: { key: string; count: number }[] = [];
  for (const [k, count] of union) {
    // A value seen only in buckets taken back out sums to 0: not in the range.
    if (count === 0 || (only !== undefined && k !== only)) continue;
    breakdown.push({ key: k, count });
    total += count;
  }
  breakdown.sort(byCountDesc((x) => x.count));
  let other = 0;
  if (q.limit !== undefined && breakdown.length > q.limit) {
    for (let i = q.limit; i < breakdown.length; i++) other += breakdown[i].count;
    breakdown = breakdown.slice(0, q.limit);
  }
  return { groupBy: q.groupBy, from: plan.from, to: plan.to, breakdown, total, other };
}

/**
 * Sliding windows from panes: each point becomes the sum of the `size` buckets ending at it
 * (e.g. 5-minute windows sliding by 1 minute from a minute series). The first size-1 points sum
 * what the range holds (no data before `from` is read).
 */
export function slidingSums(result: SeriesResult, size: number): SeriesResult {
  if (!Number.isInteger(size) || size < 1 || size > 1440) {
    throw new WeirError('invalid_stats_query', `window: expected a whole number of buckets from 1 to 1440; got ${JSON.stringify(size)}.`, { status: 400 });
  }
  return {
    ...result,
    series: result.series.map((s) => {
      let acc = 0;
      return {
        key: s.key,
        points: s.points.map(([t, n], i): [number, number] => {
          acc += n - (i >= size ? s.points[i - size][1] : 0);
          return [t, acc];
        }),
      };
    }),
  };
}
