/**
 * Fills a topic with demo access-log lines fast, straight through kafkajs (no agent, no pacing), for
 * tests and benchmarks that need a large, known input. Event times are spread evenly over a recent
 * window and increase with the line number; line i goes to partition i % partitions, so within each
 * partition event time never goes backwards and no record is late for the window operator.
 */
import { Kafka, logLevel } from 'kafkajs';
import { demoTraffic } from '../agent/demo-traffic';

export interface DemoLinesOptions {
  count: number;
  partitions: number;
  seed?: number;
  /** Event time of the last line's window end (epoch ms). Default: now. */
  endMs?: number;
  /** Event times cover [endMs - windowMs, endMs). Default: one hour. */
  windowMs?: number;
  modules?: readonly string[];
  botShare?: number;
}

export const DEMO_MODULES = ['home', 'news', 'sports', 'video', 'shop', 'search', 'user', 'api'] as const;

/** The lines, in order, with their partition. Pure: the same options give the same lines. */
export function* demoLines(opts: DemoLinesOptions): Generator<{ partition: number; line: string }> {
  const windowMs = opts.windowMs ?? 3_600_000;
  const start = (opts.endMs ?? Date.now()) - windowMs;
  const traffic = demoTraffic({ seed: opts.seed ?? 1, modules: opts.modules ?? DEMO_MODULES, botShare: opts.botShare ?? 0.05 });
  for (let i = 0; i < opts.count; i++) {
    yield { partition: i % opts.partitions, line: traffic.next(start + Math.floor((i * windowMs) / opts.count)) };
  }
}

export interface ProduceLinesOptions extends DemoLinesOptions {
  brokers: string;
  /** Must exist with `partitions` partitions. */
  topic: string;
  /** Messages per produce request (a request's per-partition batch must stay under the broker's 1 MB). */
  batchSize?: number;
  /** Sees every line as it is sent (e.g. to feed ExpectedCounts without holding the lines). */
  onLine?: (line: string, partition: number) => void;
}

/** Writes the demo lines to the topic in large sequential batches (order per partition is kept). */
export async function produceDemoLines(opts: ProduceLinesOptions): Promise<{ count: number; ms: number }> {
  const t0 = Date.now();
  const kafka = new Kafka({ clientId: 'weir-produce-lines', brokers: opts.brokers.split(','), logLevel: logLevel.NOTHING });
  const producer = kafka.producer({ allowAutoTopicCreation: false, maxInFlightRequests: 1 });
  await producer.connect();
  const size = opts.batchSize ?? 5_000;
  let batch: { partition: number; value: string }[] = [];
  let count = 0;
  // One request in flight (order per partition holds) while the next batch is being generated.
  let inflight: Promise<unknown> = Promise.resolve();
  const flush = async () => {
    if (batch.length === 0) return;
    const messages = batch;
    batch = [];
    await inflight;
    inflight = producer.send({ topic: opts.topic, acks: -1, messages });
    inflight.catch(() => {}); // awaited at the next flush; this only marks it handled meanwhile
  };
  try {
    for (const { partition, line } of demoLines(opts)) {
      opts.onLine?.(line, partition);
      batch.push({ partition, value: line });
      count++;
      if (batch.length >= size) await flush();
    }
    await flush();
    await inflight;
  } finally {
    await producer.disconnect().catch(() => {});
  }
  return { count, ms: Date.now() - t0 };
}
