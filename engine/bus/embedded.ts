/**
 * The in-process bus: Kafka's semantics without a broker, so `npm start` needs nothing installed.
 * Partitioned append-only logs, key → partition as Kafka does it, consumer groups whose committed
 * offsets outlive their members, and partitions split among a group's live members.
 *
 * Transactions are validated whole and appended in one synchronous step, so a consumer sees all of
 * one or (aborted) none of it; a newer producer with the same transactional id fences the older.
 * Compacted topics keep the latest record per key instead of trimming by count.
 *
 * One runner per (group, topic, partition) delivers batches to whichever member currently owns
 * the partition, so a partition is never processed by two members at once, and a handover after a
 * rebalance resumes exactly at the committed offset.
 */
import { WeirError } from '../spec/errors';
import { partitionForKey } from './partitioner';
import { MAX_MESSAGE_BYTES, checkTopicSpec, messageTooLarge, producerFenced, topicNotFound } from './topic-spec';
import type { Bus, BusConsumer, BusProducer, ConsumeOptions, IncomingMessage, OutgoingMessage, TopicSpec, TransactionalProducer } from './types';

export interface EmbeddedBusOptions {
  /** Messages kept per partition; a consumer that falls behind them resumes at the oldest kept. */
  retentionMessages?: number;
  /** Pause before a batch whose handler threw is delivered again (doubles up to 10×). */
  retryBackoffMs?: number;
  /** Batch size when the consumer sets none. */
  defaultMaxBatchSize?: number;
}

/** Resolves every waiter at the next `fire()`: a condition variable for async loops. */
class Signal {
  private waiters = new Set<() => void>();
  wait(): Promise<void> {
    return waitAny(this);
  }
  add(w: () => void): void {
    this.waiters.add(w);
  }
  remove(w: () => void): void {
    this.waiters.delete(w);
  }
  fire(): void {
    const w = [...this.waiters];
    this.waiters.clear();
    for (const r of w) r();
  }
}

/** Waits for the first of several signals and unregisters from the others, so idle loops leak nothing. */
function waitAny(...signals: Signal[]): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      for (const s of signals) s.remove(done);
      resolve();
    };
    for (const s of signals) s.add(done);
  });
}

class PartitionLog {
  private entries: IncomingMessage[] = [];
  private head = 0;
  /** Offset of the oldest retained message. */
  startOffset = 0;
  /** Offset the next message gets. */
  endOffset = 0;
  readonly appended = new Signal();
  /** Compacted logs: key → offset of its latest record (Kafka's cleaner keeps that one). */
  private readonly latest: Map<string, number> | null;

  constructor(compacted = false) {
    this.latest = compacted ? new Map() : null;
  }

  append(msg: Omit<IncomingMessage, 'offset'>, retention: number, retentionMs: number | undefined): void {
    const offset = this.endOffset++;
    this.entries.push(Object.freeze({ ...msg, offset }));
    if (this.latest) {
      if (msg.key !== null) this.latest.set(msg.key, offset);
      // Compaction leaves offset gaps, as in Kafka; amortised O(1) per append.
      if (this.entries.length - this.head > 2 * this.latest.size + 1024) this.compact();
      return;
    }
    let drop = Math.max(0, this.endOffset - this.startOffset - retention);
    if (retentionMs !== undefined && retentionMs > 0) {
      const cutoff = msg.timestamp - retentionMs;
      while (drop < this.entries.length - this.head - 1 && this.entries[this.head + drop].timestamp < cutoff) drop++;
    }
    this.head += drop;
    this.startOffset += drop;
    // Compact lazily so trimming stays O(1) amortised.
    if (this.head > 1024 && this.head * 2 > this.entries.length) {
      this.entries = this.entries.slice(this.head);
      this.head = 0;
    }
  }

  private compact(): void {
    const latest = this.latest!;
    this.entries = this.entries.slice(this.head).filter((m) => m.key !== null && latest.get(m.key) === m.offset);
    this.head = 0;
  }

  read(from: number, max: number): IncomingMessage[] {
    let i: number;
    if (!this.latest) {
      i = this.head + (from - this.startOffset);
    } else {
      // Offsets have gaps after compaction: the first entry at or after `from`.
      let lo = this.head;
      let hi = this.entries.length;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (this.entries[mid].offset < from) lo = mid + 1;
        else hi = mid;
      }
      i = lo;
    }
    return this.entries.slice(i, i + max);
  }

  /** Every retained message, oldest first. */
  all(): readonly IncomingMessage[] {
    return this.entries.slice(this.head);
  }
}

interface Topic {
  name: string;
  logs: PartitionLog[];
  retentionMs?: number;
  compacted: boolean;
  roundRobin: number;
}

/** Validated messages of one send, ready to append. */
interface PreparedSend {
  topic: Topic;
  messages: OutgoingMessage[];
  partitions: number[];
}

interface Member {
  id: number;
  opts: ConsumeOptions;
  assigned: number[];
  inflight: number;
  idle: Signal;
  stopped: boolean;
}

/** One consumer group reading one topic. */
class GroupTopic {
  members: Member[] = [];
  readonly changed = new Signal();
  readonly runners = new Set<number>();
  constructor(
    readonly groupId: string,
    readonly topic: Topic,
    readonly committed: number[],
  ) {}

  rebalance(): void {
    const n = this.topic.logs.length;
    this.members.forEach((m, i) => {
      m.assigned = [];
      for (let p = i; p < n; p += this.members.length) m.assigned.push(p);
    });
    this.changed.fire();
  }

  ownerOf(partition: number): Member | undefined {
    return this.members.find((m) => m.assigned.includes(partition));
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class EmbeddedBus implements Bus {
  readonly kind = 'embedded' as const;
  private readonly topics = new Map<string, Topic>();
  /** groupId → topic → committed offset per partition (-1 = none). Kept after members leave. */
  private readonly groups = new Map<string, Map<string, GroupTopic>>();
  private readonly retention: number;
  private readonly backoffMs: number;
  private readonly defaultBatch: number;
  private nextMemberId = 1;
  /** Transactional id → epoch of its newest producer. */
  private readonly producerEpochs = new Map<string, number>();
  private closed = false;

  constructor(opts: EmbeddedBusOptions = {}) {
    this.retention = opts.retentionMessages ?? 200_000;
    this.backoffMs = opts.retryBackoffMs ?? 200;
    this.defaultBatch = opts.defaultMaxBatchSize ?? 1000;
  }

  async ensureTopic(spec: TopicSpec): Promise<void> {
    this.assertOpen();
    checkTopicSpec(spec);
    const existing = this.topics.get(spec.name);
    if (!existing) {
      const compacted = spec.compacted === true;
      this.topics.set(spec.name, {
        name: spec.name,
        logs: Array.from({ length: spec.partitions }, () => new PartitionLog(compacted)),
        retentionMs: spec.retentionMs,
        compacted,
        roundRobin: 0,
      });
      return;
    }
    if (spec.partitions <= existing.logs.length) return;
    const before = existing.logs.length;
    while (existing.logs.length < spec.partitions) existing.logs.push(new PartitionLog(existing.compacted));
    for (const byTopic of this.groups.values()) {
      const gt = byTopic.get(spec.name);
      if (!gt) continue;
      for (let p = before; p < spec.partitions; p++) {
        gt.committed.push(-1);
        this.startRunner(gt, p);
      }
      gt.rebalance();
    }
  }

  async producer(): Promise<BusProducer> {
    this.assertOpen();
    let open = true;
    return {
      send: async (topic, messages) => {
        if (!open) throw new WeirError('bus_closed', 'This producer was closed; create a new one.');
        this.assertOpen();
        this.apply([this.prepare(topic, messages)]);
      },
      close: async () => {
        open = false;
      },
    };
  }

  /**
   * All sends of one transaction are validated first and then appended in one synchronous step, so
   * consumers and readLatest see all of it or (when it fails, i.e. aborts) none of it.
   */
  async transactionalProducer(transactionalId: string): Promise<TransactionalProducer> {
    this.assertOpen();
    if (typeof transactionalId !== 'string' || transactionalId.length === 0) {
      throw new WeirError('invalid_producer', 'A transactional producer needs a non-empty transactional id.');
    }
    // Kafka's InitProducerId: a new producer bumps the epoch, which fences every older one.
    const epoch = (this.producerEpochs.get(transactionalId) ?? 0) + 1;
    this.producerEpochs.set(transactionalId, epoch);
    let open = true;
    return {
      sendTransaction: async (batches) => {
        if (!open) throw new WeirError('bus_closed', 'This producer was closed; create a new one.');
        this.assertOpen();
        if (this.producerEpochs.get(transactionalId) !== epoch) throw producerFenced(transactionalId);
        this.apply(batches.filter((b) => b.messages.length > 0).map((b) => this.prepare(b.topic, b.messages)));
      },
      close: async () => {
        open = false;
      },
    };
  }

  async readLatest(topic: string): Promise<Map<string, string>> {
    this.assertOpen();
    const latest = new Map<string, string>();
    for (const log of this.topicOrThrow(topic).logs) {
      for (const m of log.all()) if (m.key !== null) latest.set(m.key, m.value);
    }
    return latest;
  }

  /** Checks a whole send and picks each message's partition; appends nothing. */
  private prepare(topicName: string, messages: OutgoingMessage[]): PreparedSend {
    const topic = this.topicOrThrow(topicName);
    const n = topic.logs.length;
    const partitions = messages.map((m) => {
      if (typeof m.value !== 'string') throw new WeirError('invalid_message', `Message values must be strings (topic "${topicName}").`);
      const bytes = Buffer.byteLength(m.value) + (m.key ? Buffer.byteLength(m.key) : 0);
      if (bytes > MAX_MESSAGE_BYTES) throw messageTooLarge(topicName, bytes);
      if (topic.compacted && (m.key === undefined || m.key === null)) {
        throw new WeirError('invalid_message', `Topic "${topicName}" is compacted: every message needs a key.`, { details: { topic: topicName } });
      }
      if (m.partition !== undefined && m.partition !== null) {
        if (!Number.isInteger(m.partition) || m.partition < 0 || m.partition >= n) {
          throw new WeirError('partition_out_of_range', `Topic "${topicName}" has partitions 0..${n - 1}; got ${m.partition}.`, {
            details: { topic: topicName, partition: m.partition },
          });
        }
        return m.partition;
      }
      if (m.key !== undefined && m.key !== null) return partitionForKey(m.key, n);
      return -1;
    });
    return { topic, messages, partitions };
  }

  private apply(sends: PreparedSend[]): void {
    const now = Date.now();
    const touched = new Set<PartitionLog>();
    for (const { topic, messages, partitions } of sends) {
      messages.forEach((m, i) => {
        let p = partitions[i];
        if (p < 0) p = topic.roundRobin = (topic.roundRobin + 1) % topic.logs.length;
        const log = topic.logs[p];
        log.append({ key: m.key ?? null, value: m.value, headers: Object.freeze({ ...(m.headers ?? {}) }), timestamp: now }, this.retention, topic.retentionMs);
        touched.add(log);
      });
    }
    for (const log of touched) log.appended.fire();
  }

  async consume(opts: ConsumeOptions): Promise<BusConsumer> {
    this.assertOpen();
    const topic = this.topicOrThrow(opts.topic);
    if (opts.maxBatchSize !== undefined && !(Number.isInteger(opts.maxBatchSize) && opts.maxBatchSize > 0)) {
      throw new WeirError('invalid_consumer', `maxBatchSize must be a positive whole number (got ${opts.maxBatchSize}).`);
    }
    const gt = this.groupTopic(opts.groupId, topic);
    const member: Member = { id: this.nextMemberId++, opts, assigned: [], inflight: 0, idle: new Signal(), stopped: false };
    gt.members.push(member);
    gt.rebalance();
    return {
      assignments: () => [...member.assigned],
      stop: async () => {
        if (!member.stopped) {
          member.stopped = true;
          gt.members = gt.members.filter((m) => m !== member);
          member.assigned = [];
          gt.rebalance();
        }
        // Like a Kafka consumer's disconnect: returns once the batch in flight has settled.
        while (member.inflight > 0) await member.idle.wait();
      },
    };
  }

  async endOffsets(topic: string): Promise<number[]> {
    return this.topicOrThrow(topic).logs.map((l) => l.endOffset);
  }

  async committedOffsets(groupId: string, topic: string): Promise<number[]> {
    const t = this.topicOrThrow(topic);
    const gt = this.groups.get(groupId)?.get(topic);
    return gt ? [...gt.committed] : t.logs.map(() => -1);
  }

  async resetGroup(groupId: string, topic: string): Promise<void> {
    this.assertOpen();
    const gt = this.groupTopic(groupId, this.topicOrThrow(topic));
    if (gt.members.length > 0) {
      throw new WeirError('group_active', `Consumer group "${groupId}" has ${gt.members.length} active member(s); stop them before resetting its offsets.`, {
        status: 409,
        retriable: true,
        details: { groupId, topic },
      });
    }
    gt.topic.logs.forEach((log, p) => (gt.committed[p] = log.startOffset));
  }

  async health(): Promise<{ ok: boolean; detail: string }> {
    if (this.closed) return { ok: false, detail: 'embedded bus is closed' };
    return { ok: true, detail: `embedded in-process bus, ${this.topics.size} topic(s)` };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const stops: Promise<void>[] = [];
    for (const byTopic of this.groups.values()) {
      for (const gt of byTopic.values()) {
        for (const m of gt.members) {
          m.stopped = true;
          m.assigned = [];
          stops.push((async () => {
            while (m.inflight > 0) await m.idle.wait();
          })());
        }
        gt.members = [];
        gt.changed.fire();
        gt.topic.logs.forEach((l) => l.appended.fire());
      }
    }
    await Promise.all(stops);
  }

  private assertOpen(): void {
    if (this.closed) throw new WeirError('bus_closed', 'The bus was closed; create a new one with createBus().');
  }

  private topicOrThrow(name: string): Topic {
    const t = this.topics.get(name);
    if (!t) throw topicNotFound(name);
    return t;
  }

  private groupTopic(groupId: string, topic: Topic): GroupTopic {
    let byTopic = this.groups.get(groupId);
    if (!byTopic) this.groups.set(groupId, (byTopic = new Map()));
    let gt = byTopic.get(topic.name);
    if (!gt) {
      gt = new GroupTopic(groupId, topic, topic.logs.map(() => -1));
      byTopic.set(topic.name, gt);
      for (let p = 0; p < topic.logs.length; p++) this.startRunner(gt, p);
    }
    return gt;
  }

  private startRunner(gt: GroupTopic, partition: number): void {
    if (gt.runners.has(partition)) return;
    gt.runners.add(partition);
    void this.runPartition(gt, partition).finally(() => gt.runners.delete(partition));
  }

  private async runPartition(gt: GroupTopic, p: number): Promise<void> {
    const log = gt.topic.logs[p];
    let owner: Member | undefined;
    let position = -1;
    let failures = 0;
    while (!this.closed) {
      const current = gt.ownerOf(p);
      if (current !== owner) {
        owner = current;
        position = -1;
        failures = 0;
      }
      if (!owner) {
        await gt.changed.wait();
        continue;
      }
      if (position < 0) {
        const committed = gt.committed[p];
        position = committed >= 0 ? committed : owner.opts.fromBeginning === false ? log.endOffset : log.startOffset;
      }
      // Retention may have dropped what the group had not read yet (Kafka: auto.offset.reset=earliest).
      position = Math.max(position, log.startOffset);
      const messages = log.read(position, owner.opts.maxBatchSize ?? this.defaultBatch);
      if (messages.length === 0) {
        await waitAny(log.appended, gt.changed);
        continue;
      }
      const m = owner;
      m.inflight++;
      let failed = false;
      try {
        const outcome = (await m.opts.eachBatch({ topic: gt.topic.name, partition: p, messages, highWatermark: log.endOffset })) ?? undefined;
        if (outcome && Number.isSafeInteger(outcome.seek) && outcome.seek >= 0) position = Math.max(outcome.seek, log.startOffset);
        else position = messages[messages.length - 1].offset + 1;
        gt.committed[p] = position;
        failures = 0;
      } catch {
        failed = true;
      } finally {
        m.inflight--;
        if (m.inflight === 0) m.idle.fire();
      }
      if (failed) {
        // Nothing committed: the same batch comes again (to whoever owns the partition by then).
        failures++;
        await sleep(this.backoffMs * Math.min(10, 2 ** (failures - 1)));
      }
    }
  }
}
