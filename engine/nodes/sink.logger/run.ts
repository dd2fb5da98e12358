/**
 * Flume's LoggerSink: every event it takes goes to the agent log as `Event: { headers:{…} body: … }`,
 * the body cut to maxBytesToLog bytes. A busy stream would flood the log, so past
 * maxEventsPerSecond the sink keeps draining (it must never hold back the sources through a shared
 * selector) and logs how many events it left out instead.
 */
import type { AgentEnv, FlumeEvent, Sink, SinkContext } from '../../agent/types';
import { WeirError } from '../../spec/errors';
import type { NodeRef } from '../../spec/plan';
import { loggerSinkSpec } from './spec';

const POLL_MS = 200;

/** The first `maxBytes` bytes of `s` in UTF-8, never cutting a character in two. */
export function truncateUtf8(s: string, maxBytes: number): { text: string; truncated: boolean } {
  if (s.length <= maxBytes / 3 || Buffer.byteLength(s) <= maxBytes) return { text: s, truncated: false };
  const buf = Buffer.from(s).subarray(0, maxBytes);
  let end = buf.length;
  // Back up over a partial multi-byte sequence (continuation bytes are 10xxxxxx).
  let i = end - 1;
  while (i >= 0 && (buf[i] & 0xc0) === 0x80) i--;
  if (i >= 0) {
    const lead = buf[i];
    const need = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc0 ? 2 : 1;
    if (end - i < need) end = i;
  }
  return { text: buf.subarray(0, end).toString('utf8'), truncated: true };
}

export function formatEvent(e: FlumeEvent, maxBytes: number): string {
  const headers = Object.entries(e.headers)
    .map(([k, v]) => `${k}=${v}`)
    .join(', ');
  const { text, truncated } = truncateUtf8(e.body, maxBytes);
  return `Event: { headers:{${headers}} body: ${JSON.stringify(text)}${truncated ? '…' : ''} }`;
}

export function createLoggerSink(node: NodeRef, env: AgentEnv & { topic?: string }): Sink {
  const parsed = loggerSinkSpec.config.safeParse(node.config ?? {});
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(config)'}: ${i.message}`).join('; ');
    throw new WeirError('invalid_config', `Logger sink "${node.id}": ${issues}`, { details: { nodeId: node.id } });
  }
  const { maxBytesToLog, maxEventsPerSecond, batchSize } = parsed.data;
  const { counters, log } = env;
  for (const c of ['BatchCompleteCount', 'BatchEmptyCount', 'BatchUnderflowCount', 'EventDrainAttemptCount', 'EventDrainSuccessCount', 'EventNotLoggedCount']) counters[c] ??= 0;
  let stopping = false;
  let loop: Promise<void> | null = null;

  let windowStart = 0;
  let loggedInWindow = 0;
  let skippedInWindow = 0;
  const flushSkipped = () => {
    if (skippedInWindow > 0) log('info', `Logger sink ${node.id}: ${skippedInWindow} more event(s) not logged (over ${maxEventsPerSecond}/s).`, { nodeId: node.id, notLogged: skippedInWindow });
    skippedInWindow = 0;
  };

  async function run(ctx: SinkContext): Promise<void> {
    while (!stopping && !ctx.signal.aborted) {
      let take;
      try {
        take = await ctx.channel.take(batchSize, POLL_MS);
      } catch (e) {
        log('error', `Logger sink ${node.id}: channel take failed: ${(e as Error)?.message ?? e}`, { nodeId: node.id });
        await new Promise((r) => setTimeout(r, 1000));
        continue;
      }
      const n = take.events.length;
      const now = Date.now();
      if (now - windowStart >= 1000) {
        flushSkipped();
        windowStart = now;
        loggedInWindow = 0;
      }
      if (n === 0) counters.BatchEmptyCount++;
      else if (n >= batchSize) counters.BatchCompleteCount++;
      else counters.BatchUnderflowCount++;
      counters.EventDrainAttemptCount += n;
      for (const e of take.events) {
        if (loggedInWindow < maxEventsPerSecond) {
          loggedInWindow++;
          log('info', formatEvent(e, maxBytesToLog), { nodeId: node.id });
        } else {
          skippedInWindow++;
          counters.EventNotLoggedCount++;
        }
      }
      await take.commit();
      counters.EventDrainSuccessCount += n;
      const positions = positionsOf(take.events);
      if (positions.size > 0) ctx.delivered(positions);
    }
    flushSkipped();
  }

  return {
    start(ctx) {
      stopping = false;
      loop = run(ctx);
    },
    async stop() {
      stopping = true;
      await loop;
      loop = null;
    },
  };
}

function positionsOf(events: FlumeEvent[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const e of events) if (e.origin && !(e.origin.offset <= (out.get(e.origin.key) ?? -Infinity))) out.set(e.origin.key, e.origin.offset);
  return out;
}
