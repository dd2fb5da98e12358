import { describe, expect, it } from 'vitest';
import { ParseError, truncate } from './fields';
import { createLineParser, parseCombined } from './formats';

describe('built-in formats', () => {
  it('parses a combined line', () => {
    const r = parseCombined('123.125.114.144 - frank [10/Oct/2000:13:55:36 -0700] "GET /news/a.html?x=1 HTTP/1.1" 200 2326 "http://example.com/" "Mozilla/5.0 (X11)"');
    expect(r).toEqual({
      ok: true,
      visit: { ts: Date.UTC(2000, 9, 10, 20, 55, 36), ip: '123.125.114.144', method: 'GET', path: '/news/a.html?x=1', protocol: 'HTTP/1.1', status: 200, bytes: 2326, referrer: 'http://example.com/', ua: 'Mozilla/5.0 (X11)' },
    });
  });

  it('combined also reads a common line (no referrer / agent) and "-" bytes', () => {
    const r = parseCombined('::1 - - [01/Jan/2024:00:00:00 +0000] "GET / HTTP/1.0" 304 -');
    expect(r.ok && r.visit).toMatchObject({ ip: '::1', path: '/', bytes: 0, ua: '', referrer: '-' });
  });

  it('combined refuses a combined line cut short instead of reading it as common', () => {
    const r = parseCombined('1.2.3.4 - - [01/Jan/2024:00:00:00 +0000] "GET / HTTP/1.0" 200 5 "http://r/" "Mozil');
    expect(r).toMatchObject({ ok: false, code: 'unparseable_line' });
  });

  it('combined ignores nginx "main" extras after the user agent', () => {
    const r = parseCombined('1.2.3.4 - - [01/Jan/2024:00:00:00 +0000] "GET / HTTP/1.0" 200 5 "-" "UA" "10.0.0.1"');
    expect(r.ok && r.visit).toMatchObject({ ua: 'UA' });
  });

  it('a request line without spaces keeps the text as the path', () => {
    const r = parseCombined('1.2.3.4 - - [01/Jan/2024:00:00:00 +0000] "-" 408 0 "-" "-"');
    expect(r.ok && r.visit).toMatchObject({ method: '-', path: '-', protocol: '' });
  });

  it('common reads the CLF fields of a combined line', () => {
    const p = createLineParser({ format: 'common' });
    expect(p('1.2.3.4 - - [01/Jan/2024:00:00:00 +0000] "GET /a HTTP/1.0" 200 5 "-" "UA"')).toMatchObject({ path: '/a', bytes: 5, ua: '', referrer: '-' });
  });

  it('vcombined reads the vhost before the client', () => {
    const p = createLineParser({ format: 'vcombined' });
    expect(p('www.example.com:443 1.2.3.4 - - [01/Jan/2024:00:00:00 +0000] "GET /a HTTP/1.1" 200 5 "-" "UA"')).toMatchObject({ vhost: 'www.example.com', ip: '1.2.3.4', path: '/a' });
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

  it('names the format in the reason', () => {
    const r = parseCombined('garbage');
    expect(!r.ok && r.reason).toContain('combined log format (%h %^ %^ [%x] "%r" %s %b "%R" "%u")');
  });

  it('uses the configured dateFormat for built-in formats', () => {
    const p = createLineParser({ format: 'combined', dateFormat: '%Y-%m-%d %H:%M:%S' });
    expect(p('1.2.3.4 - - [2024-01-02 03:04:05] "GET / HTTP/1.1" 200 1 "-" "-"')).toMatchObject({ ts: Date.UTC(2024, 0, 2, 3, 4, 5) });
  });
});

describe('nginx-json', () => {
  const p = createLineParser({ format: 'nginx-json' });
  const line = (o: Record<string, unknown>) => JSON.stringify({ remote_addr: '1.2.3.4', time_local: '01/Jan/2024:08:00:00 +0800', request: 'GET /a?b=1 HTTP/1.1', status: '200', body_bytes_sent: '12', http_referer: '-', http_user_agent: 'UA', ...o });

  it('reads nginx variables', () => {
    expect(p(line({ http_x_forwarded_for: '9.9.9.9', host: 'example.com', request_time: '0.012' }))).toEqual({
      ts: Date.UTC(2024, 0, 1), ip: '1.2.3.4', method: 'GET', path: '/a?b=1', protocol: 'HTTP/1.1', status: 200, bytes: 12, referrer: '-', ua: 'UA',
      vhost: 'example.com', xff: '9.9.9.9', durationMs: 12,
    });
  });

  it.each([
    [{ time_local: undefined, time_iso8601: '2024-01-01T08:00:00+08:00' }],
    [{ time_local: undefined, time_iso8601: '2024-01-01T00:00:00.000Z' }],
    [{ time_local: undefined, msec: '1704067200.000' }],
    [{ time_local: undefined, msec: 1704067200 }],
  ])('reads the time from %j', (o) => {
    expect(p(line(o))).toMatchObject({ ts: Date.UTC(2024, 0, 1) });
  });

  it('reads method + uri + args when there is no request', () => {
    expect(p(line({ request: undefined, request_method: 'POST', request_uri: undefined, uri: '/x', args: 'q=1', server_protocol: 'HTTP/2.0', status: 201 }))).toMatchObject({
      method: 'POST', path: '/x?q=1', protocol: 'HTTP/2.0', status: 201,
    });
  });

  it('reads mapped keys, a mapped time with dateFormat', () => {
    const q = createLineParser({ format: 'nginx-json', dateFormat: '%Y-%m-%d %H:%M:%S', jsonFields: [{ field: 'ip', key: 'client' }, { field: 'time', key: 'when' }] });
    expect(q(JSON.stringify({ client: '::1', when: '2024-01-01 00:00:00', request: 'GET / HTTP/1.1', status: 200 }))).toMatchObject({ ip: '::1', ts: Date.UTC(2024, 0, 1), bytes: 0, ua: '' });
  });

  it.each([
    ['{"remote_addr": ', 'unparseable_line', /nginx-json format: not JSON \(/],
    ['[1,2]', 'unparseable_line', /not a JSON object/],
    [line({ remote_addr: undefined }), 'unparseable_line', /no "remote_addr" field/],
    [line({ remote_addr: '1.2.3.\uFFFD' }), 'unparseable_line', /client address/],
    [line({ time_local: undefined }), 'unparseable_line', /no "time_local" or "time_iso8601" or "msec" field/],
    [line({ time_local: '01/Jan/2024:08:00:00 +08\uFFFD0' }), 'bad_timestamp', /timestamp/],
    [line({ status: 'OK' }), 'unparseable_line', /status "OK"/],
    [line({ request: undefined }), 'unparseable_line', /no "request" or "request_uri" or "uri" field/],
  ])('refuses %j', (text, code, reason) => {
    expect(p(text)).toMatchObject({ code, reason: expect.stringMatching(reason) });
    expect(p(text)).toBeInstanceOf(ParseError);
  });
});

describe('field caps', () => {
  it('marks truncation and never splits a surrogate pair', () => {
    expect(truncate('abcdef', 3)).toBe('abc…');
    expect(truncate('ab😀', 3)).toBe('ab…');
    expect(truncate('abc', 3)).toBe('abc');
  });

  it('caps path, user agent and referrer of an accepted line', () => {
    const v = parseCombined(`1.2.3.4 - - [01/Jan/2024:00:00:00 +0000] "GET /${'p'.repeat(3000)} HTTP/1.1" 200 1 "${'r'.repeat(3000)}" "${'u'.repeat(3000)}"`);
    expect(v.ok && [v.visit.path.length, v.visit.referrer.length, v.visit.ua.length]).toEqual([2049, 2049, 1025]);
    expect(v.ok && v.visit.ua.endsWith('u…')).toBe(true);
  });
});
