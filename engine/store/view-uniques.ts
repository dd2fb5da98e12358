/**
 * Unique visitors and top-N writes of a view, added to the same atomic batch as the counters:
 * HyperLogLog adds per module and hour/day bucket, and sorted-set increments of visits per module
 * and per region per hour/day bucket.
 */
import type { AtomicBatch } from './types';
import type { WindowCount } from './view-increments';
import { RESOLUTIONS, topKey, uniqueKey, type Resolution } from './view-keys';
import type { Retention } from './view-increments';

/** One visitor seen in a window: `hash` is the privacy hash (daily salt + IP + user agent). */
export interface UniqueVisitor {
  windowStart: number;
  module: string;
  hash: string;
}

const ROLLUPS: Resolution[] = ['h', 'd'];

export function uniqueWrites(
  pipelineId: string,
  viewId: string,
  visitors: readonly UniqueVisitor[],
  ttl: Retention = {},
): Pick<Required<AtomicBatch>, 'hllAdds' | 'expire'> {
  const sets = new Map<string, { res: Resolution; values: Set<string> }>();
  for (const v of visitors) {
    for (const res of ROLLUPS) {
      const size = RESOLUTIONS[res].bucketMs;
      const key = uniqueKey(pipelineId, viewId, res, Math.floor(v.windowStart / size) * size, v.module);
      let s = sets.get(key);
      if (!s) sets.set(key, (s = { res, values: new Set() }));
      s.values.add(v.hash);
    }
  }
  return {
    hllAdds: [...sets].map(([key, s]) => ({ key, values: [...s.values] })),
    expire: [...sets].map(([key, s]) => ({ key, seconds: ttl[s.res] ?? RESOLUTIONS[s.res].ttlSeconds })),
  };
}

export function topWrites(
  pipelineId: string,
  viewId: string,
  counts: readonly WindowCount[],
  ttl: Retention = {},
): Pick<Required<AtomicBatch>, 'zincrs' | 'expire'> {
  const sets = new Map<string, { res: Resolution; members: Map<string, number> }>();
  for (const c of counts) {
    const what = c.dim === 't' ? 'module' : c.dim === 'region' ? 'region' : undefined;
    if (!what) continue;
    const member = what === 'module' ? c.module : c.value;
    for (const res of ROLLUPS) {
      const size = RESOLUTIONS[res].bucketMs;
      const key = topKey(pipelineId, viewId, res, Math.floor(c.windowStart / size) * size, what);
      let s = sets.get(key);
      if (!s) sets.set(key, (s = { res, members: new Map() }));
      s.members.set(member, (s.members.get(member) ?? 0) + c.n);
    }
  }
  return {
    zincrs: [...sets].map(([key, s]) => ({ key, members: [...s.members].map(([member, by]) => ({ member, by })) })),
    expire: [...sets].map(([key, s]) => ({ key, seconds: ttl[s.res] ?? RESOLUTIONS[s.res].ttlSeconds })),
  };
}
