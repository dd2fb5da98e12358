import { Partitioners, type PartitionerArgs } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { busContract } from './bus.contract';
import { EmbeddedBus } from './embedded';
import { createBus } from './index';
import { partitionForKey } from './partitioner';

busContract('embedded', async () => new EmbeddedBus({ retryBackoffMs: 20 }), { settleMs: 200 });

describe('partitionForKey', () => {
  it('matches kafkajs DefaultPartitioner (Kafka murmur2) for ASCII and multi-byte keys', () => {
    const kafkajs = Partitioners.DefaultPartitioner();
    const keys = ['', 'a', 'ab', 'abc', 'abcd', 'user-42', '/shop/cart?id=7', '北京', 'é€😀', ...Array.from({ length: 200 }, (_, i) => `k${i * 7919}`)];
    for (const partitions of [1, 3, 4, 12]) {
      const partitionMetadata = Array.from({ length: partitions }, (_, p) => ({ partitionId: p, leader: 1 })) as PartitionerArgs['partitionMetadata'];
      for (const key of keys) {
        expect(partitionForKey(key, partitions)).toBe(kafkajs({ topic: 't', partitionMetadata, message: { key, value: 'v' } }));
      }
    }
  });
});

describe('embedded bus', () => {
  it('keeps a bounded number of messages per partition; a lagging group resumes at the oldest kept', async () => {
    const bus = new EmbeddedBus({ retentionMessages: 10 });
    await bus.ensureTopic({ name: 'ret', partitions: 1 });
    const producer = await bus.producer();
    await producer.send('ret', Array.from({ length: 25 }, (_, i) => ({ value: String(i) })));
    expect(await bus.endOffsets('ret')).toEqual([25]);
    const got: number[] = [];
    const c = await bus.consume({ groupId: 'g', topic: 'ret', eachBatch: async (b) => void got.push(...b.messages.map((m) => m.offset)) });
    for (let i = 0; i < 100 && got.length < 10; i++) await new Promise((r) => setTimeout(r, 10));
    expect(got).toEqual([15, 16, 17, 18, 19, 20, 21, 22, 23, 24]);
    await c.stop();
    await bus.close();
  });

  it('stop() waits for the batch in flight, and a closed bus refuses work', async () => {
    const bus = new EmbeddedBus();
    await bus.ensureTopic({ name: 'slow', partitions: 1 });
    await (await bus.producer()).send('slow', [{ value: 'x' }]);
    let finished = false;
    let started!: () => void;
    const startedP = new Promise<void>((r) => (started = r));
    const c = await bus.consume({
      groupId: 'g',
      topic: 'slow',
      eachBatch: async () => {
        started();
        await new Promise((r) => setTimeout(r, 100));
        finished = true;
      },
    });
    await startedP;
    await c.stop();
    expect(finished).toBe(true);
    expect(await bus.committedOffsets('g', 'slow')).toEqual([1]);
    await bus.close();
    expect((await bus.health()).ok).toBe(false);
    await expect(bus.ensureTopic({ name: 'x', partitions: 1 })).rejects.toMatchObject({ code: 'bus_closed' });
  });

  it('compacts a compacted topic to the latest record per key, keeping offsets, and refuses keyless records there', async () => {
    const bus = new EmbeddedBus({ retentionMessages: 10 });
    await bus.ensureTopic({ name: 'book', partitions: 1, compacted: true });
    const tp = await bus.transactionalProducer('t1');
    for (let i = 0; i < 3000; i++) await tp.sendTransaction([{ topic: 'book', messages: [{ key: `k${i % 5}`, value: String(i) }] }]);
    // Retention by count does not apply: no key is ever lost.
    expect(await bus.readLatest('book')).toEqual(new Map(Array.from({ length: 5 }, (_, k) => [`k${k}`, String(2995 + k)])));
    expect(await bus.endOffsets('book')).toEqual([3000]);
    const offsets: number[] = [];
    const c = await bus.consume({ groupId: 'g', topic: 'book', eachBatch: async (b) => void offsets.push(...b.messages.map((m) => m.offset)) });
    for (let i = 0; i < 100 && !offsets.includes(2999); i++) await new Promise((r) => setTimeout(r, 10));
    await c.stop();
    expect(offsets.length).toBeLessThan(3000);
    expect(offsets).toEqual([...offsets].sort((a, b) => a - b));
    expect(offsets.slice(-5)).toEqual([2995, 2996, 2997, 2998, 2999]);
    await expect(tp.sendTransaction([{ topic: 'book', messages: [{ value: 'no key' }] }])).rejects.toMatchObject({ code: 'invalid_message' });
    await expect((await bus.producer()).send('book', [{ key: 'big', value: 'x'.repeat(1_100_000) }])).rejects.toMatchObject({ code: 'message_too_large' });
    await bus.close();
  });

  it('grows a topic and gives the new partitions to the group', async () => {
    const bus = new EmbeddedBus();
    await bus.ensureTopic({ name: 'grow', partitions: 1 });
    const c = await bus.consume({ groupId: 'g', topic: 'grow', eachBatch: async () => {} });
    await bus.ensureTopic({ name: 'grow', partitions: 3 });
    expect(c.assignments()).toEqual([0, 1, 2]);
    expect(await bus.committedOffsets('g', 'grow')).toEqual([-1, -1, -1]);
    await bus.close();
  });
});

describe('createBus', () => {
  it('is embedded without KAFKA_BROKERS (or with it empty), kafka with it', async () => {
    expect(createBus({}).kind).toBe('embedded');
    expect(createBus({ KAFKA_BROKERS: ' ' }).kind).toBe('embedded');
    const k = createBus({ KAFKA_BROKERS: '127.0.0.1:1,127.0.0.1:2' });
    expect(k.kind).toBe('kafka');
    await k.close();
  });
});
