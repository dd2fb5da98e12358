import { hostname } from 'node:os';
import { describe, expect, it } from 'vitest';
import { ev, nodeRef, testEnv } from '../../agent/interceptors/test-env';
import { createHostInterceptor, machineAddress } from './run';

const make = (config: Record<string, unknown>) => createHostInterceptor(nodeRef('h', 'interceptor.host', config), testEnv().env);

describe('interceptor.host', () => {
  it.each([
    { config: {}, headers: {}, expected: { host: machineAddress() } },
    { config: { useIP: false }, headers: {}, expected: { host: hostname() } },
    { config: { hostHeader: 'server' }, headers: {}, expected: { server: machineAddress() } },
    { config: {}, headers: { host: 'old' }, expected: { host: machineAddress() } },
    { config: { preserveExisting: true }, headers: { host: 'old' }, expected: { host: 'old' } },
  ])('config $config on headers $headers', ({ config, headers, expected }) => {
    expect(make(config).intercept([ev('x', { ...headers } as Record<string, string>)])[0].headers).toEqual(expected);
  });

  it('gives an IP address when useIP', () => {
    expect(machineAddress()).toMatch(/^[0-9.]+$|:/);
  });
});
