import { describe, expect, it } from 'vitest';
import { ev, nodeRef, testEnv } from '../../agent/interceptors/test-env';
import { createTimestampInterceptor } from './run';
import { timestampInterceptorSpec } from './spec';

const make = (config: Record<string, unknown>) => {
  const { env } = testEnv();
  return { env, i: createTimestampInterceptor(nodeRef('ts', 'interceptor.timestamp', config), env) };
};

describe('interceptor.timestamp', () => {
  it.each([
    { config: {}, headers: {}, keeps: false },
    { config: {}, headers: { timestamp: '1' }, keeps: false },
    { config: { preserveExisting: true }, headers: { timestamp: '1' }, keeps: true },
    { config: { preserveExisting: true }, headers: {}, keeps: false },
  ])('config $config on headers $headers', ({ config, headers, keeps }) => {
    const { i, env } = make(config);
    const before = Date.now();
    const [out] = i.intercept([ev('x', { ...headers } as Record<string, string>)]);
    if (keeps) expect(out.headers.timestamp).toBe('1');
    else expect(Number(out.headers.timestamp)).toBeGreaterThanOrEqual(before);
    expect(env.counters).toMatchObject({ EventInCount: 1, EventOutCount: 1, EventDroppedCount: 0 });
  });

  it('writes the configured header', () => {
    const [out] = make({ header: 'ts' }).i.intercept([ev('x')]);
    expect(out.headers.ts).toMatch(/^\d{13}$/);
    expect(out.headers.timestamp).toBeUndefined();
  });

  it('refuses an empty header name', () => {
    expect(timestampInterceptorSpec.config.safeParse({ header: '' }).success).toBe(false);
    expect(() => make({ header: '' })).toThrow(/invalid config: header/);
  });
});
