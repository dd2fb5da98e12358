import { describe, expect, it } from 'vitest';
import type { Bus, BusConsumer, PartitionBatch } from '../bus/types';
import { lookupNodeSpec } from '../nodes/registry';
import { PipelineMetrics } from '../runtime/metrics';
import { compile } from '../spec/compile';
import { PipelineDocument } from '../spec/document';
import { siteAnalyticsTemplate } from '../spec/templates';
import { EmbeddedStore } from '../store/embedded';
import type { AtomicBatch } from '../store/types';
import { checkpointKey } from '../store/view-keys';
import { expectedCounts } from '../testing/expected-counts';
import { demoLines } from '../testing/produce-lines';
import { JobRunner } from './job-runner';
import { ProcessorServices } from './services';

const PID = 'runner-test';
const TOPIC = 'runner-visits';

/** topic (1 partition) → parse → module → geoip → useragent → window → views, no agent, no uniques. */
function plan() {
  const doc = siteAnalyticsTemplate({ topic: TOPIC });
  const drop = new Set(['generator', 'channel', 'kafka', 'uniques']);
  doc.nodes = doc.nodes.filter((n) => !drop.has(n.id)).map((n) => (n.id === 'visits' ? { ...n, config: { ...n.config, partitions: 1 } } : n));
  doc.edges = doc.edges.filter((e) => !drop.has(e.from.node) && !drop.has(e.to.node));
  return compile(PipelineDocument.parse({ ...doc, id: PID, version: 1 }), lookupNodeSpec).jobs[0];
}

/** onBatch is driven by hand here: the bus only has to let start() finish. */
const idleBus = { consume: async (): Promise<BusConsumer> => ({ assignments: () => [0], stop: async () => {} }) } as unknown as Bus;

describe('JobRunner sub-batches', () => {
  it('writes a large batch in sub-batches, each expecting the offset the one before sets, one write in flight at a time', async () => {
    const lines = [...demoLines({ count: 25_000, partitions: 1, seed: 9, windowMs: 1_200_000 })].map((l) => l.line);
    const batch: PartitionBatch = {
      topic: TOPIC,
      partition: 0,
      highWatermark: lines.length,
      messages: lines.map((value, i) => ({ offset: i, key: null, value, headers: {}, timestamp: Date.now() })),
    };
    const inner = new EmbeddedStore();
    const writes: { offset: number; expected: number | null }[] = [];
    let inFlight = 0;
    let maxInFlight = 0;
    const store = new Proxy(inner, {
      get(target, prop) {
        if (prop === 'applyAtomic') {
          return async (b: AtomicBatch) => {
            inFlight++;
            maxInFlight = Math.max(maxInFlight, inFlight);
            try {
              await new Promise((r) => setTimeout(r, 5));
              writes.push({ offset: b.checkpoints[0].offset, expected: b.checkpoints[0].expectedOffset });
              return await target.applyAtomic(b);
            } finally {
              inFlight--;
            }
          };
        }
        const v = Reflect.get(target, prop);
        return typeof v === 'function' ? v.bind(target) : v;
      },
    });
    const runner = new JobRunner(PID, plan(), { bus: idleBus, store, services: new ProcessorServices(store), metrics: new PipelineMetrics() });
    await runner.start();
    const stored = async () => (await inner.readCheckpoints(checkpointKey(PID, 'visits')))[`${TOPIC}:0`]?.offset ?? 0;

    // One record first (one write), then the other 24,999 in sub-batches.
    await runner.onBatch({ ...batch, messages: batch.messages.slice(0, 1) });
    writes.length = 0;
    const first = { ...batch, messages: batch.messages.slice(1) };
    await expect(runner.onBatch(first)).resolves.toBeUndefined();
    expect(writes.length).toBeGreaterThan(1);
    expect(writes.map((w) => w.expected)).toEqual([1, ...writes.slice(0, -1).map((w) => w.offset)]);
    expect(writes.at(-1)!.offset).toBe(25_000);
    expect(maxInFlight).toBe(1);
    expect(await stored()).toBe(25_000);
    const keys = [...(await expectedCounts(PID, lines, { resolutions: ['m', 'h', 'd'] })).entries()];
    expect(await inner.readSortedSets(keys.map(([k]) => k))).toEqual(keys.map(([, v]) => v));
    await inner.close();
  });

  it('stops at a failed sub-batch write and redoes exactly the rest on redelivery', async () => {
    const lines = [...demoLines({ count: 25_000, partitions: 1, seed: 11, windowMs: 1_200_000 })].map((l) => l.line);
    const messages = lines.map((value, i) => ({ offset: i, key: null, value, headers: {}, timestamp: Date.now() }));
    const inner = new EmbeddedStore();
    let calls = 0;
    let failAt = 2;
    const store = new Proxy(inner, {
      get(target, prop) {
        if (prop === 'applyAtomic') {
          return async (b: AtomicBatch) => {
            calls++;
            if (calls === failAt) throw new Error('connection lost');
            return target.applyAtomic(b);
          };
        }
        const v = Reflect.get(target, prop);
        return typeof v === 'function' ? v.bind(target) : v;
      },
    });
    const runner = new JobRunner(PID, plan(), { bus: idleBus, store, services: new ProcessorServices(store), metrics: new PipelineMetrics() });
    await runner.start();
    const stored = async () => (await inner.readCheckpoints(checkpointKey(PID, 'visits')))[`${TOPIC}:0`]?.offset ?? 0;
    const batch: PartitionBatch = { topic: TOPIC, partition: 0, highWatermark: lines.length, messages };

    await expect(runner.onBatch(batch)).rejects.toThrow('connection lost');
    expect(calls).toBe(2); // no later sub-batch is written after the second failed
    const after = await stored();
    expect(after).toBeGreaterThan(0);
    expect(after).toBeLessThan(25_000);
    failAt = 0;
    // Redelivered whole: what the first write applied is skipped, the rest applied once.
    await expect(runner.onBatch(batch)).resolves.toBeUndefined();
    expect(await stored()).toBe(25_000);
    const keys = [...(await expectedCounts(PID, lines, { resolutions: ['m', 'h', 'd'] })).entries()];
    expect(await inner.readSortedSets(keys.map(([k]) => k))).toEqual(keys.map(([, v]) => v));
    await inner.close();
  });
});
