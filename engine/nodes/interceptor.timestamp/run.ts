import { countingInterceptor } from '../../agent/interceptors/counting';
import { nodeConfig } from '../../agent/interceptors/node-config';
import type { InterceptorFactory } from '../../agent/types';
import { timestampInterceptorSpec } from './spec';

/** Flume TimestampInterceptor: the agent's receive time, ms since the epoch. */
export const createTimestampInterceptor: InterceptorFactory = (node, env) => {
  const { header, preserveExisting } = nodeConfig(timestampInterceptorSpec, node);
  return countingInterceptor(env, (events) => {
    const now = String(Date.now());
    for (const e of events) {
      if (preserveExisting && e.headers[header] !== undefined) continue;
      e.headers[header] = now;
    }
    return events;
  });
};
