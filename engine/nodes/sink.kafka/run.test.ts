import { afterEach, describe, expect, it } from 'vitest';
import type { Bus, OutgoingMessage, TransactionalProducer } from '../../bus/types';
import { EmbeddedBus } from '../../bus/embedded';
import type { NodeRef } from '../../spec/plan';
import { MemoryChannel } from '../channel.memory/run';
import { AGENT_OFFSETS_TOPIC, createKafkaSink, offsetRecordKey, sinkTransactionalId } from './run';
import { kafkaSinkSpec } from './spec';
import { diffExactlyOnce, originEvent, originEvents, readAll, runSink, sleep, testEnv, waitFor } from './test-helpers';

const TOPIC = 'logs';
const sinkNode = (config: Record<string, unknown> = {}, id = 'k1'): NodeRef => ({ id, type: 'sink.kafka', config: kafkaSinkSpec.config.parse(config) });

const buses: Bus[] = [];
async function newBus(): Promise<EmbeddedBus> {
  const bus = new EmbeddedBus();
  buses.push(bus);
  await bus.ensureTopic({ name: TOPIC, partitions: 3 });
  return bus;
}
afterEach(async () => {
  await Promise.all(buses.splice(0).map((b) => b.close()));
});

type Step = 'ok' | 'fail' | 'commit-then-fail';

/**
 * The bus with a transactional producer that follows a script: `fail` throws before anything is
 * written (an abort), `commit-then-fail` commits and then throws (a commit whose answer was lost).
 * Records the size of every transaction's record batch.
 */
function scripted(bus: EmbeddedBus, script: Step[], opts: { failReads?: number } = {}) {
  const sizes: number[] = [];
  let failReads = opts.failReads ?? 0;
  const proxy = new Proxy(bus, {
    get(target, prop) {
      if (prop === 'transactionalProducer') {
        return async (id: string): Promise<TransactionalProducer> => {
          const real = await target.transactionalProducer(id);
          return {
            sendTransaction: async (batches: { topic: string; messages: OutgoingMessage[] }[]) => {
              const step = script.shift() ?? 'ok';
              if (step === 'fail') throw Object.assign(new Error('broker went away (scripted)'), { code: 'bus_unreachable' });
              await real.sendTransaction(batches);
              sizes.push(batches[0].messages.length);
              if (step === 'commit-then-fail') throw new Error('no answer to EndTxn (scripted)');
            },
            close: () => real.close(),
          };
        };
      }
      if (prop === 'readLatest') {
        return async (topic: string) => {
          if (failReads-- > 0) throw new Error('offsets topic unreadable (scripted)');
          return target.readLatest(topic);
        };
      }
      const v = Reflect.get(target, prop, target);
      return typeof v === 'function' ? v.bind(target) : v;
    },
  });
  return { bus: proxy as Bus, sizes };
}

describe('sink.kafka config', () => {
  it('refuses exactly-once without acks=all, and a sink without a topic, saying what to change', () => {
    const bad = kafkaSinkSpec.config.safeParse({ 'kafka.producer.acks': '1' });
    expect(bad.success).toBe(false);
    expect(bad.error?.issues[0]).toMatchObject({ path: ['kafka.producer.acks'] });
    expect(bad.error?.issues[0].message).toMatch(/exactlyOnce needs kafka.producer.acks = "all"/);
    expect(kafkaSinkSpec.config.safeParse({ 'kafka.producer.acks': '1', exactlyOnce: false }).success).toBe(true);
    const bus = new EmbeddedBus();
    expect(() => createKafkaSink({ id: 'k1', type: 'sink.kafka', config: { 'kafka.producer.acks': '0' } }, testEnv(bus, TOPIC))).toThrow(
      expect.objectContaining({ code: 'invalid_config' }),
    );
    expect(() => createKafkaSink(sinkNode(), testEnv(bus, ''))).toThrow(expect.objectContaining({ code: 'invalid_config', message: expect.stringMatching(/no topic/) }));
  });

  it('has Flume property names and defaults', () => {
    expect(kafkaSinkSpec.config.parse({})).toEqual({
      'kafka.topic': '',
      flumeBatchSize: 500,
      'kafka.producer.acks': 'all',
      'kafka.producer.linger.ms': 5,
      'kafka.producer.compression.type': 'none',
      keyHeader: 'key',
      exactlyOnce: true,
    });
  });
});

describe('sink.kafka (exactly-once, embedded bus)', () => {
  it('ships events and their positions in one transaction; a new instance reads the positions back', async () => {
    const bus = await newBus();
    const env = testEnv(bus, TOPIC);
    const sink = createKafkaSink(sinkNode(), env);
    await sink.open!();
    expect(sink.committedPositions!()).toEqual(new Map());
    const ch = new MemoryChannel(10_000, 1000);
    const events = [...originEvents('r1|f1', 0, 700), ...originEvents('r1|f2', 0, 300), { headers: { key: 'user-7' }, body: 'no-origin' }];
    await ch.put(events);
    const run = runSink(sink, ch);
    await waitFor('delivery', () => run.delivered.get('r1|f1') === 700 && run.delivered.get('r1|f2') === 300 && ch.size === 0);
    await run.stop();

    const values = await readAll(bus, TOPIC, events.length);
    expect(diffExactlyOnce(values, events.map((e) => e.body))).toEqual({ duplicates: [], missing: [], unexpected: 0 });
    const offsets = await bus.readLatest(AGENT_OFFSETS_TOPIC);
    expect(offsets.get(offsetRecordKey('a1', 'k1', 'r1|f1'))).toBe('{"offset":700}');
    expect(offsets.get(offsetRecordKey('a1', 'k1', 'r1|f2'))).toBe('{"offset":300}');
    expect(env.counters).toMatchObject({ EventDrainAttemptCount: 1001, EventDrainSuccessCount: 1001, DuplicateSkippedCount: 0, RollbackCount: 0 });
    expect(env.counters.BatchCompleteCount).toBeGreaterThanOrEqual(1);
    expect(env.counters.KafkaEventSendTimer).toBeGreaterThanOrEqual(0);

    const again = createKafkaSink(sinkNode(), testEnv(bus, TOPIC));
    await again.open!();
    expect(again.committedPositions!()).toEqual(new Map([['r1|f1', 700], ['r1|f2', 300]]));
    await again.stop();
  });

  it('passes Flume headers as record headers and the key header as the record key', async () => {
    const bus = await newBus();
    const sink = createKafkaSink(sinkNode({ keyHeader: 'user' }), testEnv(bus, TOPIC));
    const ch = new MemoryChannel(100, 100);
    await ch.put([{ headers: { user: 'u1', eventId: 'e1', timestamp: '123' }, body: 'b1', origin: { key: 'r1|x', offset: 5 } }]);
    const seen: { key: string | null; headers: Record<string, string> }[] = [];
    const c = await bus.consume({ groupId: 'g', topic: TOPIC, eachBatch: async (b) => void seen.push(...b.messages) });
    const run = runSink(sink, ch);
    await waitFor('one record', () => seen.length === 1);
    await run.stop();
    await c.stop();
    expect(seen[0].key).toBe('u1');
    expect(seen[0].headers).toEqual({ user: 'u1', eventId: 'e1', timestamp: '123' });
  });

  it('skips events at or below the committed mark, and repeats within a batch', async () => {
    const bus = await newBus();
    const first = createKafkaSink(sinkNode(), testEnv(bus, TOPIC));
    const ch1 = new MemoryChannel(1000, 1000);
    await ch1.put(originEvents('r1|f1', 0, 100));
    const run1 = runSink(first, ch1);
    await waitFor('first 100', () => run1.delivered.get('r1|f1') === 100);
    await run1.stop();

    // A restarted agent whose source re-read from an older position file.
    const env = testEnv(bus, TOPIC);
    const second = createKafkaSink(sinkNode(), env);
    await second.open!();
    const ch2 = new MemoryChannel(1000, 1000);
    await ch2.put([...originEvents('r1|f1', 50, 150), originEvent('r1|f1', 120), originEvent('r1|f1', 150)]);
    const run2 = runSink(second, ch2);
    await waitFor('150', () => run2.delivered.get('r1|f1') === 151 && ch2.size === 0);
    await run2.stop();

    expect(env.counters.DuplicateSkippedCount).toBe(51);
    const values = await readAll(bus, TOPIC, 151);
    expect(diffExactlyOnce(values, originEvents('r1|f1', 0, 151).map((e) => e.body))).toEqual({ duplicates: [], missing: [], unexpected: 0 });
  });

  it('commits a batch of duplicates only to the channel, and still reports the positions', async () => {
    const bus = await newBus();
    const a = createKafkaSink(sinkNode(), testEnv(bus, TOPIC));
    const ch = new MemoryChannel(1000, 1000);
    await ch.put(originEvents('r1|f1', 0, 10));
    const run = runSink(a, ch);
    await waitFor('10', () => run.delivered.get('r1|f1') === 10);
    const endsBefore = await bus.endOffsets(AGENT_OFFSETS_TOPIC);
    await ch.put(originEvents('r1|f1', 0, 10));
    await waitFor('drained', () => ch.size === 0 && run.reports.length >= 2);
    await run.stop();
    expect(run.reports.at(-1)).toEqual(new Map([['r1|f1', 10]]));
    expect(await bus.endOffsets(AGENT_OFFSETS_TOPIC)).toEqual(endsBefore);
  });

  it('rolls the take back on a failed transaction and retries until it goes through, exactly once', async () => {
    const base = await newBus();
    const { bus, sizes } = scripted(base, ['ok', 'fail', 'fail', 'commit-then-fail', 'ok', 'fail'], { failReads: 1 });
    const env = testEnv(bus, TOPIC);
    const sink = createKafkaSink(sinkNode({ flumeBatchSize: 50 }), env);
    await sink.open!().catch(() => {}); // the first read of the offsets topic fails: start() recovers
    const ch = new MemoryChannel(10_000, 1000);
    const events = [...originEvents('r1|f1', 0, 300), ...originEvents('r2|g', 0, 100)];
    await ch.put(events);
    const run = runSink(sink, ch);
    await waitFor('all delivered', () => run.delivered.get('r1|f1') === 300 && run.delivered.get('r2|g') === 100 && ch.size === 0);
    await run.stop();

    const values = await readAll(base, TOPIC, events.length);
    expect(diffExactlyOnce(values, events.map((e) => e.body))).toEqual({ duplicates: [], missing: [], unexpected: 0 });
    expect(env.counters.RollbackCount).toBe(4);
    // The batch whose commit "failed" had landed: after re-reading the offsets it was all skipped.
    expect(env.counters.DuplicateSkippedCount).toBe(50);
    // ...and nothing was sent twice.
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(events.length);
    expect(env.logs.some((l) => l.level === 'warn' && /delivery failed/.test(l.message))).toBe(true);
    expect(env.logs.some((l) => l.level === 'info' && /delivering again/.test(l.message))).toBe(true);
    // Reported positions only grow.
    let last = 0;
    for (const r of run.reports) {
      const p = r.get('r1|f1');
      if (p === undefined) continue;
      expect(p).toBeGreaterThanOrEqual(last);
      last = p;
    }
  });

  it('takes several channel transactions up to flumeBatchSize, and lingers for a trickle', async () => {
    const base = await newBus();
    const { bus, sizes } = scripted(base, []);
    const env = testEnv(bus, TOPIC);
    const sink = createKafkaSink(sinkNode({ flumeBatchSize: 100, 'kafka.producer.linger.ms': 0 }), env);
    await sink.open!();
    // transactionCapacity 30 < flumeBatchSize: one batch is several takes.
    const ch = new MemoryChannel(1000, 30);
    await ch.put(originEvents('r1|f1', 0, 250));
    const run = runSink(sink, ch);
    await waitFor('250', () => run.delivered.get('r1|f1') === 250);
    await run.stop();
    expect(sizes).toEqual([100, 100, 50]);
    expect(env.counters).toMatchObject({ BatchCompleteCount: 2, BatchUnderflowCount: 1 });

    sizes.length = 0;
    const lingering = createKafkaSink(sinkNode({ flumeBatchSize: 100, 'kafka.producer.linger.ms': 1500 }, 'k2'), testEnv(bus, TOPIC));
    await lingering.open!();
    const ch2 = new MemoryChannel(1000, 30);
    const run2 = runSink(lingering, ch2);
    for (let i = 0; i < 5; i++) {
      await ch2.put([originEvent('r1|t', i)]);
      await sleep(10);
    }
    await waitFor('5 trickled', () => run2.delivered.get('r1|t') === 5);
    await run2.stop();
    expect(sizes).toEqual([5]);
  });

  it('is fenced by a newer instance; the old one takes over again from the committed offsets, never repeating', async () => {
    const bus = await newBus();
    const envA = testEnv(bus, TOPIC);
    const a = createKafkaSink(sinkNode(), envA);
    const chA = new MemoryChannel(1000, 1000);
    await chA.put(originEvents('r1|f1', 0, 100));
    const runA = runSink(a, chA);
    await waitFor('A: 100', () => runA.delivered.get('r1|f1') === 100);

    const b = createKafkaSink(sinkNode(), testEnv(bus, TOPIC));
    await b.open!();
    expect(b.committedPositions!().get('r1|f1')).toBe(100);
    const chB = new MemoryChannel(1000, 1000);
    await chB.put(originEvents('r1|f1', 0, 200));
    const runB = runSink(b, chB);
    await waitFor('B: 200', () => runB.delivered.get('r1|f1') === 200);
    await runB.stop();

    // A is a zombie now: its next transaction is refused, it starts over and skips what B sent.
    await chA.put(originEvents('r1|f1', 150, 210));
    await waitFor('A: 210', () => runA.delivered.get('r1|f1') === 210 && chA.size === 0);
    await runA.stop();
    expect(envA.logs.some((l) => l.level === 'error' && l.details?.code === 'producer_fenced')).toBe(true);
    expect(envA.counters.DuplicateSkippedCount).toBe(50);
    const values = await readAll(bus, TOPIC, 210);
    expect(diffExactlyOnce(values, originEvents('r1|f1', 0, 210).map((e) => e.body))).toEqual({ duplicates: [], missing: [], unexpected: 0 });
    expect(sinkTransactionalId('a1', 'k1')).toBe('weir-agent.a1.k1');
  });

  it('stops promptly while it cannot deliver, leaving the events in the channel', async () => {
    const base = await newBus();
    const { bus } = scripted(base, Array(1000).fill('fail'));
    const sink = createKafkaSink(sinkNode(), testEnv(bus, TOPIC));
    const ch = new MemoryChannel(1000, 1000);
    await ch.put(originEvents('r1|f1', 0, 20));
    const run = runSink(sink, ch);
    await sleep(400);
    const t0 = Date.now();
    await run.stop();
    expect(Date.now() - t0).toBeLessThan(1000);
    expect(ch.size).toBe(20);
    expect(run.delivered.size).toBe(0);
  });
});

describe('sink.kafka (exactly-once off)', () => {
  it('sends with a plain producer and writes no offsets', async () => {
    const bus = await newBus();
    const env = testEnv(bus, TOPIC);
    const sink = createKafkaSink(sinkNode({ exactlyOnce: false, 'kafka.producer.acks': '1', 'kafka.producer.compression.type': 'gzip' }), env);
    await sink.open!();
    const ch = new MemoryChannel(1000, 1000);
    await ch.put(originEvents('r1|f1', 0, 40));
    const run = runSink(sink, ch);
    await waitFor('40', () => run.delivered.get('r1|f1') === 40);
    await run.stop();
    expect(await readAll(bus, TOPIC, 40)).toHaveLength(40);
    await expect(bus.readLatest(AGENT_OFFSETS_TOPIC)).rejects.toMatchObject({ code: 'topic_not_found' });
    expect(sink.committedPositions!()).toEqual(new Map([['r1|f1', 40]]));
  });
});
