/** Shared by the sink's unit and integration tests: an agent env, events with origins, read-back. */
import { CollectRegistry } from '../../agent/collect-registry';
import type { AgentEnv, FlumeEvent, Sink, SinkContext } from '../../agent/types';
import type { Bus } from '../../bus/types';
import { MemoryChannel } from '../channel.memory/run';

export interface LogLine {
  level: string;
  message: string;
  details?: Record<string, unknown>;
}

export function testEnv(bus: Bus, topic: string, agentId = 'a1'): AgentEnv & { topic: string; logs: LogLine[] } {
  const logs: LogLine[] = [];
  return {
    agentId,
    dataDir: '/nonexistent',
    bus,
    collect: new CollectRegistry(),
    counters: {},
    log: (level, message, details) => void logs.push({ level, message, details }),
    deadLetter: () => {},
    topic,
    logs,
  };
}

/** Event `i` of stream `key`: origin offset i + 1 (the position after it), body names both. */
export const originEvent = (key: string, i: number, pad = 0): FlumeEvent => ({
  headers: { eventId: `${key}@${i + 1}`, host: 'h1' },
  body: `${key}#${i}${pad ? ' ' + 'x'.repeat(pad) : ''}`,
  origin: { key, offset: i + 1 },
});

export const originEvents = (key: string, from: number, to: number, pad = 0) => Array.from({ length: to - from }, (_, j) => originEvent(key, from + j, pad));

/** Runs a sink on a channel; `delivered` keeps the highest position reported per key. */
export function runSink(sink: Sink, channel: MemoryChannel) {
  const abort = new AbortController();
  const delivered = new Map<string, number>();
  const reports: Map<string, number>[] = [];
  const ctx: SinkContext = {
    channel,
    delivered: (positions) => {
      reports.push(new Map(positions));
      for (const [k, v] of positions) delivered.set(k, Math.max(v, delivered.get(k) ?? -Infinity));
    },
    signal: abort.signal,
  };
  sink.start(ctx);
  return { delivered, reports, abort, stop: () => sink.stop() };
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function waitFor(what: string, cond: () => boolean | Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(20);
  }
}

/** Every committed value of a topic (read_committed), via a fresh consumer group. */
export async function readAll(bus: Bus, topic: string, expected: number, timeoutMs = 60_000): Promise<string[]> {
  const values: string[] = [];
  const consumer = await bus.consume({
    groupId: `readback-${Date.now()}-${Math.random().toString(36).slice(2)}`,
    topic,
    maxBatchSize: 5000,
    eachBatch: async (b) => {
      for (const m of b.messages) values.push(m.value);
    },
  });
  try {
    const ends = async () => (await bus.endOffsets(topic)).reduce((a, b) => a + b, 0);
    await waitFor(`${expected} records in ${topic}`, () => values.length >= expected, timeoutMs).catch(async (e) => {
      throw new Error(`${(e as Error).message} (have ${values.length}; end offsets total ${await ends()})`);
    });
    // Anything beyond the expected count (a duplicate) would arrive right behind it.
    await sleep(bus.kind === 'kafka' ? 1500 : 100);
  } finally {
    await consumer.stop();
  }
  return values;
}

/** Counts of each value; returns the values that appear more than once and the expected ones missing. */
export function diffExactlyOnce(values: string[], expected: string[]) {
  const counts = new Map<string, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  const duplicates = [...counts].filter(([, n]) => n > 1).map(([v]) => v);
  const missing = expected.filter((v) => !counts.has(v));
  const want = new Set(expected);
  const unexpected = [...counts.keys()].filter((v) => !want.has(v));
  return { duplicates, missing, unexpected: unexpected.length };
}
