/**
 * The Kafka sink against a real broker that this file starts itself (it stops and restarts it, so
 * it never uses the shared KAFKA_BROKERS): nothing lost and nothing repeated across a broker crash
 * and restart, and across a second agent instance taking over (fencing) with a re-delivering channel.
 */
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// @ts-expect-error: plain ESM helper without types
import { startInfra } from '../../../scripts/lib/infra.mjs';
import { KafkaBus } from '../../bus/kafka';
import type { NodeRef } from '../../spec/plan';
import { MemoryChannel } from '../channel.memory/run';
import { createKafkaSink } from './run';
import { kafkaSinkSpec } from './spec';
import { diffExactlyOnce, originEvents, readAll, runSink, sleep, testEnv, waitFor } from './test-helpers';

interface Infra {
  KAFKA_BROKERS: string;
  stop(): Promise<void>;
  stopKafka(opts?: { kill?: boolean }): Promise<void>;
  restartKafka(): Promise<number>;
}

const sinkNode = (config: Record<string, unknown> = {}, id = 'k1'): NodeRef => ({ id, type: 'sink.kafka', config: kafkaSinkSpec.config.parse(config) });
/** Bodies of about 200 bytes, like access-log lines. */
const PAD = 185;

let infra: Infra;
let bus: KafkaBus;

beforeAll(async () => {
  infra = await startInfra({ dir: mkdtempSync(path.join(os.tmpdir(), 'weir-sink-kafka-')), redis: false });
  bus = new KafkaBus({ brokers: [infra.KAFKA_BROKERS], retryBackoffMs: 100 });
}, 180_000);

afterAll(async () => {
  await bus?.close();
  await infra?.stop();
}, 120_000);

/** Puts the events into the channel in source-sized chunks (waiting while it is full). */
async function feed(ch: MemoryChannel, events: ReturnType<typeof originEvents>, chunk = 500) {
  for (let i = 0; i < events.length; i += chunk) await ch.put(events.slice(i, i + chunk));
}

describe('sink.kafka on a real broker', () => {
  it('ships 50,000 events exactly once through a broker crash and restart, resuming by itself', async () => {
    const topic = 'sink-restart';
    await bus.ensureTopic({ name: topic, partitions: 3 });
    const env = testEnv(bus, topic, 'agent-restart');
    const sink = createKafkaSink(sinkNode({ flumeBatchSize: 500 }), env);
    await sink.open!();
    const ch = new MemoryChannel(10_000, 1000);
    const streams = ['r1|f1', 'r1|f2', 'r1|f3', 'r2|g'];
    const per = 12_500;
    const events = streams.flatMap((s) => originEvents(s, 0, per, PAD));
    // Interleaved as several files tailed at once.
    events.sort((a, b) => a.origin!.offset - b.origin!.offset);
    const run = runSink(sink, ch);
    const feeding = feed(ch, events);
    const deliveredTotal = () => streams.reduce((n, s) => n + (run.delivered.get(s) ?? 0), 0);

    await waitFor('a first part delivered', () => deliveredTotal() >= 15_000, 120_000);
    await infra.stopKafka({ kill: true });
    const atStop = deliveredTotal();
    await sleep(4000);
    // Nothing gets through while the broker is down; the channel holds the rest (back-pressure).
    expect(deliveredTotal()).toBeLessThanOrEqual(atStop + 1000);
    await infra.restartKafka();
    await waitFor('every stream delivered to its end', () => streams.every((s) => run.delivered.get(s) === per), 240_000);
    await feeding;
    await run.stop();

    expect(env.counters.RollbackCount + env.counters.ConnectionFailedCount).toBeGreaterThan(0);
    expect(env.logs.some((l) => /delivering again/.test(l.message))).toBe(true);
    const values = await readAll(bus, topic, events.length, 120_000);
    expect(diffExactlyOnce(values, events.map((e) => e.body))).toEqual({ duplicates: [], missing: [], unexpected: 0 });
    console.log(`broker restart: ${events.length} events exactly once; rollbacks ${env.counters.RollbackCount}, failed connects ${env.counters.ConnectionFailedCount}, duplicates skipped ${env.counters.DuplicateSkippedCount}`);
  }, 420_000);

  it('a second instance fences the first and, re-delivering from the start, writes each event once', async () => {
    const topic = 'sink-crash';
    await bus.ensureTopic({ name: topic, partitions: 3 });
    const all = [...originEvents('r1|f1', 0, 4000, PAD), ...originEvents('r1|f2', 0, 1000, PAD)];

    const envA = testEnv(bus, topic, 'agent-crash');
    const a = createKafkaSink(sinkNode({ flumeBatchSize: 200 }), envA);
    await a.open!();
    const chA = new MemoryChannel(10_000, 1000);
    const runA = runSink(a, chA);
    await chA.put(all.slice(0, 3000));
    await waitFor('A committed some batches', () => (runA.delivered.get('r1|f1') ?? 0) >= 1000, 60_000);

    // B: the same agent restarted (A did not stop: a zombie). Its channel has everything again.
    const envB = testEnv(bus, topic, 'agent-crash');
    const b = createKafkaSink(sinkNode({ flumeBatchSize: 200 }), envB);
    await b.open!();
    const committedAtTakeover = b.committedPositions!().get('r1|f1') ?? 0;
    expect(committedAtTakeover).toBeGreaterThanOrEqual(1000);
    // The zombie's next transaction is refused; stop it before it takes the id back.
    await waitFor('A fenced', () => envA.logs.some((l) => l.details?.code === 'producer_fenced') || chA.size === 0, 60_000);
    await runA.stop();

    const chB = new MemoryChannel(10_000, 1000);
    const runB = runSink(b, chB);
    await feed(chB, all);
    await waitFor('B delivered everything', () => runB.delivered.get('r1|f1') === 4000 && runB.delivered.get('r1|f2') === 1000, 120_000);
    await runB.stop();

    expect(envB.counters.DuplicateSkippedCount).toBeGreaterThanOrEqual(committedAtTakeover);
    const values = await readAll(bus, topic, all.length, 120_000);
    expect(diffExactlyOnce(values, all.map((e) => e.body))).toEqual({ duplicates: [], missing: [], unexpected: 0 });
  }, 300_000);
});
