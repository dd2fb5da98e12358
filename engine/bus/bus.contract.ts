/**
 * The one behaviour both buses promise. embedded.test.ts and kafka.integration.test.ts run it;
 * anything the processor relies on (ordering, commits, redelivery, group splits) is pinned here.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { partitionForKey } from './partitioner';
import type { Bus, BusConsumer, ConsumeOptions, IncomingMessage, OutgoingMessage } from './types';

const TIMEOUT = 90_000;

const uid = (prefix: string) => `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitFor(what: string, cond: () => boolean | Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(25);
  }
}

interface Seen {
  partition: number;
  message: IncomingMessage;
  highWatermark: number;
}

/**
 * `settleMs`: how long "nothing more arrives" is watched after the expected messages came (a broker
 * redelivering late needs longer than the in-process bus).
 */
export function busContract(name: string, makeBus: () => Promise<Bus>, { settleMs = 1000 }: { settleMs?: number } = {}): void {
  const SETTLE_MS = settleMs;
  describe(`bus contract: ${name}`, () => {
    let bus: Bus;
    const consumers: BusConsumer[] = [];

    beforeAll(async () => {
      bus = await makeBus();
    }, TIMEOUT);
    afterEach(async () => {
      await Promise.all(consumers.splice(0).map((c) => c.stop()));
    }, TIMEOUT);
    afterAll(async () => {
      await bus?.close();
    }, TIMEOUT);

    /** Starts a group member that records every message it is handed. */
    async function collect(opts: Omit<ConsumeOptions, 'eachBatch'> & { onBatch?: ConsumeOptions['eachBatch'] }) {
      const seen: Seen[] = [];
      const consumer = await bus.consume({
        ...opts,
        eachBatch: async (batch) => {
          await opts.onBatch?.(batch);
          for (const message of batch.messages) seen.push({ partition: batch.partition, message, highWatermark: batch.highWatermark });
        },
      });
      consumers.push(consumer);
      return { consumer, seen };
    }

    async function produce(topic: string, messages: OutgoingMessage[]) {
      const producer = await bus.producer();
      try {
        // Several sends, so batches and partitions interleave as in real traffic.
        for (let i = 0; i < messages.length; i += 37) await producer.send(topic, messages.slice(i, i + 37));
      } finally {
        await producer.close();
      }
    }

    const keyed = (n: number, from = 0) =>
      Array.from({ length: n }, (_, j) => {
        const i = from + j;
        return { key: `k${i % 17}`, value: `v${i}`, headers: { i: String(i) } };
      });

    it('ensureTopic is idempotent and never shrinks a topic', async () => {
      const topic = uid('t-ensure');
      await bus.ensureTopic({ name: topic, partitions: 3 });
      await bus.ensureTopic({ name: topic, partitions: 3 });
      await bus.ensureTopic({ name: topic, partitions: 1 });
      expect(await bus.endOffsets(topic)).toEqual([0, 0, 0]);
      await expect(bus.ensureTopic({ name: 'bad name!', partitions: 1 })).rejects.toMatchObject({ code: 'invalid_topic' });
      await expect(bus.endOffsets(uid('t-missing'))).rejects.toMatchObject({ code: 'topic_not_found' });
    }, TIMEOUT);

    it('refuses to produce to or consume from a topic that does not exist', async () => {
      const topic = uid('t-absent');
      const producer = await bus.producer();
      try {
        await expect(producer.send(topic, [{ value: 'x' }])).rejects.toMatchObject({ code: 'topic_not_found' });
      } finally {
        await producer.close();
      }
      await expect(bus.consume({ groupId: uid('g'), topic, eachBatch: async () => {} })).rejects.toMatchObject({ code: 'topic_not_found' });
    }, TIMEOUT);

    it('delivers every keyed message exactly once, in order within each partition, same key → same partition', async () => {
      const topic = uid('t-order');
      const partitions = 4;
      const n = 300;
      await bus.ensureTopic({ name: topic, partitions });
      await produce(topic, keyed(n));
      const { seen } = await collect({ groupId: uid('g-order'), topic, maxBatchSize: 50 });
      await waitFor(`${n} messages`, () => seen.length >= n);
      await sleep(SETTLE_MS);

      expect(seen.length).toBe(n);
      expect(new Set(seen.map((s) => s.message.value)).size).toBe(n);
      const byPartition = new Map<number, IncomingMessage[]>();
      for (const s of seen) byPartition.set(s.partition, [...(byPartition.get(s.partition) ?? []), s.message]);
      for (const msgs of byPartition.values()) expect(msgs.map((m) => m.offset)).toEqual(msgs.map((_, i) => i));

      const partitionOfKey = new Map<string, Set<number>>();
      for (const { partition, message } of seen) {
        expect(message.headers.i).toBe(message.value.slice(1));
        expect(message.timestamp).toBeGreaterThan(0);
        partitionOfKey.set(message.key!, (partitionOfKey.get(message.key!) ?? new Set()).add(partition));
      }
      for (const [key, parts] of partitionOfKey) {
        // Kafka's murmur2 rule, so a key lands in the same partition on either bus.
        expect([...parts]).toEqual([partitionForKey(key, partitions)]);
      }
      // Within one key (hence one partition), production order is kept.
      const k0 = seen.filter((s) => s.message.key === 'k0').map((s) => Number(s.message.value.slice(1)));
      expect(k0).toEqual([...k0].sort((a, b) => a - b));
      expect(await bus.endOffsets(topic)).toEqual(Array.from({ length: partitions }, (_, p) => byPartition.get(p)?.length ?? 0));
    }, TIMEOUT);

    it('honours an explicit partition and spreads unkeyed messages', async () => {
      const topic = uid('t-explicit');
      await bus.ensureTopic({ name: topic, partitions: 3 });
      await produce(topic, [
        { key: 'x', value: 'a', partition: 2 },
        { value: 'b', partition: 1 },
        ...Array.from({ length: 30 }, (_, i) => ({ value: `u${i}` })),
      ]);
      const ends = await bus.endOffsets(topic);
      expect(ends.reduce((a, b) => a + b, 0)).toBe(32);
      expect(ends.every((e) => e >= 1)).toBe(true);
      const { seen } = await collect({ groupId: uid('g-explicit'), topic });
      await waitFor('32 messages', () => seen.length >= 32);
      expect(seen.find((s) => s.message.value === 'a')?.partition).toBe(2);
      expect(seen.find((s) => s.message.value === 'b')?.partition).toBe(1);
    }, TIMEOUT);

    it('resumes a group from its committed offsets after stop/start, redelivering nothing committed', async () => {
      const topic = uid('t-resume');
      const groupId = uid('g-resume');
      await bus.ensureTopic({ name: topic, partitions: 2 });
      await produce(topic, keyed(50));
      const first = await collect({ groupId, topic, maxBatchSize: 10 });
      await waitFor('first 50', () => first.seen.length >= 50);
      await first.consumer.stop();
      expect(await bus.committedOffsets(groupId, topic)).toEqual(await bus.endOffsets(topic));

      await produce(topic, keyed(30, 50));
      const second = await collect({ groupId, topic, maxBatchSize: 10 });
      await waitFor('30 more', () => second.seen.length >= 30);
      await sleep(SETTLE_MS);
      expect(second.seen.map((s) => s.message.value).sort()).toEqual(keyed(30, 50).map((m) => m.value).sort());
      await second.consumer.stop();
      expect(await bus.committedOffsets(groupId, topic)).toEqual(await bus.endOffsets(topic));
    }, TIMEOUT);

    it('redelivers a batch whose handler threw, and loses nothing', async () => {
      const topic = uid('t-retry');
      const groupId = uid('g-retry');
      await bus.ensureTopic({ name: topic, partitions: 1 });
      await produce(topic, keyed(40));
      const attempts: { first: number; last: number; ok: boolean }[] = [];
      let failuresLeft = 2;
      const { seen } = await collect({
        groupId,
        topic,
        maxBatchSize: 8,
        onBatch: async (batch) => {
          const first = batch.messages[0].offset;
          const last = batch.messages[batch.messages.length - 1].offset;
          const poisoned = batch.messages.some((m) => m.value === 'v13');
          if (poisoned && failuresLeft > 0) {
            failuresLeft--;
            attempts.push({ first, last, ok: false });
            throw new Error('handler failure (on purpose)');
          }
          attempts.push({ first, last, ok: true });
        },
      });
      await waitFor('40 messages', () => seen.length >= 40);
      await sleep(SETTLE_MS);

      expect(seen.map((s) => s.message.offset)).toEqual(Array.from({ length: 40 }, (_, i) => i));
      const failed = attempts.filter((a) => !a.ok);
      expect(failed.length).toBe(2);
      // Each retry starts where the failed batch started: the commit did not move past it.
      for (const f of failed) {
        const next = attempts[attempts.indexOf(f) + 1];
        expect(next.first).toBe(f.first);
      }
      await waitFor('commit of all 40', async () => (await bus.committedOffsets(groupId, topic))[0] === 40, 30_000);
    }, TIMEOUT);

    it('splits partitions between two members of a group, which together see every message once', async () => {
      const topic = uid('t-split');
      const groupId = uid('g-split');
      const partitions = 4;
      await bus.ensureTopic({ name: topic, partitions });
      const a = await collect({ groupId, topic });
      expect(a.consumer.assignments()).toEqual([0, 1, 2, 3]);
      const b = await collect({ groupId, topic });
      const split = () => {
        const [x, y] = [a.consumer.assignments(), b.consumer.assignments()];
        return x.length > 0 && y.length > 0 && [...x, ...y].sort().join() === '0,1,2,3';
      };
      await waitFor('a stable two-way split', split);

      await produce(topic, keyed(200));
      await waitFor('200 messages', () => a.seen.length + b.seen.length >= 200);
      await sleep(SETTLE_MS);
      const all = [...a.seen, ...b.seen];
      expect(all.length).toBe(200);
      expect(new Set(all.map((s) => s.message.value)).size).toBe(200);
      for (const s of a.seen) expect(a.consumer.assignments()).toContain(s.partition);
      for (const s of b.seen) expect(b.consumer.assignments()).toContain(s.partition);

      // When one member leaves, the other takes over its partitions from the committed offsets.
      await b.consumer.stop();
      await waitFor('a owns all partitions', () => a.consumer.assignments().length === partitions);
      const before = a.seen.length;
      await produce(topic, keyed(40, 200));
      await waitFor('40 more on a', () => a.seen.length >= before + 40);
      await sleep(SETTLE_MS);
      expect(a.seen.length).toBe(before + 40);
      expect(b.consumer.assignments()).toEqual([]);
    }, TIMEOUT);

    it('reports end offsets and committed offsets per partition', async () => {
      const topic = uid('t-offsets');
      const groupId = uid('g-offsets');
      await bus.ensureTopic({ name: topic, partitions: 3 });
      expect(await bus.endOffsets(topic)).toEqual([0, 0, 0]);
      expect(await bus.committedOffsets(groupId, topic)).toEqual([-1, -1, -1]);
      await produce(topic, [
        ...Array.from({ length: 5 }, (_, i) => ({ value: `p0-${i}`, partition: 0 })),
        ...Array.from({ length: 2 }, (_, i) => ({ value: `p2-${i}`, partition: 2 })),
      ]);
      expect(await bus.endOffsets(topic)).toEqual([5, 0, 2]);
      const { consumer, seen } = await collect({ groupId, topic });
      await waitFor('7 messages', () => seen.length >= 7);
      await consumer.stop();
      expect(await bus.committedOffsets(groupId, topic)).toEqual([5, -1, 2]);
      // The batch's high watermark is the log end at fetch time: past the message, within the log.
      for (const s of seen) {
        expect(s.highWatermark).toBeGreaterThan(s.message.offset);
        expect(s.highWatermark).toBeLessThanOrEqual(s.partition === 0 ? 5 : 2);
      }
    }, TIMEOUT);

    it('starts a new group at the end when fromBeginning is false', async () => {
      const topic = uid('t-latest');
      await bus.ensureTopic({ name: topic, partitions: 2 });
      await produce(topic, keyed(10));
      const { seen } = await collect({ groupId: uid('g-latest'), topic, fromBeginning: false });
      // The "latest" position is taken at the first fetch after the join.
      await sleep(1500);
      await produce(topic, keyed(5, 10));
      await waitFor('5 new', () => seen.length >= 5);
      await sleep(SETTLE_MS);
      expect(seen.map((s) => s.message.value).sort()).toEqual(keyed(5, 10).map((m) => m.value).sort());
    }, TIMEOUT);

    it('resets a group without members to the log start, and refuses while it has one', async () => {
      const topic = uid('t-reset');
      const groupId = uid('g-reset');
      await bus.ensureTopic({ name: topic, partitions: 2 });
      await produce(topic, keyed(40));
      const first = await collect({ groupId, topic, maxBatchSize: 10 });
      await waitFor('first 40', () => first.seen.length >= 40);
      await expect(bus.resetGroup(groupId, topic)).rejects.toMatchObject({ code: 'group_active', status: 409, retriable: true });
      await first.consumer.stop();
      expect(await bus.committedOffsets(groupId, topic)).toEqual(await bus.endOffsets(topic));

      await bus.resetGroup(groupId, topic);
      expect(await bus.committedOffsets(groupId, topic)).toEqual([0, 0]);
      const again = await collect({ groupId, topic, maxBatchSize: 10 });
      await waitFor('the 40 again', () => again.seen.length >= 40);
      await sleep(SETTLE_MS);
      expect(again.seen.map((s) => s.message.value).sort()).toEqual(keyed(40).map((m) => m.value).sort());
      // A group that never consumed the topic is set to the log start as well.
      const fresh = uid('g-reset-new');
      await bus.resetGroup(fresh, topic);
      expect(await bus.committedOffsets(fresh, topic)).toEqual([0, 0]);
      await expect(bus.resetGroup(groupId, uid('t-missing'))).rejects.toMatchObject({ code: 'topic_not_found' });
    }, TIMEOUT);

    it('lets a handler move its position with { seek }: the batch is not committed, reading goes on from there', async () => {
      const topic = uid('t-seek');
      const groupId = uid('g-seek');
      await bus.ensureTopic({ name: topic, partitions: 1 });
      await produce(topic, keyed(30));
      const starts: number[] = [];
      let sought = false;
      const seen: number[] = [];
      const consumer = await bus.consume({
        groupId,
        topic,
        maxBatchSize: 5,
        eachBatch: async (batch) => {
          starts.push(batch.messages[0].offset);
          if (!sought && batch.messages.some((m) => m.offset >= 12)) {
            sought = true;
            return { seek: 3 };
          }
          for (const m of batch.messages) seen.push(m.offset);
        },
      });
      consumers.push(consumer);
      await waitFor('offset 29', () => seen.includes(29));
      await sleep(SETTLE_MS);
      const at = starts.findIndex((s, i) => i > 0 && s < starts[i - 1]);
      expect(starts[at]).toBe(3); // the batch after the seek starts where the handler asked
      // Everything before the seeking batch once, then from 3 on again: nothing of that batch was committed.
      expect(seen).toEqual([...Array.from({ length: starts[at - 1] }, (_, i) => i), ...Array.from({ length: 27 }, (_, i) => i + 3)]);
      await waitFor('commit at the end', async () => (await bus.committedOffsets(groupId, topic))[0] === 30, 30_000);
    }, TIMEOUT);

    it('makes a transaction over several topics visible at once, to consumers and to readLatest', async () => {
      const data = uid('t-txn-data');
      const book = uid('t-txn-book');
      await bus.ensureTopic({ name: data, partitions: 2 });
      await bus.ensureTopic({ name: book, partitions: 1, compacted: true });
      await bus.ensureTopic({ name: book, partitions: 1, compacted: true });
      expect(await bus.readLatest(book)).toEqual(new Map());
      const tp = await bus.transactionalProducer(uid('tx'));
      try {
        await tp.sendTransaction([
          { topic: data, messages: keyed(20) },
          { topic: book, messages: [{ key: 'a', value: '1' }, { key: 'b', value: '1' }] },
        ]);
        await tp.sendTransaction([
          { topic: data, messages: keyed(10, 20) },
          { topic: book, messages: [{ key: 'a', value: '2' }] },
        ]);
        // Nothing to send is no transaction at all.
        await tp.sendTransaction([{ topic: data, messages: [] }]);
      } finally {
        await tp.close();
      }
      expect(await bus.readLatest(book)).toEqual(new Map([['a', '2'], ['b', '1']]));
      const { seen } = await collect({ groupId: uid('g-txn'), topic: data });
      await waitFor('30 committed messages', () => seen.length >= 30);
      await sleep(SETTLE_MS);
      expect(seen.map((s) => s.message.value).sort()).toEqual(keyed(30).map((m) => m.value).sort());
      expect(seen.find((s) => s.message.value === 'v3')?.message.headers.i).toBe('3');
      await expect(bus.readLatest(uid('t-missing'))).rejects.toMatchObject({ code: 'topic_not_found' });
    }, TIMEOUT);

    it('hides an aborted transaction from consumers and readLatest', async () => {
      const data = uid('t-abort-data');
      const book = uid('t-abort-book');
      await bus.ensureTopic({ name: data, partitions: 1 });
      await bus.ensureTopic({ name: book, partitions: 1, compacted: true });
      const tp = await bus.transactionalProducer(uid('tx'));
      try {
        // The small records reach the broker first; the oversized one then fails the transaction.
        await expect(
          tp.sendTransaction([
            { topic: book, messages: [{ key: 'gone', value: '1' }] },
            { topic: data, messages: [{ value: 'aborted-1' }, { value: 'x'.repeat(2_000_000) }] },
          ]),
        ).rejects.toMatchObject({ code: 'message_too_large' });
        // A log that ends in an aborted transaction is read to its end all the same.
        expect(await bus.readLatest(book)).toEqual(new Map());
        // The same producer goes on after an abort.
        await tp.sendTransaction([
          { topic: data, messages: [{ value: 'committed-1' }] },
          { topic: book, messages: [{ key: 'k2', value: 'ok' }] },
        ]);
      } finally {
        await tp.close();
      }
      expect(await bus.readLatest(book)).toEqual(new Map([['k2', 'ok']]));
      const { seen } = await collect({ groupId: uid('g-abort'), topic: data });
      await waitFor('the committed message', () => seen.length >= 1);
      await sleep(SETTLE_MS);
      expect(seen.map((s) => s.message.value)).toEqual(['committed-1']);
    }, TIMEOUT);

    it('fences a transactional producer once a newer one with the same id exists', async () => {
      const book = uid('t-fence');
      await bus.ensureTopic({ name: book, partitions: 1, compacted: true });
      const id = uid('tx-fence');
      const first = await bus.transactionalProducer(id);
      const second = await bus.transactionalProducer(id).catch(async (e) => {
        await first.close();
        throw e;
      });
      try {
        await expect(first.sendTransaction([{ topic: book, messages: [{ key: 'k', value: 'zombie' }] }])).rejects.toMatchObject({
          code: 'producer_fenced',
          retriable: false,
        });
        await second.sendTransaction([{ topic: book, messages: [{ key: 'k', value: 'new' }] }]);
        // Fenced for good: a zombie never writes again.
        await expect(first.sendTransaction([{ topic: book, messages: [{ key: 'k', value: 'zombie-2' }] }])).rejects.toMatchObject({ code: 'producer_fenced' });
      } finally {
        await first.close();
        await second.close();
      }
      expect(await bus.readLatest(book)).toEqual(new Map([['k', 'new']]));

      // A producer created after a fenced-off one has ended takes over cleanly.
      const third = await bus.transactionalProducer(id);
      try {
        await third.sendTransaction([{ topic: book, messages: [{ key: 'k', value: 'third' }] }]);
      } finally {
        await third.close();
      }
      expect((await bus.readLatest(book)).get('k')).toBe('third');
    }, TIMEOUT);

    it('reports itself healthy', async () => {
      const h = await bus.health();
      expect(h.ok).toBe(true);
      expect(typeof h.detail).toBe('string');
    }, TIMEOUT);
  });
}
