import type { Visit } from './records';

/**
 * Apache/nginx combined log format:
 *   %h %l %u [%t] "%r" %>s %b "%{Referer}i" "%{User-agent}i"
 * Hand-rolled regex + date parse: this is the hot path (millions of lines), Date.parse is slow
 * and locale-free month names are the only thing to map.
 */
const COMBINED = /^(\S+) \S+ \S+ \[([^\]]+)\] "([^"\\]*(?:\\.[^"\\]*)*)" (\d{3}) (\d+|-)(?: "([^"\\]*(?:\\.[^"\\]*)*)" "([^"\\]*(?:\\.[^"\\]*)*)")?/;
const MONTHS: Record<string, number> = { Jan: 0, Feb: 1, Mar: 2, Apr: 3, May: 4, Jun: 5, Jul: 6, Aug: 7, Sep: 8, Oct: 9, Nov: 10, Dec: 11 };

export type ParseResult = { ok: true; visit: Visit } | { ok: false; code: string; reason: string };

/** `10/Oct/2000:13:55:36 -0700` → epoch ms, or NaN. */
export function parseClfTime(s: string): number {
  if (s.length < 26) return NaN;
  const day = +s.slice(0, 2);
  const month = MONTHS[s.slice(3, 6)];
  const year = +s.slice(7, 11);
  const h = +s.slice(12, 14);
  const m = +s.slice(15, 17);
  const sec = +s.slice(18, 20);
  const sign = s[21] === '-' ? -1 : 1;
  const offset = sign * (+s.slice(22, 24) * 60 + +s.slice(24, 26));
  if (month === undefined || [day, year, h, m, sec, offset].some(Number.isNaN)) return NaN;
  return Date.UTC(year, month, day, h, m, sec) - offset * 60_000;
}

export function parseCombined(line: string): ParseResult {
  const m = COMBINED.exec(line);
  if (!m) return { ok: false, code: 'unparseable_line', reason: 'line does not match the combined log format (%h %l %u [%t] "%r" %>s %b "%{Referer}i" "%{User-agent}i")' };
  const ts = parseClfTime(m[2]);
  if (Number.isNaN(ts)) return { ok: false, code: 'bad_timestamp', reason: `timestamp "${m[2]}" is not dd/Mon/yyyy:HH:mm:ss ±zzzz` };
  const request = m[3];
  const sp1 = request.indexOf(' ');
  const sp2 = request.lastIndexOf(' ');
  const method = sp1 > 0 ? request.slice(0, sp1) : '-';
  const path = sp1 > 0 ? (sp2 > sp1 ? request.slice(sp1 + 1, sp2) : request.slice(sp1 + 1)) : request;
  return {
    ok: true,
    visit: {
      ts,
      ip: m[1],
      method,
      path,
      protocol: sp2 > sp1 ? request.slice(sp2 + 1) : '',
      status: +m[4],
      bytes: m[5] === '-' ? 0 : +m[5],
      referrer: m[6] ?? '-',
      ua: m[7] ?? '',
    },
  };
}
