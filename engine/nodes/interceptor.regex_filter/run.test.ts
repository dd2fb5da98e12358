import { describe, expect, it } from 'vitest';
import { ev, nodeRef, testEnv } from '../../agent/interceptors/test-env';
import { createRegexFilterInterceptor } from './run';
import { regexFilterInterceptorSpec } from './spec';
import { nestedQuantifier, REGEX_INPUT_LIMIT } from './user-regex';

const bodies = ['GET /api/users 200', 'GET /news 404', 'POST /api/login 500'];
const make = (config: Record<string, unknown>) => {
  const { env } = testEnv();
  return { env, i: createRegexFilterInterceptor(nodeRef('f', 'interceptor.regex_filter', config), env) };
};

describe('interceptor.regex_filter', () => {
  it.each([
    { config: {}, kept: bodies },
    { config: { regex: '/api/' }, kept: [bodies[0], bodies[2]] },
    { config: { regex: '/api/', excludeEvents: true }, kept: [bodies[1]] },
    { config: { regex: ' [45]\\d\\d$' }, kept: [bodies[1], bodies[2]] },
    { config: { regex: '^GET' }, kept: [bodies[0], bodies[1]] },
    { config: { regex: 'nothing' }, kept: [] },
    { config: { regex: '(?i)^post' }, kept: [bodies[2]] },
    { config: { regex: 'nothing', excludeEvents: true }, kept: bodies },
  ])('config $config', ({ config, kept }) => {
    const { i, env } = make(config);
    expect(i.intercept(bodies.map((b) => ev(b))).map((e) => e.body)).toEqual(kept);
    expect(env.counters).toEqual({ EventInCount: 3, EventOutCount: kept.length, EventDroppedCount: 3 - kept.length });
  });

  it('gives the same answer on every event (no regex state between events)', () => {
    const { i } = make({ regex: 'a' });
    expect(i.intercept([ev('a'), ev('a'), ev('a')]).length).toBe(3);
  });

  it('refuses an invalid regex with a clear message', () => {
    const r = regexFilterInterceptorSpec.config.safeParse({ regex: '(unclosed' });
    expect(r.success).toBe(false);
    expect(r.error!.issues[0]).toMatchObject({ path: ['regex'] });
    expect(r.error!.issues[0].message).toMatch(/"\(unclosed" is not a valid regular expression/);
    expect(() => make({ regex: '[' })).toThrow(/Node "f" \(interceptor.regex_filter\) has an invalid config: regex: "\[" is not a valid/);
  });

  it('refuses nested quantifiers (catastrophic backtracking)', () => {
    const r = regexFilterInterceptorSpec.config.safeParse({ regex: '^(a+)+$' });
    expect(r.success).toBe(false);
    expect(r.error!.issues[0].message).toMatch(/nested quantifier "\(a\+\)\+"/);
  });

  it.each([
    ['(a+)+', '(a+)+'],
    ['(\\w+\\s?)*$', '(\\w+\\s?)*'],
    ['(?:x*y){2,}', '(?:x*y){2,}'],
    ['((a+)b)*', '((a+)b)*'],
    ['(a{1,}){1,5}', '(a{1,}){1,5}'],
    ['(?<w>a+)+', '(?<w>a+)+'],
    ['(\\d+\\.){3}\\d+', null],
    ['(a+)?', null],
    ['[(a+)+]', null],
    ['\\(a+\\)+', null],
    ['(?:GET|POST) /api/(\\w+)', null],
    ['(?=a+)b', null],
    ['a{x}+', null],
  ])('nested quantifier in %s: %s', (pattern, expected) => {
    expect(nestedQuantifier(pattern)).toBe(expected);
  });

  it('looks at the first REGEX_INPUT_LIMIT characters only', () => {
    const { i } = make({ regex: 'needle' });
    const far = 'x'.repeat(REGEX_INPUT_LIMIT) + 'needle';
    const near = 'x'.repeat(REGEX_INPUT_LIMIT - 6) + 'needle';
    expect(i.intercept([ev(far), ev(near)]).map((e) => e.body.length)).toEqual([near.length]);
  });
});
