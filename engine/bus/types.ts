/**
 * The log transport. Two implementations with one contract (bus.contract.ts):
 * kafka (kafkajs against a real broker) and embedded (in-process, same semantics:
 * partitioned topics, per-partition offsets, consumer groups with committed offsets).
 */
export interface TopicSpec {
  name: string;
  partitions: number;
  retentionMs?: number;
  /**
   * Kafka `cleanup.policy=compact`: the log keeps at least the latest record of every key (for
   * bookkeeping topics such as the agents' source offsets); `retentionMs` does not apply then.
   */
  compacted?: boolean;
}

export interface OutgoingMessage {
  key?: string | null;
  value: string;
  headers?: Record<string, string>;
  /** Explicit partition; otherwise chosen from the key (murmur2 in Kafka), round-robin without a key. */
  partition?: number;
}

export interface IncomingMessage {
  /** Kafka offsets are int64; JS numbers hold 2^53, centuries of traffic for one partition. */
  offset: number;
  key: string | null;
  value: string;
  headers: Record<string, string>;
  /** Broker/append timestamp (ms); event time comes from the record itself. */
  timestamp: number;
}

export interface PartitionBatch {
  topic: string;
  partition: number;
  messages: IncomingMessage[];
  /** Offset of the next message the log will get (for lag). */
  highWatermark: number;
}

export interface ConsumeOptions {
  groupId: string;
  topic: string;
  /** Where a group with no committed offset starts. Default: earliest. */
  fromBeginning?: boolean;
  /**
   * Called with one partition's batch. When it resolves, the batch's offsets are committed to the
   * group; when it throws, nothing is committed and the batch is delivered again. When it resolves
   * with `{ seek }`, nothing of the batch is committed and this member reads the partition on from
   * `seek` instead (see BatchOutcome).
   */
  eachBatch(batch: PartitionBatch): Promise<void | BatchOutcome>;
  /** Upper bound on messages per batch. */
  maxBatchSize?: number;
  /** Bytes a fetch may bring per partition (Kafka: maxBytesPerPartition, default 1 MB); other buses ignore it. */
  maxBytesPerPartition?: number;
}

/**
 * A batch handler's request to move its read position in the batch's partition (for a consumer
 * whose offsets live elsewhere, as the processor's do in the store). The next batch of the
 * partition starts at `seek`, or at the log start if `seek` is below it, and the group's committed
 * offset for the partition moves there too. A no-op if the partition was revoked meanwhile.
 */
export interface BatchOutcome {
  seek: number;
}

export interface BusProducer {
  send(topic: string, messages: OutgoingMessage[]): Promise<void>;
  close(): Promise<void>;
}

export interface ProducerOptions {
  /** Broker acknowledgements: all (-1), leader (1) or none (0). Transactions need `all`. */
  acks?: 'all' | '1' | '0';
  compression?: 'none' | 'gzip';
}

/**
 * A producer whose every `sendTransaction` is one Kafka transaction: read_committed consumers see
 * all of its messages (over any topics) or none. Creating one with a transactional id fences any
 * earlier producer with the same id (a zombie agent) and aborts its open transaction.
 */
export interface TransactionalProducer {
  sendTransaction(batches: { topic: string; messages: OutgoingMessage[] }[]): Promise<void>;
  close(): Promise<void>;
}

export interface BusConsumer {
  /** Partitions currently assigned to this member of the group. */
  assignments(): number[];
  stop(): Promise<void>;
}

export interface Bus {
  readonly kind: 'kafka' | 'embedded';
  /** Creates the topic if missing (idempotent); never shrinks partitions. */
  ensureTopic(topic: TopicSpec): Promise<void>;
  producer(opts?: ProducerOptions): Promise<BusProducer>;
  transactionalProducer(transactionalId: string, opts?: Omit<ProducerOptions, 'acks'>): Promise<TransactionalProducer>;
  /**
   * The latest value per key of a (compacted) topic, reading committed records only, up to the
   * end offsets at the time of the call. For small bookkeeping topics (agent source offsets).
   */
  readLatest(topic: string): Promise<Map<string, string>>;
  consume(opts: ConsumeOptions): Promise<BusConsumer>;
  /** Per-partition offset of the next message to be written. */
  endOffsets(topic: string): Promise<number[]>;
  /** Per-partition committed offset of a group (-1 when none). */
  committedOffsets(groupId: string, topic: string): Promise<number[]>;
  /**
   * Sets a group's committed offsets of a topic to the log start of every partition, so its next
   * members read the retained log again (replay). The group must have no active members: fails
   * with `group_active` (409, retriable) otherwise.
   */
  resetGroup(groupId: string, topic: string): Promise<void>;
  health(): Promise<{ ok: boolean; detail: string }>;
  close(): Promise<void>;
}
