/**
 * Unique-visitor writes of a view, added to the same atomic batch as the counters: HyperLogLog adds
 * per module and hour/day bucket. (Top-N needs no writes of its own: the counters answer it.)
 */
import type { AtomicBatch } from './types';
import { RESOLUTIONS, uniqueKey, type Resolution } from './view-keys';
import type { Retention } from './view-increments';

/** One visitor seen in a window: `hash` is the privacy hash (daily salt + IP + user agent). */
export interface UniqueVisitor {
  windowStart: number;
  module: string;
  hash: string;
}

const ROLLUPS: Resolution[] = ['h', 'd'];

/**
 * The write targets of a batch by (resolution, bucket start, sub-key), in order of first use. Hot
 * path: a lookup is three Map reads on values the caller already has; the Redis key string is
 * only built once per target, not once per visitor.
 */
class Targets<T> {
  /** Redis key → target, in order of first use. */
  readonly byKey = new Map<string, { res: Resolution; target: T }>();
  private readonly index = new Map<Resolution, Map<number, Map<string, T>>>();
  constructor(
    private readonly keyOf: (res: Resolution, start: number, sub: string) => string,
    private readonly make: () => T,
  ) {}

  get(res: Resolution, start: number, sub: string): T {
    let starts = this.index.get(res);
    if (!starts) this.index.set(res, (starts = new Map()));
    let subs = starts.get(start);
    if (!subs) starts.set(start, (subs = new Map()));
    let t = subs.get(sub);
    if (t === undefined) {
      // Two sub-keys can encode to the same Redis key (encodeValue is lossy): they share a target.
      const key = this.keyOf(res, start, sub);
      const known = this.byKey.get(key);
      t = known ? known.target : this.make();
      if (!known) this.byKey.set(key, { res, target: t });
      subs.set(sub, t);
    }
    return t;
  }
}

const bucketOf = (ts: number, res: Resolution) => {
  const size = RESOLUTIONS[res].bucketMs;
  return Math.floor(ts / size) * size;
};

export function uniqueWrites(
  pipelineId: string,
  viewId: string,
  visitors: readonly UniqueVisitor[],
  ttl: Retention = {},
): Pick<Required<AtomicBatch>, 'hllAdds' | 'expire'> {
  const sets = new Targets<Set<string>>((res, start, module) => uniqueKey(pipelineId, viewId, res, start, module), () => new Set());
  for (let i = 0; i < visitors.length; i++) {
    const v = visitors[i];
    for (const res of ROLLUPS) sets.get(res, bucketOf(v.windowStart, res), v.module).add(v.hash);
  }
  const hllAdds: Required<AtomicBatch>['hllAdds'] = [];
  const expire: Required<AtomicBatch>['expire'] = [];
  for (const [key, { res, target }] of sets.byKey) {
    hllAdds.push({ key, values: [...target] });
    expire.push({ key, seconds: ttl[res] ?? RESOLUTIONS[res].ttlSeconds });
  }
  return { hllAdds, expire };
}
