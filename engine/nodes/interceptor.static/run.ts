import { countingInterceptor } from '../../agent/interceptors/counting';
import { nodeConfig } from '../../agent/interceptors/node-config';
import type { InterceptorFactory } from '../../agent/types';
import { staticInterceptorSpec } from './spec';

/** Flume StaticInterceptor. */
export const createStaticInterceptor: InterceptorFactory = (node, env) => {
  const { key, value, preserveExisting } = nodeConfig(staticInterceptorSpec, node);
  return countingInterceptor(env, (events) => {
    for (const e of events) {
      if (preserveExisting && e.headers[key] !== undefined) continue;
      e.headers[key] = value;
    }
    return events;
  });
};
