import { describe, expect, it } from 'vitest';
import { parseClfTime, parseCombined } from './parse-combined';

describe('combined log parsing', () => {
  it('parses a combined line', () => {
    const r = parseCombined('123.125.114.144 - frank [10/Oct/2000:13:55:36 -0700] "GET /news/a.html?x=1 HTTP/1.1" 200 2326 "http://example.com/" "Mozilla/5.0 (X11)"');
    expect(r).toEqual({
      ok: true,
      visit: { ts: Date.UTC(2000, 9, 10, 20, 55, 36), ip: '123.125.114.144', method: 'GET', path: '/news/a.html?x=1', protocol: 'HTTP/1.1', status: 200, bytes: 2326, referrer: 'http://example.com/', ua: 'Mozilla/5.0 (X11)' },
    });
  });

  it('accepts common format (no referrer / agent) and "-" bytes', () => {
    const r = parseCombined('::1 - - [01/Jan/2024:00:00:00 +0000] "GET / HTTP/1.0" 304 -');
    expect(r.ok && r.visit).toMatchObject({ ip: '::1', path: '/', bytes: 0, ua: '', referrer: '-' });
  });

  it.each([
    ['garbage', 'unparseable_line'],
    ['', 'unparseable_line'],
    ['1.2.3.4 - - [99/Foo/2000:13:55:36 -0700] "GET / HTTP/1.1" 200 1 "-" "-"', 'bad_timestamp'],
  ])('rejects %j with %s', (line, code) => {
    const r = parseCombined(line);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.code).toBe(code);
  });

  it('parses time zones', () => {
    expect(parseClfTime('01/Jan/2024:08:00:00 +0800')).toBe(Date.UTC(2024, 0, 1, 0, 0, 0));
    expect(Number.isNaN(parseClfTime('short'))).toBe(true);
  });
});
