import { hostname, networkInterfaces } from 'node:os';
import { countingInterceptor } from '../../agent/interceptors/counting';
import { nodeConfig } from '../../agent/interceptors/node-config';
import type { InterceptorFactory } from '../../agent/types';
import { hostInterceptorSpec } from './spec';

/**
 * The first non-loopback address, IPv4 before IPv6. (Flume resolves the host name, which on many
 * Linux hosts gives 127.0.1.1: not what tells servers apart.)
 */
export function machineAddress(): string {
  const all = Object.values(networkInterfaces()).flatMap((list) => list ?? []).filter((a) => !a.internal);
  return (all.find((a) => a.family === 'IPv4') ?? all.find((a) => a.family === 'IPv6'))?.address ?? '127.0.0.1';
}

/** Flume HostInterceptor; the value is looked up once, when the agent starts. */
export const createHostInterceptor: InterceptorFactory = (node, env) => {
  const { useIP, hostHeader, preserveExisting } = nodeConfig(hostInterceptorSpec, node);
  const host = useIP ? machineAddress() : hostname();
  return countingInterceptor(env, (events) => {
    for (const e of events) {
      if (preserveExisting && e.headers[hostHeader] !== undefined) continue;
      e.headers[hostHeader] = host;
    }
    return events;
  });
};
