import { describe, expect, it } from 'vitest';
import { ev, nodeRef, testEnv } from '../../agent/interceptors/test-env';
import { createStaticInterceptor } from './run';

const make = (config: Record<string, unknown>) => createStaticInterceptor(nodeRef('s', 'interceptor.static', config), testEnv().env);

describe('interceptor.static', () => {
  it.each([
    { config: { key: 'dc', value: 'bj1' }, headers: {}, expected: { dc: 'bj1' } },
    { config: { key: 'dc', value: 'bj1' }, headers: { dc: 'sh2' }, expected: { dc: 'sh2' } },
    { config: { key: 'dc', value: 'bj1', preserveExisting: false }, headers: { dc: 'sh2' }, expected: { dc: 'bj1' } },
    { config: {}, headers: { a: '1' }, expected: { a: '1', key: 'value' } },
    { config: { key: 'empty', value: '' }, headers: {}, expected: { empty: '' } },
  ])('config $config on headers $headers', ({ config, headers, expected }) => {
    expect(make(config).intercept([ev('x', { ...headers } as Record<string, string>)])[0].headers).toEqual(expected);
  });

  it('refuses an empty key', () => {
    expect(() => make({ key: '' })).toThrow(/key/);
  });
});
