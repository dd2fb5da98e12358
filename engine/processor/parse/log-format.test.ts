import { describe, expect, it } from 'vitest';
import { compileDateFormat } from './date-format';
import { ParseError } from './fields';
import { compileLogFormat, createLogFormatParser, splitsDateAndTime } from './log-format';

const parser = (format: string, dateFormat = '%d/%b/%Y:%H:%M:%S %z', timeFormat = '%H:%M:%S') =>
  createLogFormatParser(compileLogFormat(format), { name: 'custom', dateFormat: compileDateFormat(dateFormat), timeFormat: compileDateFormat(timeFormat) });

describe('log format compiler', () => {
  it('splits a format into fields and the literal text that ends each', () => {
    const f = compileLogFormat('[%h] %x "%r" %s');
    expect(f.prefix).toBe('[');
    expect(f.names).toEqual(['%h', '%x', '%r', '%s']);
    expect(f.seps).toEqual(['] ', ' "', '" ', '']);
    expect(f.escaped).toEqual([false, false, true, false]);
  });

  it.each([
    ['%h %Z [%x] "%r"', /unknown specifier %Z at column 4/],
    ['%h [%x] "%r" %', /"%" at the end at column 14/],
    ['%h%^ [%x] "%r"', /%h and %\^ at column 3 need literal text between them/],
    ['%^ [%x] "%r"', /needs %h/],
    ['%h "%r"', /needs a time/],
    ['%h [%x]', /needs %r .* or %U/],
    ['%h [%x] [%d:%t] "%r"', /either %x .* or %d\/%t/],
    ['%h %h [%x] "%r"', /%h appears twice; use %\^/],
    ['%h [%x] "%r" ~h{, ', /~h\{ at column 14 is missing its closing/],
    ['', /no specifiers/],
  ])('refuses %j', (format, message) => {
    expect(() => compileLogFormat(format)).toThrow(message);
  });

  it('accepts %% as a literal percent sign', () => {
    const p = parser('%h 100%% [%x] "%r"');
    expect(p('1.2.3.4 100% [10/Oct/2000:13:55:36 +0000] "GET / HTTP/1.1"')).toMatchObject({ ip: '1.2.3.4', path: '/' });
  });

  it('knows when the date and the time are apart', () => {
    expect(splitsDateAndTime(compileLogFormat('%h [%d:%t %^] "%r"'))).toBe(true);
    expect(splitsDateAndTime(compileLogFormat('%h [%t] "%r"'))).toBe(false);
  });
});

describe('log format scanner', () => {
  it('reads GoAccess combined with the date and time apart', () => {
    const p = parser('%h %^[%d:%t %^] "%r" %s %b "%R" "%u"', '%d/%b/%Y');
    expect(p('1.2.3.4 - - [10/Oct/2000:13:55:36 -0700] "GET /a?b=1 HTTP/1.1" 200 99 "http://r/" "UA 1"')).toEqual({
      ts: Date.UTC(2000, 9, 10, 13, 55, 36), ip: '1.2.3.4', method: 'GET', path: '/a?b=1', protocol: 'HTTP/1.1', status: 200, bytes: 99, referrer: 'http://r/', ua: 'UA 1',
    });
  });

  it('reads method, path, query and protocol as separate fields, with vhost, xff and duration', () => {
    const p = parser('%v %h %x "%m %U %q %H" %s %b %D "%u" "~h{, }"', '%Y-%m-%dT%H:%M:%S%z');
    expect(p('shop.example.com 10.0.0.1 2024-01-02T03:04:05Z "POST /cart ?id=7 HTTP/2.0" 201 5 1500 "curl/8" "203.0.113.9, 10.0.0.1"')).toEqual({
      ts: Date.UTC(2024, 0, 2, 3, 4, 5), ip: '10.0.0.1', method: 'POST', path: '/cart?id=7', protocol: 'HTTP/2.0', status: 201, bytes: 5, referrer: '-', ua: 'curl/8',
      vhost: 'shop.example.com', xff: '203.0.113.9, 10.0.0.1', durationMs: 1.5,
    });
  });

  it('adds "?" to a query that lacks one (nginx $args) and drops "-"', () => {
    const p = parser('%h [%x] %U %q');
    expect(p('::1 [10/Oct/2000:13:55:36 +0000] /a b=1')).toMatchObject({ path: '/a?b=1' });
    expect(p('::1 [10/Oct/2000:13:55:36 +0000] /a -')).toMatchObject({ path: '/a' });
  });

  it('keeps escaped quotes inside a quoted field', () => {
    const p = parser('%h [%x] "%r" %s %b "%R" "%u"');
    const v = p('1.2.3.4 [10/Oct/2000:13:55:36 +0000] "GET /q?x=\\"y\\" HTTP/1.1" 200 1 "-" "say \\"hi\\\\"');
    expect(v).toMatchObject({ path: '/q?x=\\"y\\"', ua: 'say \\"hi\\\\' });
  });

  it('ignores text after the last field, and a trailing newline', () => {
    const p = parser('%h [%x] "%r" %s');
    expect(p('1.2.3.4 [10/Oct/2000:13:55:36 +0000] "GET / HTTP/1.1" 200 "extra" "fields"\r\n')).toMatchObject({ status: 200 });
  });

  it('keeps %T seconds and %L milliseconds as durationMs; a duration that is not a number is dropped', () => {
    expect(parser('%h [%x] "%r" %T')('1.2.3.4 [10/Oct/2000:13:55:36 +0000] "GET / HTTP/1.1" 0.250')).toMatchObject({ durationMs: 250 });
    expect(parser('%h [%x] "%r" %L')('1.2.3.4 [10/Oct/2000:13:55:36 +0000] "GET / HTTP/1.1" 12')).toMatchObject({ durationMs: 12 });
    expect(parser('%h [%x] "%r" %T')('1.2.3.4 [10/Oct/2000:13:55:36 +0000] "GET / HTTP/1.1" -')).toMatchObject({ durationMs: undefined });
  });

  it.each([
    ['1.2.3.4 [10/Oct/2000:13:55:36 +0000 "GET / HTTP/1.1" 200', 'unparseable_line', /no "\] \\"" after %x/],
    ['1.2.3.4 [10/Oct/2000:13:55:36 +0000] "GET / HTTP/1.1" abc', 'unparseable_line', /status \(%s\) "abc" is not valid/],
    ['1.2.\uFFFD.4 [10/Oct/2000:13:55:36 +0000] "GET / HTTP/1.1" 200', 'unparseable_line', /client address/],
    ['1.2.3.4 [10/Oct/2000:13:\uFFFD:36 +0000] "GET / HTTP/1.1" 200', 'bad_timestamp', /does not match "%d\/%b\/%Y:%H:%M:%S %z"/],
    ['', 'unparseable_line', /custom log format/],
  ])('refuses %j', (line, code, reason) => {
    const r = parser('%h [%x] "%r" %s')(line);
    expect(r).toBeInstanceOf(ParseError);
    expect(r).toMatchObject({ code, reason: expect.stringMatching(reason) });
  });

  it('requires the literal prefix', () => {
    expect(parser('<%h> [%x] "%r"')('1.2.3.4 [10/Oct/2000:13:55:36 +0000] "GET / HTTP/1.1"')).toMatchObject({ code: 'unparseable_line', reason: expect.stringContaining('start with "<"') });
  });

  it('exact mode refuses trailing text', () => {
    const p = createLogFormatParser(compileLogFormat('%h [%x] "%r" %s %b'), { name: 'common', dateFormat: compileDateFormat('%d/%b/%Y:%H:%M:%S %z'), timeFormat: compileDateFormat('%H:%M:%S'), exact: true });
    expect(p('1.2.3.4 [10/Oct/2000:13:55:36 +0000] "GET / HTTP/1.1" 200 5')).toMatchObject({ bytes: 5 });
    expect(p('1.2.3.4 [10/Oct/2000:13:55:36 +0000] "GET / HTTP/1.1" 200 5 "x')).toBeInstanceOf(ParseError);
  });
});
