/** A record as read from a topic. */
export interface RawRecord {
  value: string;
  key: string | null;
  partition: number;
  offset: number;
  timestamp: number;
}

/** A parsed page view; enrichment operators return copies with more fields set (see VisitRecord). */
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

/**
 * A Visit with every field present from the start (optional ones undefined), so all visits share
 * one object shape. Enrichment operators copy it with `copyVisit` and set their fields on the copy:
 * a fixed-shape copy is several times cheaper than `{ ...v, extra }` on the hot path, and the input
 * batch stays untouched (operators never mutate their input).
 */
export class VisitRecord implements Visit {
  ts: number;
  ip: string;
  method: string;
  path: string;
  protocol: string;
  status: number;
  bytes: number;
  referrer: string;
  ua: string;
  module?: string = undefined;
  country?: string = undefined;
  region?: string = undefined;
  city?: string = undefined;
  browser?: string = undefined;
  os?: string = undefined;
  device?: string = undefined;
  bot?: boolean = undefined;
  vhost?: string = undefined;
  xff?: string = undefined;
  durationMs?: number = undefined;

  constructor(ts: number, ip: string, method: string, path: string, protocol: string, status: number, bytes: number, referrer: string, ua: string) {
    this.ts = ts;
    this.ip = ip;
    this.method = method;
    this.path = path;
    this.protocol = protocol;
    this.status = status;
    this.bytes = bytes;
    this.referrer = referrer;
    this.ua = ua;
  }
}

/**
 * A copy of `v` to set more fields on. Any other own fields of a plain-object visit (a test's
 * partial visit, a future parser's extra field) are carried over too, so nothing is lost.
 */
export function copyVisit(v: Visit): VisitRecord {
  const c = new VisitRecord(v.ts, v.ip, v.method, v.path, v.protocol, v.status, v.bytes, v.referrer, v.ua);
  if (v instanceof VisitRecord) {
    c.module = v.module;
    c.country = v.country;
    c.region = v.region;
    c.city = v.city;
    c.browser = v.browser;
    c.os = v.os;
    c.device = v.device;
    c.bot = v.bot;
    c.vhost = v.vhost;
    c.xff = v.xff;
    c.durationMs = v.durationMs;
    return c;
  }
  return Object.assign(c, v);
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
