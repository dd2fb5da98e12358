/**
 * The bus over a real Kafka broker (kafkajs 2.2.4). Same contract as the embedded bus
 * (bus.contract.ts); the differences a caller can see are timing ones (group joins, rebalances).
 */
import {
  Kafka,
  logLevel,
  Partitioners,
  type Admin,
  type Consumer,
  type IHeaders,
  type KafkaMessage,
  type Producer,
} from 'kafkajs';
import { WeirError, isWeirError } from '../spec/errors';
import { checkTopicSpec, topicNotFound } from './topic-spec';
import type { BatchOutcome, Bus, BusConsumer, BusProducer, ConsumeOptions, IncomingMessage, OutgoingMessage, TopicSpec } from './types';

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

/** True when an error (or anything in its cause chain) means "no broker answered". */
function isUnreachable(e: unknown): boolean {
  for (let cur = e as { name?: string; message?: string; cause?: unknown; originalError?: unknown } | undefined, depth = 0; cur && depth < 8; depth++) {
    if (cur.name && UNREACHABLE.has(cur.name)) return true;
    if (/ECONNREFUSED|EHOSTUNREACH|ENOTFOUND|ETIMEDOUT|Connection (error|timeout)|Failed to connect/i.test(cur.message ?? '')) return true;
    cur = (cur.cause ?? cur.originalError) as typeof cur;
  }
  return false;
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
        const configEntries = spec.retentionMs !== undefined ? [{ name: 'retention.ms', value: String(spec.retentionMs) }] : [];
        try {
          await admin.createTopics({
            waitForLeaders: true,
            topics: [{ topic: spec.name, numPartitions: spec.partitions, replicationFactor: -1, configEntries }],
          });
        } catch (e) {
          // Lost a race with another creator: fine, the topic exists.
          if ((e as { type?: string })?.type !== 'TOPIC_ALREADY_EXISTS' && !JSON.stringify((e as { errors?: unknown })?.errors ?? '').includes('TOPIC_ALREADY_EXISTS')) throw e;
        }
      } else if (existing < spec.partitions) {
        await admin.createPartitions({ topicPartitions: [{ topic: spec.name, count: spec.partitions }] });
      }
      this.knownTopics.add(spec.name);
    }, spec.name);
  }

  producer(): Promise<BusProducer> {
    return this.guard(async () => {
      const p = this.kafka.producer({
        idempotent: true,
        maxInFlightRequests: 1,
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
            await p.send({
              topic,
              acks: -1,
              messages: messages.map((m) => ({ key: m.key ?? null, value: m.value, headers: m.headers, partition: m.partition })),
            });
          }, topic),
        close: async () => {
          this.producers.delete(p);
          await p.disconnect().catch(() => {});
        },
      };
    });
  }

  consume(opts: ConsumeOptions): Promise<BusConsumer> {
    return this.guard(async () => {
      if (opts.maxBatchSize !== undefined && !(Number.isInteger(opts.maxBatchSize) && opts.maxBatchSize > 0)) {
        throw new WeirError('invalid_consumer', `maxBatchSize must be a positive whole number (got ${opts.maxBatchSize}).`);
      }
      await this.requireTopic(opts.topic);
      const consumer = this.kafka.consumer({
        groupId: opts.groupId,
        allowAutoTopicCreation: false,
        // Short long-polls and heartbeats make rebalances take about a second instead of several.
        maxWaitTimeInMs: 1000,
        heartbeatInterval: 1000,
        sessionTimeout: this.sessionTimeoutMs,
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
