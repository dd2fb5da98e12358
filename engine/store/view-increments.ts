/**
 * Turns windowed counts into the sorted-set increments (ZINCRBY) of one Store.applyAtomic batch
 * (key layout: view-keys.ts). Every count lands in its minute bucket and is rolled up into its hour
 * and day buckets, so a query reads whichever resolution covers its range most cheaply; a dimension
 * count also goes to the all-modules rollup of its dimension, so a breakdown without a module filter
 * reads one set per bucket. Counts of the same key and member within the batch are summed first.
 * Hot path: key suffixes and members are built once per count, bucket prefixes once per minute.
 */
import { WeirError } from '../spec/errors';
import type { AtomicBatch } from './types';
import { RESERVED_VIEW_IDS, RESOLUTIONS, bucketPrefix, encodeValue, type Dim, type Resolution } from './view-keys';

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
  /** `weir:{<pid>}:<viewId>:<res>:<start>:` */
  prefix: string;
  res: Resolution;
  /** Key suffix (`t`, `<dim>:<module>`, `<dim>`) → member → count. */
  sets: Map<string, Map<string, number>>;
}

function add(b: Bucket, suffix: string, member: string, n: number): void {
  let h = b.sets.get(suffix);
  if (h === undefined) {
    h = new Map();
    b.sets.set(suffix, h);
  }
  h.set(member, (h.get(member) ?? 0) + n);
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
): { zincrs: Required<AtomicBatch>['zincrs']; expire: { key: string; seconds: number }[] } {
  assertViewIds(pipelineId, viewId);
  const buckets: Bucket[] = [];
  const byStart = new Map<string, Bucket>();
  const bucket = (res: Resolution, start: number): Bucket => {
    const id = `${res}${start}`;
    let b = byStart.get(id);
    if (b === undefined) {
      b = { prefix: bucketPrefix(pipelineId, viewId, res, start), res, sets: new Map() };
      byStart.set(id, b);
      buckets.push(b);
    }
    return b;
  };
  const byMinute = new Map<number, Bucket[]>();
  let lastMinute = NaN;
  let mb: Bucket | undefined;
  let hb: Bucket | undefined;
  let db: Bucket | undefined;
  let lastModule: string | undefined;
  let module = '';

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
    if (c.module !== lastModule) {
      lastModule = c.module;
      module = encodeValue(c.module);
    }
    const dim = c.dim;
    if (dim === 't') {
      add(mb!, 't', module, n);
      add(hb!, 't', module, n);
      add(db!, 't', module, n);
    } else {
      const suffix = `${dim}:${module}`;
      const value = encodeValue(c.value);
      add(mb!, suffix, value, n);
      add(hb!, suffix, value, n);
      add(db!, suffix, value, n);
      add(mb!, dim, value, n);
      add(hb!, dim, value, n);
      add(db!, dim, value, n);
    }
  }

  const seconds: Record<Resolution, number> = {
    m: ttl.m ?? RESOLUTIONS.m.ttlSeconds,
    h: ttl.h ?? RESOLUTIONS.h.ttlSeconds,
    d: ttl.d ?? RESOLUTIONS.d.ttlSeconds,
  };
  const zincrs: Required<AtomicBatch>['zincrs'] = [];
  const expire: { key: string; seconds: number }[] = [];
  for (const b of buckets) {
    for (const [suffix, counted] of b.sets) {
      const members: { member: string; by: number }[] = [];
      for (const [member, by] of counted) {
        // Counts that cancel out (corrections) need no write.
        if (by !== 0) members.push({ member, by });
      }
      if (members.length === 0) continue;
      const key = b.prefix + suffix;
      zincrs.push({ key, members });
      expire.push({ key, seconds: seconds[b.res] });
    }
  }
  return { zincrs, expire };
}
