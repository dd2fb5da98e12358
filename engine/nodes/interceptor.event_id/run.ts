import { randomUUID } from 'node:crypto';
import { countingInterceptor } from '../../agent/interceptors/counting';
import { nodeConfig } from '../../agent/interceptors/node-config';
import type { InterceptorFactory } from '../../agent/types';
import { eventIdInterceptorSpec } from './spec';

/** A stable id from the event's origin; without one, the request id, else a random (unstable) UUID. */
export const createEventIdInterceptor: InterceptorFactory = (node, env) => {
  const { headerName, requestIdHeader, preserveExisting } = nodeConfig(eventIdInterceptorSpec, node);
  return countingInterceptor(env, (events) => {
    for (const e of events) {
      if (preserveExisting && e.headers[headerName]) continue;
      e.headers[headerName] = e.origin ? `${e.origin.key}:${e.origin.offset}` : e.headers[requestIdHeader] || randomUUID();
    }
    return events;
  });
};
