/**
 * Stats queries over the serving views (key layout: view-keys.ts). Pure logic over the Store
 * interface, so it runs the same on Redis and on the embedded store.
 *
 * - With a granularity: a time series, one point per bucket overlapping [from, to), zeros filled.
 * - Without: a breakdown of [from, to) at minute resolution, read from the fewest buckets that
 *   cover the range exactly — whole UTC days from day buckets, whole hours from hour buckets, the
 *   rest from minute buckets — so nothing is counted twice.
 * Either way: one Store.readHashes call (one round trip) of one hash per bucket, at most MAX_BUCKETS
 * buckets: the `t` hash for groupBy=module, else the dimension's hash of the filtered module or,
 * without a filter, the dimension's all-modules rollup. So the fields read are the values of one
 * dimension only (about 400 per hour bucket for regions, not the ~26k of every dimension).
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

function breakdownPlan(from: number, to: number): Plan {
  const MIN = RESOLUTIONS.m.bucketMs;
  const F = Math.floor(from / MIN) * MIN;
  const T = Math.ceil(to / MIN) * MIN;
  let n = 0;
  cover(F, T, ['d', 'h', 'm'], (res, a, b) => {
    n += (b - a) / RESOLUTIONS[res].bucketMs;
  });
  if (n > MAX_BUCKETS) throw tooLarge(n, 'day/hour/minute', 'Use a shorter range.');
  const buckets: Plan['buckets'] = [];
  cover(F, T, ['d', 'h', 'm'], (res, a, b) => {
    const size = RESOLUTIONS[res].bucketMs;
    for (let t = a; t < b; t += size) buckets.push({ res, start: t });
  });
  return { buckets, from: F, to: T };
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
 * The hash each bucket is read from, and which of its fields count: for groupBy=module the `t`
 * hash (fields are modules; with a filter only that module's field), for a dimension its hash of
 * the filtered module or its all-modules rollup (every field is a value of the dimension).
 */
function source(q: { pipelineId: string; viewId: string; groupBy: GroupBy }, module: string | undefined) {
  if (q.groupBy === 'module') {
    return {
      key: (b: Plan['buckets'][number]) => counterKey(q.pipelineId, q.viewId, b.res, b.start, 't', null),
      match: module === undefined ? undefined : (f: string) => f === module,
    };
  }
  const dim = q.groupBy;
  return { key: (b: Plan['buckets'][number]) => counterKey(q.pipelineId, q.viewId, b.res, b.start, dim, module ?? null), match: undefined };
}

const byCountDesc = <T extends { key: string }>(count: (x: T) => number) => (a: T, b: T) =>
  count(b) - count(a) || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);

export async function queryStats(store: Store, query: StatsQuery): Promise<StatsResult> {
  const q = parseQuery(query);
  if (q.to <= q.from) throw invalid('to', query.to, `to must be after from (${q.from}).`);
  const module = q.filter?.module === undefined ? undefined : encodeValue(q.filter.module);
  const { key, match } = source(q, module);

  if (q.granularity) {
    const plan = seriesPlan(q.from, q.to, q.granularity);
    const hashes = await store.readHashes(plan.buckets.map(key));
    const size = RESOLUTIONS[RES_OF[q.granularity]].bucketMs;
    const byKey = new Map<string, { key: string; total: number; values: number[] }>();
    for (let i = 0; i < hashes.length; i++) {
      const h = hashes[i];
      for (const f in h) {
        if (match !== undefined && !match(f)) continue;
        let s = byKey.get(f);
        if (!s) {
          s = { key: f, total: 0, values: new Array<number>(hashes.length).fill(0) };
          byKey.set(f, s);
        }
        s.values[i] += h[f];
        s.total += h[f];
      }
    }
    let sorted = [...byKey.values()].sort(byCountDesc((s) => s.total));
    if (q.limit !== undefined) sorted = sorted.slice(0, q.limit);
    return {
      groupBy: q.groupBy,
      granularity: q.granularity,
      from: plan.from,
      to: plan.to,
      series: sorted.map((s) => ({
        key: s.key,
        points: s.values.map((n, i): [number, number] => [plan.from + i * size, n]),
      })),
    };
  }

  const plan = breakdownPlan(q.from, q.to);
  const hashes = await store.readHashes(plan.buckets.map(key));
  const counts = new Map<string, number>();
  let total = 0;
  for (const h of hashes) {
    for (const f in h) {
      if (match !== undefined && !match(f)) continue;
      counts.set(f, (counts.get(f) ?? 0) + h[f]);
      total += h[f];
    }
  }
  let breakdown = [...counts].map(([key, count]) => ({ key, count })).sort(byCountDesc((x) => x.count));
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
