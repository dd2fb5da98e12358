/**
 * Unique-visitor and top-N queries. Unique visitors come from the HyperLogLogs of view-uniques.ts,
 * which exist for hour and day buckets only, so [from, to) is rounded out to whole hours. Top-N is
 * a breakdown with a limit (stats-query.ts): exact, from the `t` sets (modules) or the region
 * rollups, at minute precision. Each is one round trip to the store.
 */
import { WeirError } from '../spec/errors';
import type { Store } from './types';
import { queryStats, type BreakdownResult } from './stats-query';
import { RESOLUTIONS, uniqueKey, type Resolution } from './view-keys';

const HOUR = RESOLUTIONS.h.bucketMs;
const DAY = RESOLUTIONS.d.bucketMs;
const MAX_KEYS = 20_000;

/** Whole days from day buckets, the hour edges from hour buckets. */
function hourDayCover(from: number, to: number): { res: Resolution; start: number }[] {
  const F = Math.floor(from / HOUR) * HOUR;
  const T = Math.ceil(to / HOUR) * HOUR;
  const out: { res: Resolution; start: number }[] = [];
  const ds = Math.ceil(F / DAY) * DAY;
  const de = Math.floor(T / DAY) * DAY;
  if (ds < de) {
    for (let t = F; t < ds; t += HOUR) out.push({ res: 'h', start: t });
    for (let t = ds; t < de; t += DAY) out.push({ res: 'd', start: t });
    for (let t = de; t < T; t += HOUR) out.push({ res: 'h', start: t });
  } else {
    for (let t = F; t < T; t += HOUR) out.push({ res: 'h', start: t });
  }
  return out;
}

function checkRange(from: number, to: number) {
  if (!Number.isFinite(from) || !Number.isFinite(to) || to <= from) {
    throw new WeirError('invalid_stats_query', `from/to: expected epoch milliseconds with to after from; got ${from} and ${to}.`, { status: 400 });
  }
}

/**
 * Distinct visitors over [from, to) (rounded out to hours) for the given modules: the union of
 * their HyperLogLogs, so a visitor seen in two modules or two hours counts once.
 */
export async function queryUniques(
  store: Store,
  q: { pipelineId: string; viewId: string; from: number; to: number; modules: string[] },
): Promise<{ from: number; to: number; uniques: number }> {
  checkRange(q.from, q.to);
  const cover = hourDayCover(q.from, q.to);
  if (cover.length * q.modules.length > MAX_KEYS) {
    throw new WeirError('range_too_large', `Counting visitors over this range reads ${cover.length * q.modules.length} sketches; at most ${MAX_KEYS}. Use a shorter range or one module.`, { status: 400 });
  }
  const keys = cover.flatMap((b) => q.modules.map((m) => uniqueKey(q.pipelineId, q.viewId, b.res, b.start, m)));
  return { from: Math.floor(q.from / HOUR) * HOUR, to: Math.ceil(q.to / HOUR) * HOUR, uniques: keys.length ? await store.countUnique(keys) : 0 };
}

/** Top modules or regions by visits over [from, to) (rounded out to whole minutes): an exact breakdown. */
export async function queryTop(
  store: Store,
  q: { pipelineId: string; viewId: string; from: number; to: number; what: 'module' | 'region'; limit: number },
): Promise<{ from: number; to: number; top: { key: string; count: number }[] }> {
  checkRange(q.from, q.to);
  const r = (await queryStats(store, { pipelineId: q.pipelineId, viewId: q.viewId, from: q.from, to: q.to, groupBy: q.what, limit: q.limit })) as BreakdownResult;
  return { from: r.from, to: r.to, top: r.breakdown };
}
