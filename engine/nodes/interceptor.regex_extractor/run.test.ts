import { describe, expect, it } from 'vitest';
import { ev, nodeRef, testEnv } from '../../agent/interceptors/test-env';
import { createRegexExtractorInterceptor } from './run';
import { regexExtractorInterceptorSpec } from './spec';

const make = (config: Record<string, unknown>) => {
  const { env } = testEnv();
  return { env, i: createRegexExtractorInterceptor(nodeRef('x', 'interceptor.regex_extractor', config), env) };
};
const request = { regex: '"(GET|POST) (/[^/ ]*)[^"]*" (\\d{3})', serializers: [{ name: 'method' }, { name: 'module' }, { name: 'status' }] };
const line = '1.2.3.4 - - [10/Oct/2024:13:55:36 +0800] "GET /news/a HTTP/1.1" 200 512 "-" "curl/8"';

describe('interceptor.regex_extractor', () => {
  it.each([
    { name: 'every group', config: request, event: ev(line), headers: { method: 'GET', module: '/news', status: '200' } },
    { name: 'no match sets nothing', config: request, event: ev('garbage', { a: '1' }), headers: { a: '1' } },
    { name: 'overwrites existing headers', config: request, event: ev(line, { status: 'old' }), headers: { method: 'GET', module: '/news', status: '200' } },
    {
      name: 'fewer serializers than groups: the rest are not extracted',
      config: { regex: '(\\w+) (\\w+)', serializers: [{ name: 'first' }] },
      event: ev('hello world'),
      headers: { first: 'hello' },
    },
    {
      name: 'a group that did not take part sets nothing',
      config: { regex: '(a)|(b)', serializers: [{ name: 'ga' }, { name: 'gb', type: 'default' }] },
      event: ev('b'),
      headers: { gb: 'b' },
    },
    {
      name: 'first match only',
      config: { regex: 'id=(\\d+)', serializers: [{ name: 'id' }] },
      event: ev('id=1 id=2'),
      headers: { id: '1' },
    },
  ])('$name', ({ config, event, headers }) => {
    const { i, env } = make(config);
    const out = i.intercept([event]);
    expect(out).toHaveLength(1);
    expect(out[0].headers).toEqual(headers);
    expect(env.counters).toEqual({ EventInCount: 1, EventOutCount: 1, EventDroppedCount: 0 });
  });

  it.each([
    { config: { regex: '(', serializers: [{ name: 'a' }] }, path: ['regex'], message: /is not a valid regular expression/ },
    { config: { regex: '(x+)*', serializers: [{ name: 'a' }] }, path: ['regex'], message: /nested quantifier/ },
    { config: { regex: '(a)', serializers: [] }, path: ['serializers'], message: /at least one serializer/ },
    { config: { regex: '(a)', serializers: [{ name: 'a' }, { name: 'b' }] }, path: ['serializers'], message: /2 serializers but the regex has 1 capture group;/ },
    {
      config: { regex: '(a)', serializers: [{ name: 'a', type: 'org.apache.flume.interceptor.RegexExtractorInterceptorMillisSerializer' }] },
      path: ['serializers', 0, 'type'],
      message: /./,
    },
  ])('refuses config $config', ({ config, path, message }) => {
    const r = regexExtractorInterceptorSpec.config.safeParse(config);
    expect(r.success).toBe(false);
    expect(r.error!.issues[0].path).toEqual(path);
    expect(r.error!.issues[0].message).toMatch(message);
    expect(() => make(config)).toThrow(/invalid config/);
  });
});
