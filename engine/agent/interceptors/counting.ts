import type { AgentEnv, FlumeEvent, Interceptor } from '../types';

/** Weir's interceptor counters: events in, dropped (filters), and passed on. */
export function countingInterceptor(env: AgentEnv, intercept: (events: FlumeEvent[]) => FlumeEvent[]): Interceptor {
  const c = env.counters;
  c.EventInCount ??= 0;
  c.EventDroppedCount ??= 0;
  c.EventOutCount ??= 0;
  return {
    intercept(events) {
      const out = intercept(events);
      c.EventInCount += events.length;
      c.EventOutCount += out.length;
      c.EventDroppedCount += events.length - out.length;
      return out;
    },
  };
}
