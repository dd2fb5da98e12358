import { describe, expect, it } from 'vitest';
import { ev, nodeRef, testEnv } from '../../agent/interceptors/test-env';
import { createBotFilterInterceptor, lastQuotedField } from './run';

const line = (ua: string) => `1.2.3.4 - - [10/Oct/2024:13:55:36 +0800] "GET /news/a HTTP/1.1" 200 512 "https://ref.example/" "${ua}"`;
const chrome = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36';
const googlebot = 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)';

const make = (config: Record<string, unknown> = {}) => {
  const { env } = testEnv();
  return { env, i: createBotFilterInterceptor(nodeRef('b', 'interceptor.bot_filter', config), env) };
};

describe('interceptor.bot_filter', () => {
  it.each([
    { name: 'browser in body', event: ev(line(chrome)), kept: true },
    { name: 'bot in body', event: ev(line(googlebot)), kept: false },
    { name: 'curl in body', event: ev(line('curl/8.5.0')), kept: false },
    { name: 'bot in header', event: ev('{"path":"/"}', { userAgent: googlebot }), kept: false },
    { name: 'header wins over body', event: ev(line(googlebot), { userAgent: chrome }), kept: true },
    { name: 'empty header falls back to body', event: ev(line(googlebot), { userAgent: '' }), kept: false },
    { name: 'no user agent at all', event: ev('plain text line'), kept: true },
    { name: 'escaped quote inside the user agent', event: ev(line('Evil \\"x\\" Googlebot')), kept: false },
  ])('drop mode: $name', ({ event, kept }) => {
    const { i, env } = make();
    expect(i.intercept([event]).length).toBe(kept ? 1 : 0);
    expect(env.counters).toEqual({ EventInCount: 1, EventOutCount: kept ? 1 : 0, EventDroppedCount: kept ? 0 : 1 });
  });

  it('tag mode keeps every event and tags the bots', () => {
    const { i, env } = make({ mode: 'tag' });
    const out = i.intercept([ev(line(chrome)), ev(line(googlebot))]);
    expect(out.map((e) => e.headers.bot)).toEqual([undefined, 'true']);
    expect(env.counters.EventDroppedCount).toBe(0);
  });

  it('reads the user agent from another header', () => {
    const { i } = make({ userAgentHeader: 'user-agent' });
    expect(i.intercept([ev('x', { 'user-agent': 'python-requests/2.31' }), ev('x', { userAgent: googlebot })]).map((e) => e.body)).toEqual(['x']);
  });

  it('finds the last quoted field', () => {
    expect(lastQuotedField('a "b" "c d"')).toBe('c d');
    expect(lastQuotedField('a "b \\" c"')).toBe('b \\" c');
    expect(lastQuotedField('a "" ')).toBe('');
    expect(lastQuotedField('no quotes')).toBeUndefined();
    expect(lastQuotedField('one " quote')).toBeUndefined();
  });

  it('refuses an unknown mode', () => {
    expect(() => make({ mode: 'delete' })).toThrow(/mode/);
  });
});
