/**
 * The bus over a real Kafka broker (kafkajs 2.2.4). Same contract as the embedded bus
 * (bus.contract.ts); the differences a caller can see are timing ones (group joins, rebalances).
 * Consumers read committed records only (read_committed), so the agents' transactions are atomic
 * for the processor too.
 */
import { randomBytes } from 'node:crypto';
import {
  CompressionTypes,
  Kafka,
  logLevel,
  Partitioners,
  type Admin,
  type Consumer,
  type IHeaders,
  type KafkaMessage,
  type Message,
  type Producer,
  type Transaction,
} from 'kafkajs';
import { WeirError, isWeirError } from '../spec/errors';
import { checkTopicSpec, messageTooLarge, producerFenced, topicNotFound } from './topic-spec';
import type {
  BatchOutcome,
  Bus,
  BusConsumer,
  BusProducer,
  ConsumeOptions,
  IncomingMessage,
  OutgoingMessage,
  ProducerOptions,
  TopicSpec,
  TransactionalProducer,
} from './types';

export interface KafkaBusOptions {
  brokers: string[];
  clientId?: string;
  /** Pause before a batch whose handler threw is delivered again (doubles up to 10×). */
  retryBackoffMs?: number;
  /** Batch size when the consumer sets none. */
  defaultMaxBatchSize?: number;
  /**
   * Partitions one consumer processes at once. 1 by default: kafkajs' concurrent mode has known
   * redelivery bugs around errors and rebalances (tulios/kafkajs#945, #1053).
   */
  partitionsConsumedConcurrently?: number;
  /** Time to wait for a consumer's first group join before consume() fails. */
  joinTimeoutMs?: number;
  /**
   * How long the group waits for a silent (killed) member before giving its partitions to others.
   * Default 30 s, or WEIR_KAFKA_SESSION_TIMEOUT_MS; the broker accepts 6 s at least by default.
   */
  sessionTimeoutMs?: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const UNREACHABLE = new Set([
  'KafkaJSConnectionError',
  'KafkaJSConnectionClosedError',
  'KafkaJSBrokerNotFound',
  'KafkaJSNoBrokerAvailableError',
  'KafkaJSRequestTimeoutError',
]);

interface ErrorLike {
  name?: string;
  message?: string;
  type?: string;
  cause?: unknown;
  originalError?: unknown;
  errors?: unknown[];
}

/** True when the error, its causes, or (for kafkajs' aggregate errors) any of its parts match. */
function anyInChain(e: unknown, match: (cur: ErrorLike) => boolean, depth = 0): boolean {
  if (!e || typeof e !== 'object' || depth > 8) return false;
  const cur = e as ErrorLike;
  if (match(cur)) return true;
  if (Array.isArray(cur.errors) && cur.errors.some((x) => anyInChain(x, match, depth + 1))) return true;
  return anyInChain(cur.cause ?? cur.originalError, match, depth + 1);
}

/** True when an error (or anything in its cause chain) means "no broker answered". */
function isUnreachable(e: unknown): boolean {
  return anyInChain(e, (cur) => Boolean(cur.name && UNREACHABLE.has(cur.name)) || /ECONNREFUSED|EHOSTUNREACH|ENOTFOUND|ETIMEDOUT|Connection (error|timeout)|Failed to connect/i.test(cur.message ?? ''));
}

/**
 * The broker fenced this producer: a newer one with the same transactional id bumped the epoch.
 * Kafka 3.x answers PRODUCER_FENCED (90, unknown to kafkajs 2.2.4) or INVALID_PRODUCER_EPOCH for
 * older request versions.
 */
function isFenced(e: unknown): boolean {
  return anyInChain(e, (cur) => cur.type === 'INVALID_PRODUCER_EPOCH' || cur.type === 'PRODUCER_FENCED' || /Unknown error code 90\b|PRODUCER_FENCED/.test(cur.message ?? ''));
}

function isTooLarge(e: unknown): boolean {
  return anyInChain(e, (cur) => cur.type === 'MESSAGE_TOO_LARGE' || cur.type === 'RECORD_LIST_TOO_LARGE');
}

const ACKS = { all: -1, '1': 1, '0': 0 } as const;
const COMPRESSION = { none: CompressionTypes.None, gzip: CompressionTypes.GZIP } as const;

/**
 * Bytes per produce call of a transaction: kafkajs puts everything one call sends to a partition
 * into one record batch, which the broker refuses over message.max.bytes (1 MiB by default).
 */
const CHUNK_BYTES = 512 * 1024;

function toKafkaMessage(m: OutgoingMessage): Message {
  return { key: m.key ?? null, value: m.value, headers: m.headers, partition: m.partition };
}

function messageBytes(m: OutgoingMessage): number {
  let n = Buffer.byteLength(m.value) + (m.key ? Buffer.byteLength(m.key) : 0) + 16;
  if (m.headers) for (const k in m.headers) n += k.length + Buffer.byteLength(m.headers[k]) + 2;
  return n;
}

/** Splits a transaction's sends into produce calls of at most CHUNK_BYTES (a message over it goes alone). */
function chunkSends(batches: { topic: string; messages: OutgoingMessage[] }[]): { topic: string; messages: Message[] }[][] {
  const chunks: { topic: string; messages: Message[] }[][] = [];
  let chunk: { topic: string; messages: Message[] }[] = [];
  let bytes = 0;
  for (const { topic, messages } of batches) {
    let cur: { topic: string; messages: Message[] } | null = null;
    for (const m of messages) {
      const b = messageBytes(m);
      if (bytes > 0 && bytes + b > CHUNK_BYTES) {
        chunks.push(chunk);
        chunk = [];
        bytes = 0;
        cur = null;
      }
      if (!cur) chunk.push((cur = { topic, messages: [] }));
      cur.messages.push(toKafkaMessage(m));
      bytes += b;
    }
  }
  if (chunk.length) chunks.push(chunk);
  return chunks;
}

function headersToStrings(h: IHeaders | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(h ?? {})) {
    if (v === undefined) continue;
    // Kafka allows repeated header keys; the last one wins, as in most clients' lookup.
    const last = Array.isArray(v) ? v[v.length - 1] : v;
    out[k] = typeof last === 'string' ? last : last.toString('utf8');
  }
  return out;
}

function toIncoming(m: KafkaMessage): IncomingMessage {
  return Object.freeze({
    offset: Number(m.offset),
    key: m.key ? m.key.toString('utf8') : null,
    value: m.value ? m.value.toString('utf8') : '',
    headers: Object.freeze(headersToStrings(m.headers)),
    timestamp: Number(m.timestamp),
  });
}

export class KafkaBus implements Bus {
  readonly kind = 'kafka' as const;
  private readonly kafka: Kafka;
  private readonly brokers: string[];
  private readonly backoffMs: number;
  private readonly defaultBatch: number;
  private readonly concurrency: number;
  private readonly joinTimeoutMs: number;
  private readonly sessionTimeoutMs: number;
  private adminP: Promise<Admin> | null = null;
  private readonly producers = new Set<Producer>();
  private readonly consumers = new Set<{ stop(): Promise<void> }>();
  private readonly knownTopics = new Set<string>();
  private closed = false;

  constructor(opts: KafkaBusOptions) {
    this.brokers = opts.brokers;
    this.backoffMs = opts.retryBackoffMs ?? 200;
    this.defaultBatch = opts.defaultMaxBatchSize ?? 1000;
    this.concurrency = opts.partitionsConsumedConcurrently ?? 1;
    this.joinTimeoutMs = opts.joinTimeoutMs ?? 60_000;
    this.sessionTimeoutMs = opts.sessionTimeoutMs ?? (Number(process.env.WEIR_KAFKA_SESSION_TIMEOUT_MS) || 30_000);
    this.kafka = new Kafka({
      clientId: opts.clientId ?? 'weir',
      brokers: opts.brokers,
      // Errors reach callers as WeirErrors; kafkajs' own log would only repeat them. KAFKAJS_LOG_LEVEL overrides.
      logLevel: logLevel.NOTHING,
      connectionTimeout: 3000,
      requestTimeout: 30_000,
      retry: { initialRetryTime: 200, retries: 5 },
    });
  }

  private unreachable(e: unknown): WeirError {
    return new WeirError(
      'bus_unreachable',
      `Cannot reach Kafka at ${this.brokers.join(',')}: ${(e as Error)?.message ?? e}. Check KAFKA_BROKERS, or start a local broker with \`npm run infra:up\`; unset KAFKA_BROKERS to use the embedded bus.`,
      { status: 503, retriable: true, cause: e, details: { brokers: this.brokers } },
    );
  }

  /** Maps kafkajs failures onto WeirErrors with stable codes. */
  private wrap(e: unknown, topic?: string): unknown {
    if (isWeirError(e)) return e;
    if (isUnreachable(e)) return this.unreachable(e);
    const type = (e as { type?: string })?.type;
    if (topic && type === 'UNKNOWN_TOPIC_OR_PARTITION') return topicNotFound(topic);
    if (isTooLarge(e)) return messageTooLarge(topic ?? '(several topics)');
    return new WeirError('bus_error', `Kafka: ${(e as Error)?.message ?? e}`, { status: 502, retriable: Boolean((e as { retriable?: boolean })?.retriable), cause: e });
  }

  private async guard<T>(fn: () => Promise<T>, topic?: string): Promise<T> {
    if (this.closed) throw new WeirError('bus_closed', 'The bus was closed; create a new one with createBus().');
    try {
      return await fn();
    } catch (e) {
      throw this.wrap(e, topic);
    }
  }

  private admin(): Promise<Admin> {
    this.adminP ??= (async () => {
      const admin = this.kafka.admin();
      try {
        await admin.connect();
      } catch (e) {
        this.adminP = null;
        throw e;
      }
      return admin;
    })();
    return this.adminP;
  }

  /** Partition count of an existing topic, or null. */
  private async partitionCount(topic: string): Promise<number | null> {
    const admin = await this.admin();
    try {
      const { topics } = await admin.fetchTopicMetadata({ topics: [topic] });
      return topics[0]?.partitions.length ?? null;
    } catch (e) {
      if ((e as { type?: string })?.type === 'UNKNOWN_TOPIC_OR_PARTITION') return null;
      throw e;
    }
  }

  /** Until every partition of a just-created topic has a leader in the broker's metadata. */
  private async waitForTopic(topic: string, partitions: number): Promise<void> {
    const admin = await this.admin();
    const until = Date.now() + 30_000;
    for (;;) {
      try {
        const { topics } = await admin.fetchTopicMetadata({ topics: [topic] });
        const parts = topics[0]?.partitions ?? [];
        if (parts.length >= partitions && parts.every((p) => p.leader >= 0 && !p.partitionErrorCode)) {
          // The metadata cache can name the leader before that broker serves the partition.
          await admin.fetchTopicOffsets(topic);
          return;
        }
      } catch (e) {
        const type = (e as { type?: string })?.type;
        if (type !== 'UNKNOWN_TOPIC_OR_PARTITION' && type !== 'LEADER_NOT_AVAILABLE' && type !== 'NOT_LEADER_FOR_PARTITION') throw e;
        if (Date.now() > until) throw e;
      }
      if (Date.now() > until) {
        throw new WeirError('bus_timeout', `Topic "${topic}" was created but its partitions got no leader within 30 s.`, { status: 503, retriable: true, details: { topic } });
      }
      await sleep(100);
    }
  }

  private async requireTopic(topic: string): Promise<number> {
    const n = await this.partitionCount(topic);
    if (n === null) throw topicNotFound(topic);
    this.knownTopics.add(topic);
    return n;
  }

  ensureTopic(spec: TopicSpec): Promise<void> {
    return this.guard(async () => {
      checkTopicSpec(spec);
      const admin = await this.admin();
      const existing = await this.partitionCount(spec.name);
      if (existing === null) {
        const configEntries = spec.compacted
          ? [
              { name: 'cleanup.policy', value: 'compact' },
              // The cleaner only compacts closed segments: roll hourly so a bookkeeping topic stays small.
              { name: 'segment.ms', value: '3600000' },
              { name: 'min.cleanable.dirty.ratio', value: '0.1' },
            ]
          : spec.retentionMs !== undefined
            ? [{ name: 'retention.ms', value: String(spec.retentionMs) }]
            : [];
        try {
          await admin.createTopics({
            // kafkajs' own wait retries only LEADER_NOT_AVAILABLE; a broker whose metadata cache lags
            // behind the controller (KRaft, right after start) answers UNKNOWN_TOPIC_OR_PARTITION or
            // NOT_LEADER_FOR_PARTITION for a moment: waitForTopic below rides that out.
            waitForLeaders: false,
            topics: [{ topic: spec.name, numPartitions: spec.partitions, replicationFactor: -1, configEntries }],
          });
        } catch (e) {
          // Lost a race with another creator: fine, the topic exists.
          if ((e as { type?: string })?.type !== 'TOPIC_ALREADY_EXISTS' && !JSON.stringify((e as { errors?: unknown })?.errors ?? '').includes('TOPIC_ALREADY_EXISTS')) throw e;
        }
        await this.waitForTopic(spec.name, spec.partitions);
      } else if (existing < spec.partitions) {
        await admin.createPartitions({ topicPartitions: [{ topic: spec.name, count: spec.partitions }] });
      }
      this.knownTopics.add(spec.name);
    }, spec.name);
  }

  producer(opts: ProducerOptions = {}): Promise<BusProducer> {
    return this.guard(async () => {
      const acks = ACKS[opts.acks ?? 'all'];
      const compression = COMPRESSION[opts.compression ?? 'none'];
      if (acks === undefined || compression === undefined) {
        throw new WeirError('invalid_producer', `Producer options: acks is one of all, 1, 0 and compression one of none, gzip (got ${opts.acks}, ${opts.compression}).`);
      }
      const p = this.kafka.producer({
        // Idempotence needs acks from all in-sync replicas; with fewer, the broker cannot dedupe retries.
        idempotent: acks === -1,
        maxInFlightRequests: acks === -1 ? 1 : undefined,
        allowAutoTopicCreation: false,
        createPartitioner: Partitioners.DefaultPartitioner,
        // kafkajs retries an idempotent send forever by default; bounded, a dead broker surfaces as
        // bus_unreachable within about a minute and the caller (agent channel) keeps the events.
        retry: { initialRetryTime: 200, maxRetryTime: 10_000, retries: 8 },
      });
      await p.connect();
      this.producers.add(p);
      return {
        send: (topic: string, messages: OutgoingMessage[]) =>
          this.guard(async () => {
            if (!this.knownTopics.has(topic)) await this.requireTopic(topic);
            if (messages.length === 0) return;
            await p.send({ topic, acks, compression, messages: messages.map(toKafkaMessage) });
          }, topic),
        close: async () => {
          this.producers.delete(p);
          await p.disconnect().catch(() => {});
        },
      };
    });
  }

  transactionalProducer(transactionalId: string, opts: Omit<ProducerOptions, 'acks'> = {}): Promise<TransactionalProducer> {
    return this.guard(async () => {
      if (typeof transactionalId !== 'string' || transactionalId.length === 0) {
        throw new WeirError('invalid_producer', 'A transactional producer needs a non-empty transactional id.');
      }
      const compression = COMPRESSION[opts.compression ?? 'none'];
      if (compression === undefined) throw new WeirError('invalid_producer', `compression is one of none, gzip (got ${opts.compression}).`);
      const connect = async (): Promise<{ p: Producer; txn: Transaction }> => {
        const p = this.kafka.producer({
          transactionalId,
          idempotent: true,
          maxInFlightRequests: 1,
          allowAutoTopicCreation: false,
          createPartitioner: Partitioners.DefaultPartitioner,
          // The coordinator aborts a transaction its producer left open (killed agent) after this.
          transactionTimeout: 30_000,
          // Starts short: right after a commit the coordinator answers CONCURRENT_TRANSACTIONS to the
          // next AddPartitionsToTxn until the commit markers are written (a few ms), and kafkajs
          // retries that like any error (Java's producer also uses a short backoff there). Bounded
          // (about 25 s in all): a failed transaction is aborted and retried whole by the caller.
          retry: { initialRetryTime: 25, maxRetryTime: 5_000, retries: 12 },
        });
        this.producers.add(p);
        try {
          await p.connect();
          // kafkajs runs InitProducerId at the first transaction(): begin one now (a client-side
          // step), so that creating this producer fences the older ones and ends their transactions.
          return { p, txn: await p.transaction() };
        } catch (e) {
          this.producers.delete(p);
          await p.disconnect().catch(() => {});
          throw e;
        }
      };
      let cur: { p: Producer; txn: Transaction | null } | null = await connect();
      let fenced: WeirError | null = null;
      let closed = false;
      let busy = false;
      const drop = async () => {
        const c = cur;
        cur = null;
        if (c) {
          this.producers.delete(c.p);
          await c.p.disconnect().catch(() => {});
        }
      };
      return {
        sendTransaction: (batches) =>
          this.guard(async () => {
            if (closed) throw new WeirError('bus_closed', 'This producer was closed; create a new one.');
            if (fenced) throw fenced;
            if (busy) throw new WeirError('transaction_in_progress', 'sendTransaction was called while the previous one was still running; await it first.');
            const sends = batches.filter((b) => b.messages.length > 0);
            for (const b of sends) if (!this.knownTopics.has(b.topic)) await this.requireTopic(b.topic);
            if (sends.length === 0) return;
            busy = true;
            let txn: Transaction | null = null;
            try {
              // After a failure the kafkajs producer may be stuck mid-state: a fresh one (InitProducerId
              // again) also completes or aborts whatever the broker still holds of the old transaction.
              cur ??= await connect();
              txn = cur.txn ?? (await cur.p.transaction());
              cur.txn = null;
              for (const chunk of chunkSends(sends)) await txn.sendBatch({ topicMessages: chunk, acks: -1, compression });
              await txn.commit();
            } catch (e) {
              let err = e;
              if (!isFenced(e) && txn?.isActive()) {
                try {
                  await txn.abort();
                } catch (abortError) {
                  if (isFenced(abortError)) err = abortError;
                  await drop();
                }
              } else {
                // A commit that failed may still land (the broker completes a prepared commit): the
                // caller re-reads what it depends on before retrying; the next call starts afresh.
                await drop();
              }
              if (isFenced(err)) {
                fenced = producerFenced(transactionalId, err);
                await drop();
                throw fenced;
              }
              throw err;
            } finally {
              busy = false;
            }
          }, batches.length === 1 ? batches[0].topic : undefined),
        close: async () => {
          closed = true;
          await drop();
        },
      };
    });
  }

  readLatest(topic: string): Promise<Map<string, string>> {
    return this.guard(async () => {
      await this.requireTopic(topic);
      // ListOffsets at read_committed isolation (kafkajs' default) gives the last stable offset:
      // records of transactions still open now are not "committed at the time of the call".
      const ends = new Map<number, number>();
      for (const o of await (await this.admin()).fetchTopicOffsets(topic)) {
        if (Number(o.high) > Number(o.low)) ends.set(o.partition, Number(o.high));
      }
      const latest = new Map<string, string>();
      if (ends.size === 0) return latest;

      const groupId = `weir-read-latest-${randomBytes(6).toString('hex')}`;
      const consumer = this.kafka.consumer({
        groupId,
        readUncommitted: false,
        allowAutoTopicCreation: false,
        maxWaitTimeInMs: 200,
        heartbeatInterval: 1000,
        maxBytesPerPartition: 8 * 1024 * 1024,
      });
      let settle!: (e?: unknown) => void;
      const done = new Promise<void>((res, rej) => (settle = (e) => (e ? rej(e) : res())));
      const reached = (partition: number, lastOffset: string | number) => {
        if (Number(lastOffset) + 1 >= (ends.get(partition) ?? 0)) ends.delete(partition);
        if (ends.size === 0) settle();
      };
      // Fired for every fetched batch, also one that held only transaction markers or aborted
      // records (eachBatch never sees those): the read position moves past them all the same.
      consumer.on(consumer.events.END_BATCH_PROCESS, (ev) => {
        if (ev.payload.topic === topic) reached(ev.payload.partition, ev.payload.lastOffset);
      });
      consumer.on(consumer.events.CRASH, (ev) => settle(ev.payload.error));
      let timer: NodeJS.Timeout | undefined;
      try {
        await consumer.connect();
        await consumer.subscribe({ topic, fromBeginning: true });
        await consumer.run({
          autoCommit: false,
          eachBatch: async ({ batch }) => {
            for (const m of batch.messages) {
              if (!m.key) continue;
              const key = m.key.toString('utf8');
              if (m.value === null) latest.delete(key);
              else latest.set(key, m.value.toString('utf8'));
            }
          },
        });
        const timeout = new Promise<never>((_, rej) => {
          timer = setTimeout(
            () => rej(new WeirError('bus_timeout', `Reading "${topic}" to its end took over 60 s.`, { status: 503, retriable: true, details: { topic } })),
            60_000,
          );
        });
        await Promise.race([done, timeout]);
        return latest;
      } finally {
        clearTimeout(timer);
        await consumer.disconnect().catch(() => {});
        await (await this.admin()).deleteGroups([groupId]).catch(() => {});
      }
    }, topic);
  }

  consume(opts: ConsumeOptions): Promise<BusConsumer> {
    return this.guard(async () => {
      if (opts.maxBatchSize !== undefined && !(Number.isInteger(opts.maxBatchSize) && opts.maxBatchSize > 0)) {
        throw new WeirError('invalid_consumer', `maxBatchSize must be a positive whole number (got ${opts.maxBatchSize}).`);
      }
      await this.requireTopic(opts.topic);
      const consumer = this.kafka.consumer({
        groupId: opts.groupId,
        // read_committed (kafkajs' default, said here because exactly-once depends on it): records
        // of aborted or still-open transactions (agent sinks) are never handed to the processor.
        readUncommitted: false,
        allowAutoTopicCreation: false,
        // Short long-polls and heartbeats make rebalances take about a second instead of several.
        maxWaitTimeInMs: 1000,
        heartbeatInterval: 1000,
        sessionTimeout: this.sessionTimeoutMs,
        // Larger fetches when the caller asks (the stream processor: fewer, larger batches).
        ...(opts.maxBytesPerPartition ? { maxBytesPerPartition: opts.maxBytesPerPartition, maxBytes: Math.max(10 << 20, 4 * opts.maxBytesPerPartition) } : {}),
      });
      return this.startConsumer(consumer, opts);
    }, opts.topic);
  }

  private async startConsumer(consumer: Consumer, opts: ConsumeOptions): Promise<BusConsumer> {
    let assigned: number[] = [];
    let joined!: () => void;
    let failed!: (e: unknown) => void;
    const firstJoin = new Promise<void>((res, rej) => ((joined = res), (failed = rej)));
    consumer.on(consumer.events.GROUP_JOIN, (e) => {
      assigned = [...(e.payload.memberAssignment[opts.topic] ?? [])].sort((a, b) => a - b);
      joined();
    });
    consumer.on(consumer.events.CRASH, (e) => {
      assigned = [];
      failed(e.payload.error);
    });
    consumer.on(consumer.events.STOP, () => {
      assigned = [];
    });

    const maxBatch = opts.maxBatchSize ?? this.defaultBatch;
    await consumer.connect();
    let stopped = false;
    const stop = async () => {
      stopped = true;
      this.consumers.delete(handle);
      // disconnect() lets the batch in flight finish (and commit) before leaving the group.
      await consumer.disconnect().catch(() => {});
      assigned = [];
    };
    const handle = { stop };
    this.consumers.add(handle);
    try {
      await consumer.subscribe({ topic: opts.topic, fromBeginning: opts.fromBeginning !== false });
      await consumer.run({
        eachBatchAutoResolve: false,
        // Threshold 1: commitOffsetsIfNecessary() commits every resolved batch at once.
        autoCommit: true,
        autoCommitThreshold: 1,
        partitionsConsumedConcurrently: this.concurrency,
        eachBatch: async ({ batch, resolveOffset, commitOffsetsIfNecessary, heartbeat, isRunning, isStale }) => {
          const all = batch.messages;
          for (let i = 0; i < all.length; i += maxBatch) {
            const chunk = all.slice(i, i + maxBatch).map(toIncoming);
            const payload = { topic: batch.topic, partition: batch.partition, messages: chunk, highWatermark: Number(batch.highWatermark) };
            // Retried here rather than thrown into kafkajs, whose error path restarts every partition.
            let outcome: BatchOutcome | undefined;
            for (let failures = 0; ; ) {
              if (!isRunning() || isStale()) return;
              try {
                outcome = (await opts.eachBatch(payload)) ?? undefined;
                break;
              } catch {
                failures++;
                await sleep(this.backoffMs * Math.min(10, 2 ** (failures - 1)));
                // Throws on a rebalance: kafkajs rejoins and the new owner resumes from the commit.
                await heartbeat();
              }
            }
            if (outcome && Number.isSafeInteger(outcome.seek) && outcome.seek >= 0) {
              // Applied at kafkajs' next fetch (committing the offset), which drops what was fetched
              // for the partition before; the rest of this batch is not handed out.
              consumer.seek({ topic: batch.topic, partition: batch.partition, offset: String(outcome.seek) });
              return;
            }
            resolveOffset(batch.messages[Math.min(i + maxBatch, all.length) - 1].offset);
            await commitOffsetsIfNecessary();
            await heartbeat();
          }
        },
      });
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, rej) => {
        timer = setTimeout(() => rej(new WeirError('bus_join_timeout', `Consumer group "${opts.groupId}" did not get an assignment for "${opts.topic}" within ${this.joinTimeoutMs} ms.`, { status: 503, retriable: true })), this.joinTimeoutMs);
      });
      try {
        await Promise.race([firstJoin, timeout]);
      } finally {
        clearTimeout(timer);
      }
    } catch (e) {
      await stop();
      throw e;
    }
    return {
      assignments: () => (stopped ? [] : [...assigned]),
      stop,
    };
  }

  endOffsets(topic: string): Promise<number[]> {
    return this.guard(async () => {
      await this.requireTopic(topic);
      const offsets = await (await this.admin()).fetchTopicOffsets(topic);
      return offsets.sort((a, b) => a.partition - b.partition).map((o) => Number(o.high));
    }, topic);
  }

  committedOffsets(groupId: string, topic: string): Promise<number[]> {
    return this.guard(async () => {
      await this.requireTopic(topic);
      const res = await (await this.admin()).fetchOffsets({ groupId, topics: [topic] });
      const parts = res.find((t) => t.topic === topic)?.partitions ?? [];
      return parts.sort((a, b) => a.partition - b.partition).map((p) => Number(p.offset));
    }, topic);
  }

  resetGroup(groupId: string, topic: string): Promise<void> {
    return this.guard(async () => {
      await this.requireTopic(topic);
      const admin = await this.admin();
      const partitions = (await admin.fetchTopicOffsets(topic)).map((o) => ({ partition: o.partition, offset: o.low }));
      const active = () =>
        new WeirError('group_active', `Consumer group "${groupId}" has active members; stop them (or wait for killed ones to time out) before resetting its offsets.`, {
          status: 409,
          retriable: true,
          details: { groupId, topic },
        });
      try {
        // Refuses a group with members; otherwise commits through a short-lived member of its own.
        await admin.setOffsets({ groupId, topic, partitions });
      } catch (e) {
        if (/no running instances/i.test((e as Error)?.message ?? '')) throw active();
        throw e;
      }
      // A member that joined meanwhile can take partitions from that helper, whose commit then
      // skips them: check what the group holds now.
      const res = await admin.fetchOffsets({ groupId, topics: [topic] });
      const got = new Map((res.find((t) => t.topic === topic)?.partitions ?? []).map((p) => [p.partition, p.offset]));
      if (partitions.some((p) => got.get(p.partition) !== p.offset)) throw active();
    }, topic);
  }

  async health(): Promise<{ ok: boolean; detail: string }> {
    if (this.closed) return { ok: false, detail: 'kafka bus is closed' };
    let timer: NodeJS.Timeout | undefined;
    try {
      const probe = (async () => (await this.admin()).describeCluster())();
      const timeout = new Promise<never>((_, rej) => {
        timer = setTimeout(() => rej(new Error('no answer within 3 s')), 3000);
      });
      const cluster = await Promise.race([probe, timeout]);
      return { ok: cluster.brokers.length > 0, detail: `kafka ${this.brokers.join(',')}: ${cluster.brokers.length} broker(s), controller ${cluster.controller}` };
    } catch (e) {
      return { ok: false, detail: `kafka ${this.brokers.join(',')} unreachable: ${(e as Error)?.message ?? e}` };
    } finally {
      clearTimeout(timer);
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all([...this.consumers].map((c) => c.stop()));
    await Promise.all([...this.producers].map((p) => p.disconnect().catch(() => {})));
    this.producers.clear();
    const admin = this.adminP;
    this.adminP = null;
    if (admin) await admin.then((a) => a.disconnect()).catch(() => {});
  }
}
