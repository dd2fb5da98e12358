/**
 * The processor chain over a slice of a log file, through the engine's own JobRunner.onBatch (the
 * same operator graph, state and view-increment code as a deployed job), with a store that only
 * sums the increments in memory instead of writing to Redis.
 */
import type { Bus, BusConsumer, IncomingMessage } from '../../engine/bus/types';
import { JobRunner } from '../../engine/processor/job-runner';
import { ProcessorServices } from '../../engine/processor/services';
import { PipelineMetrics } from '../../engine/runtime/metrics';
import type { AtomicBatch, Store } from '../../engine/store/types';
import { PIPELINE_ID, readLines, sitePipeline } from './common';

/** key → field → count */
export type Counts = Map<string, Map<string, number>>;

export function mergeCounts(into: Counts, from: Counts): Counts {
  for (const [key, fields] of from) {
    let h = into.get(key);
    if (!h) into.set(key, (h = new Map()));
    for (const [f, n] of fields) h.set(f, (h.get(f) ?? 0) + n);
  }
  return into;
}

/** First difference between two count sets, or null when they are equal. */
export function diffCounts(a: Counts, b: Counts): string | null {
  const keys = new Set([...a.keys(), ...b.keys()]);
  for (const k of keys) {
    const x = a.get(k) ?? new Map<string, number>();
    const y = b.get(k) ?? new Map<string, number>();
    for (const f of new Set([...x.keys(), ...y.keys()])) {
      if ((x.get(f) ?? 0) !== (y.get(f) ?? 0)) return `${k} ${f}: ${x.get(f) ?? 0} vs ${y.get(f) ?? 0}`;
    }
  }
  return null;
}

/** A store that sums what applyAtomic would write; nothing else is needed by a JobRunner. */
class SummingStore {
  readonly kind = 'embedded' as const;
  readonly counts: Counts = new Map();
  dead = 0;
  async applyAtomic(batch: AtomicBatch): Promise<{ applied: boolean }> {
    const incs = batch.increments ?? [];
    for (let i = 0; i < incs.length; i++) {
      const { key, field, by } = incs[i];
      let h = this.counts.get(key);
      if (!h) this.counts.set(key, (h = new Map()));
      h.set(field, (h.get(field) ?? 0) + by);
    }
    for (const z of batch.zincrs ?? []) {
      let h = this.counts.get(z.key);
      if (!h) this.counts.set(z.key, (h = new Map()));
      for (const { member, by } of z.members) h.set(member, (h.get(member) ?? 0) + by);
    }
    for (const p of batch.pushes ?? []) this.dead += p.values.length;
    return { applied: true };
  }
  async readCheckpoints() {
    return {};
  }
}

const idleBus = {
  consume: async (): Promise<BusConsumer> => ({ assignments: () => [0], stop: async () => {} }),
} as unknown as Bus;

export interface ChainResult {
  lines: number;
  dead: number;
  counts: Counts;
}

/** Runs the chain over bytes [start, end) of the file (line-aligned) in batches of `batchSize`. */
export async function runChain(file: string, start: number, end: number, batchSize: number, onProgress?: (lines: number) => void): Promise<ChainResult> {
  const store = new SummingStore();
  const job = sitePipeline('bench.chain', { uniques: false });
  const runner = new JobRunner(PIPELINE_ID, job, {
    bus: idleBus,
    store: store as unknown as Store,
    services: new ProcessorServices(store as unknown as Store),
    metrics: new PipelineMetrics(),
  });
  await runner.start();
  let offset = 0;
  let pending: IncomingMessage[] = [];
  const flush = async () => {
    if (pending.length === 0) return;
    await runner.onBatch({ topic: job.topic, partition: 0, messages: pending, highWatermark: offset });
    pending = [];
    onProgress?.(offset);
  };
  for await (const lines of readLines(file, start, end)) {
    for (const value of lines) {
      pending.push({ offset: offset++, key: null, value, headers: {}, timestamp: 0 });
      if (pending.length === batchSize) await flush();
    }
  }
  await flush();
  await runner.stop();
  return { lines: offset, dead: store.dead, counts: store.counts };
}
