import type { Bus } from '../../bus/types';
import type { NodeRef } from '../../spec/plan';
import { CollectRegistry } from '../collect-registry';
import type { AgentEnv, FlumeEvent, LogLevel, SourceContext } from '../types';

/** Test helper: an AgentEnv that records its counters, logs and dead letters. */
export function testEnv(dataDir = '/nonexistent') {
  const logs: { level: LogLevel; message: string; details?: Record<string, unknown> }[] = [];
  const dead: { event: FlumeEvent; reason: string }[] = [];
  const env: AgentEnv = {
    agentId: 'test-agent',
    dataDir,
    bus: {} as Bus,
    collect: new CollectRegistry(),
    counters: {},
    log: (level, message, details) => logs.push({ level, message, details }),
    deadLetter: (event, reason) => dead.push({ event, reason }),
  };
  return { env, logs, dead };
}

export const nodeRef = (id: string, type: string, config: Record<string, unknown> = {}): NodeRef => ({ id, type, config });

export const ev = (body: string, headers: Record<string, string> = {}, origin?: FlumeEvent['origin']): FlumeEvent =>
  origin ? { headers, body, origin } : { headers, body };

/**
 * A SourceContext that collects what a source puts. `gate` (when set) holds each put until it
 * resolves; `safe()` reports positions as safe to the source's listeners.
 */
export function testSourceContext(resume: ReadonlyMap<string, number> = new Map()) {
  const events: FlumeEvent[] = [];
  const batches: number[] = [];
  const listeners: ((p: ReadonlyMap<string, number>) => void)[] = [];
  const abort = new AbortController();
  let gate: Promise<void> | undefined;
  const ctx: SourceContext = {
    async put(batch) {
      if (gate) await Promise.race([gate, new Promise((r) => abort.signal.addEventListener('abort', r, { once: true }))]);
      if (abort.signal.aborted) throw Object.assign(new Error('agent stopping'), { code: 'agent_stopping' });
      events.push(...batch);
      batches.push(batch.length);
    },
    resumePositions: resume,
    onSafePositions: (fn) => void listeners.push(fn),
    signal: abort.signal,
  };
  return {
    ctx,
    events,
    batches,
    abort,
    setGate(p: Promise<void> | undefined) {
      gate = p;
    },
    /** Reports these positions as safe. */
    safe(positions: ReadonlyMap<string, number>) {
      for (const fn of listeners) fn(positions);
    },
    /** Marks everything collected so far as safe (what a committing sink would report). */
    safeAll() {
      const max = new Map<string, number>();
      for (const e of events) if (e.origin && (max.get(e.origin.key) ?? -1) < e.origin.offset) max.set(e.origin.key, e.origin.offset);
      for (const fn of listeners) fn(max);
      return max;
    },
  };
}

/** Polls until `check` holds (tests on real processes and files). */
export async function until(check: () => boolean | Promise<boolean>, timeoutMs = 5000, what = 'condition'): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
