/**
 * Turns windowed counts into the increments of one Store.applyAtomic batch: every count lands in
 * its minute bucket and is rolled up into its hour and day buckets under the same field, so a
 * query can read whichever resolution covers its range most cheaply. Hot path: one field string
 * and three map updates per count; bucket keys are built once per distinct minute.
 */
import { WeirError } from '../spec/errors';
import type { HashIncrement } from './types';
import { RESERVED_VIEW_IDS, RESOLUTIONS, counterKey, field, type Dim, type Resolution } from './view-keys';

export interface WindowCount {
  /** Start of the one-minute window, epoch ms (a non-aligned value is floored to its minute). */
  windowStart: number;
  module: string;
  dim: Dim;
  /** Ignored for dim `t`. */
  value: string;
  n: number;
}

/** EXPIRE seconds per resolution; defaults from RESOLUTIONS. */
export type Retention = Partial<Record<Resolution, number>>;

interface Bucket {
  key: string;
  res: Resolution;
  fields: Map<string, number>;
}

const MINUTE = RESOLUTIONS.m.bucketMs;
const HOUR = RESOLUTIONS.h.bucketMs;
const DAY = RESOLUTIONS.d.bucketMs;

/** Throws WeirError `invalid_view_key` if the ids would break the key layout. */
export function assertViewIds(pipelineId: string, viewId: string): void {
  if (!pipelineId || /[{}\s]/.test(pipelineId)) {
    throw new WeirError('invalid_view_key', `pipelineId ${JSON.stringify(pipelineId)} must be non-empty, without braces or spaces.`);
  }
  if (!viewId || /[:{}\s]/.test(viewId) || RESERVED_VIEW_IDS.includes(viewId)) {
    throw new WeirError(
      'invalid_view_key',
      `viewId ${JSON.stringify(viewId)} must be non-empty, without ":", braces or spaces, and not one of ${RESERVED_VIEW_IDS.join(', ')}.`,
    );
  }
}

export function countIncrements(
  pipelineId: string,
  viewId: string,
  counts: readonly WindowCount[],
  ttl: Retention = {},
): { increments: HashIncrement[]; expire: { key: string; seconds: number }[] } {
  assertViewIds(pipelineId, viewId);
  const buckets = new Map<string, Bucket>();
  const bucket = (res: Resolution, start: number): Bucket => {
    const key = counterKey(pipelineId, viewId, res, start);
    let b = buckets.get(key);
    if (b === undefined) {
      b = { key, res, fields: new Map() };
      buckets.set(key, b);
    }
    return b;
  };
  const byMinute = new Map<number, Bucket[]>();
  let lastMinute = NaN;
  let mb: Bucket | undefined;
  let hb: Bucket | undefined;
  let db: Bucket | undefined;

  for (let i = 0; i < counts.length; i++) {
    const c = counts[i];
    const n = c.n;
    if (n === 0) continue;
    const minute = Math.floor(c.windowStart / MINUTE) * MINUTE;
    if (minute !== lastMinute) {
      let trio = byMinute.get(minute);
      if (trio === undefined) {
        trio = [
          bucket('m', minute),
          bucket('h', Math.floor(minute / HOUR) * HOUR),
          bucket('d', Math.floor(minute / DAY) * DAY),
        ];
        byMinute.set(minute, trio);
      }
      [mb, hb, db] = trio;
      lastMinute = minute;
    }
    const f = field(c.dim, c.module, c.value);
    const mf = mb!.fields;
    const hf = hb!.fields;
    const df = db!.fields;
    mf.set(f, (mf.get(f) ?? 0) + n);
    hf.set(f, (hf.get(f) ?? 0) + n);
    df.set(f, (df.get(f) ?? 0) + n);
  }

  const seconds: Record<Resolution, number> = {
    m: ttl.m ?? RESOLUTIONS.m.ttlSeconds,
    h: ttl.h ?? RESOLUTIONS.h.ttlSeconds,
    d: ttl.d ?? RESOLUTIONS.d.ttlSeconds,
  };
  const increments: HashIncrement[] = [];
  const expire: { key: string; seconds: number }[] = [];
  for (const b of buckets.values()) {
    let any = false;
    for (const [f, by] of b.fields) {
      // Counts that cancel out (corrections) need no write.
      if (by === 0) continue;
      increments.push({ key: b.key, field: f, by });
      any = true;
    }
    if (any) expire.push({ key: b.key, seconds: seconds[b.res] });
  }
  return { increments, expire };
}
