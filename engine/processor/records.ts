/** A record as read from a topic. */
export interface RawRecord {
  value: string;
  key: string | null;
  partition: number;
  offset: number;
  timestamp: number;
}

/** A parsed page view; enrichment operators return copies with more fields set. */
export interface Visit {
  /** Event time (ms), from the log line itself. */
  ts: number;
  ip: string;
  method: string;
  path: string;
  protocol: string;
  status: number;
  bytes: number;
  referrer: string;
  ua: string;
  module?: string;
  country?: string;
  region?: string;
  city?: string;
  browser?: string;
  os?: string;
  device?: string;
  bot?: boolean;
  /** Virtual host the request was served by, when the log format carries it (vcombined %v, nginx $host). */
  vhost?: string;
  /** Raw X-Forwarded-For value, when the log format carries it. */
  xff?: string;
  /** Time taken to serve the request (ms), when the log format carries it (%D, %T, $request_time). */
  durationMs?: number;
}

/** A record that an operator could not handle, with the reason; never dropped silently. */
export interface DeadLetter {
  nodeId: string;
  code: string;
  reason: string;
  /** The offending input, truncated. */
  record: string;
  partition?: number;
  offset?: number;
  at: number;
}

const MAX_DEAD_RECORD = 2_000;

export function deadLetter(nodeId: string, code: string, reason: string, record: unknown, where?: { partition?: number; offset?: number }): DeadLetter {
  const text = typeof record === 'string' ? record : JSON.stringify(record);
  return {
    nodeId,
    code,
    reason,
    record: text.length > MAX_DEAD_RECORD ? `${text.slice(0, MAX_DEAD_RECORD)}…` : text,
    partition: where?.partition,
    offset: where?.offset,
    at: Date.now(),
  };
}
