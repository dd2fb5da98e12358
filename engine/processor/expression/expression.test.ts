import { describe, expect, it } from 'vitest';
import type { Visit } from '../records';
import { compileExpression } from './compile';
import { ExpressionError, tokenize } from './lexer';
import { parseExpression } from './parser';
import { compileUserRegex } from './regex';

const visit: Visit = {
  ts: 0, ip: '1.2.3.4', method: 'GET', path: '/news/a?x=1', protocol: 'HTTP/1.1', status: 404, bytes: 512, referrer: '-', ua: 'Mozilla/5.0 Googlebot/2.1',
  module: 'news', country: 'CN',
};

describe('expression language', () => {
  it.each([
    ['status == 404', true],
    ['status != 404', false],
    ['status >= 400 && status < 500', true],
    ['status > 404 || bytes <= 512', true],
    ['bytes < 512', false],
    ['method == "GET" && path ~ "^/news/"', true],
    ["method == 'POST'", false],
    ['path !~ "^/news/"', false],
    ['ua ~ /googlebot/i', true],
    ['ua ~ /googlebot/', false],
    ['country in ["CN", "US"]', true],
    ['status in [200, 304]', false],
    ['status in []', false],
    ['!(country in ["CN"])', false],
    ['!status == 200', true],
    ['!!(status == 404)', true],
    ['city == ""', true],
    ['vhost == "" && xff == ""', true],
    ['module == "news" && (status == 200 || status == 404) && !(ua ~ "curl")', true],
    ['path ~ "\\\\?x="', true],
    ['path ~ /\\/a\\?/', true],
    ['"a" < "b"', true],
    ['status > -1', true],
    ['bytes == 512.0', true],
  ])('%s → %s', (src, expected) => {
    expect(compileExpression(src)(visit)).toBe(expected);
  });

  it.each([
    ['status == 200 && (path ~ "x"', 'expected ")" at column 29, found end of expression'],
    ['(status == 200', 'expected ")" at column 15, found end of expression'],
    ['status = 200', 'unexpected character "=" at column 8 (use == to compare)'],
    ['status == 200 & bytes > 1', 'unexpected character "&" at column 15 (use &&)'],
    ['status', 'expected a comparison (==, !=, <, <=, >, >=, ~, !~ or in) after status at column 7, found end of expression'],
    ['status ==', 'expected a field name, number or string at column 10, found end of expression'],
    ['status == 200 status', 'expected &&, || or the end of the expression at column 15, found "status"'],
    ['colour == "red"', 'unknown field "colour" at column 1; fields: status, bytes, method'],
    ['constructor == "x"', 'unknown field "constructor" at column 1'],
    ['status == "200"', 'cannot compare status (a number) with "200" (a string) at column 8'],
    ['status ~ "2.."', 'status is a number; ~ matches text at column 8'],
    ['path ~ 3', 'expected a regular expression ("…" or /…/) at column 8, found "3"'],
    ['path ~ "("', 'regular expression at column 8 is not a valid regular expression'],
    ['path ~ /x/g', 'regular expression flag "g" at column 8 is not allowed'],
    ['country in ["CN" "US"]', 'expected "," at column 18, found "US"'],
    ['country in [1]', 'country is a string; the list item at column 13 is a number'],
    ['country in "CN"', 'expected "[" at column 12, found "CN"'],
    ['path == "abc', 'string starting at column 9 is not closed with "'],
    ['path ~ /abc', 'regular expression starting at column 8 is not closed with /'],
    ['path == "\\q"', 'unknown escape "\\q" at column 10'],
    ['', 'the expression is empty'],
    ['status == 1 && # comment', 'unexpected character "#" at column 16'],
  ])('%j fails: %s', (src, message) => {
    expect(() => parseExpression(src)).toThrow(ExpressionError);
    expect(() => parseExpression(src)).toThrow(message);
  });

  it('reports the column of the error', () => {
    try {
      parseExpression('status == 200 && (path ~ "x"');
      expect.unreachable();
    } catch (e) {
      expect((e as ExpressionError).column).toBe(29);
    }
  });

  it('refuses absurd nesting instead of overflowing the stack', () => {
    expect(() => parseExpression(`${'('.repeat(500)}status == 1${')'.repeat(500)}`)).toThrow(/nests deeper than 64/);
  });

  it('parses to a plain, serialisable tree', () => {
    expect(parseExpression('status >= 400 && !(path ~ /^\\/api/i)')).toEqual({
      kind: 'and',
      left: { kind: 'compare', op: '>=', left: { kind: 'field', name: 'status' }, right: { kind: 'literal', value: 400 } },
      right: { kind: 'not', expr: { kind: 'match', negate: false, left: { kind: 'field', name: 'path' }, pattern: '^\\/api', flags: 'i' } },
    });
  });

  it('tokenizes with columns', () => {
    expect(tokenize('a<=1').map((t) => [t.kind, t.text, t.column])).toEqual([['ident', 'a', 1], ['op', '<=', 2], ['number', '1', 4], ['end', '', 5]]);
  });
});

describe('user regular expressions', () => {
  it('counts capture groups and explains invalid patterns', () => {
    expect(compileUserRegex('^/([^/]+)/(x)?')).toMatchObject({ ok: true, groups: 2 });
    expect(compileUserRegex('^/(?:a)')).toMatchObject({ ok: true, groups: 0 });
    expect(compileUserRegex('(')).toMatchObject({ ok: false, message: expect.stringContaining('is not a valid regular expression') });
  });
});
