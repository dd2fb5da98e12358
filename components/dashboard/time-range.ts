import type { Granularity } from '@/components/api/types';

export type TimeRangeId = '15m' | '1h' | '24h';

export interface TimeRange {
  id: TimeRangeId;
  ms: number;
  /** The line chart's bucket size: minutes for short ranges, hours for a day. */
  granularity: Granularity;
}

export const timeRanges: TimeRange[] = [
  { id: '15m', ms: 15 * 60_000, granularity: 'minute' },
  { id: '1h', ms: 60 * 60_000, granularity: 'minute' },
  { id: '24h', ms: 24 * 60 * 60_000, granularity: 'hour' },
];

export const defaultTimeRange = timeRanges[1];

export const bucketMs: Record<Granularity, number> = { minute: 60_000, hour: 3_600_000, day: 86_400_000 };

/** `from`/`to` for a query made now: the range ending at this moment. */
export const windowOf = (range: TimeRange, now = Date.now()) => ({ from: now - range.ms, to: now });
