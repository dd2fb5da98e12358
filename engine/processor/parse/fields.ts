import { VisitRecord, type Visit } from '../records';

/**
 * What every line format shares once its fields are found: checking the client address, splitting
 * the request line, capping giant fields, building the Visit.
 */

/** A line that could not become a visit; `code` is the dead letter's code. */
export class ParseError {
  constructor(readonly code: string, readonly reason: string) {}
}

export type LineParser = (line: string) => Visit | ParseError;

/**
 * Caps for fields inside an accepted line: a 16 KB user agent is an attack or a bug, and every cached,
 * counted or stored copy of it would cost memory downstream.
 */
export const FIELD_LIMITS = { path: 2048, ua: 1024, referrer: 2048 } as const;

/** `s` cut to `max` chars, marked with a trailing `…`; never splits a surrogate pair. */
export function truncate(s: string, max: number): string {
  if (s.length <= max) return s;
  const code = s.charCodeAt(max - 1);
  const cut = code >= 0xd800 && code <= 0xdbff ? max - 1 : max;
  return `${s.slice(0, cut)}…`;
}

/**
 * An IPv4/IPv6 address or a host name (Apache with HostnameLookups on). Anything else, including the
 * U+FFFD that replaces bytes that were not UTF-8, means the line is not what the format says.
 */
export function isHostToken(s: string): boolean {
  if (s.length === 0 || s.length > 255) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    const ok =
      (c >= 48 && c <= 58) /* 0-9 : */ || ((c | 32) >= 97 && (c | 32) <= 122) /* letters */ || c === 46 /* . */ || c === 45 /* - */ || c === 95 /* _ */ || c === 37; /* % (IPv6 zone) */
    if (!ok) return false;
  }
  return true;
}

/** A non-negative integer of up to `maxDigits` digits in s[start, end), or -1. */
export function readInt(s: string, start: number, end: number, maxDigits: number): number {
  if (end <= start || end - start > maxDigits) return -1;
  let v = 0;
  for (let i = start; i < end; i++) {
    const c = s.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return -1;
    v = v * 10 + c;
  }
  return v;
}

/** Response size: digits, or `-` (Apache's %b for an empty body) meaning 0; -1 when neither. */
export function readBytes(s: string, start: number, end: number): number {
  if (end - start === 1 && s.charCodeAt(start) === 45) return 0;
  return readInt(s, start, end, 15);
}

/**
 * The request line `METHOD target PROTOCOL` in s[start, end) → `request` (one reused object: parsing
 * is synchronous). A line without spaces (`-`, or the bytes of a TLS handshake sent to port 80) keeps
 * the whole text as the path, with method `-`.
 */
export const request = { method: '-', path: '', protocol: '' };

export function splitRequest(s: string, start: number, end: number): void {
  let sp1 = s.indexOf(' ', start);
  if (sp1 >= end) sp1 = -1;
  if (sp1 <= start) {
    request.method = '-';
    request.path = s.slice(start, end);
    request.protocol = '';
    return;
  }
  const sp2 = s.lastIndexOf(' ', end - 1);
  request.method = s.slice(start, sp1);
  if (sp2 > sp1) {
    request.path = s.slice(sp1 + 1, sp2);
    request.protocol = s.slice(sp2 + 1, end);
  } else {
    request.path = s.slice(sp1 + 1, end);
    request.protocol = '';
  }
}

/** Every format builds its visits here, so they share one shape (one hidden class) and one set of caps. */
export function makeVisit(ts: number, ip: string, method: string, path: string, protocol: string, status: number, bytes: number, referrer: string, ua: string): Visit {
  return new VisitRecord(
    ts,
    ip,
    method,
    path.length > FIELD_LIMITS.path ? truncate(path, FIELD_LIMITS.path) : path,
    protocol,
    status,
    bytes,
    referrer.length > FIELD_LIMITS.referrer ? truncate(referrer, FIELD_LIMITS.referrer) : referrer,
    ua.length > FIELD_LIMITS.ua ? truncate(ua, FIELD_LIMITS.ua) : ua,
  );
}

/** Apache writes `-` for an absent header or value. */
export const isAbsent = (s: string | undefined): boolean => s === undefined || s === '' || s === '-';
