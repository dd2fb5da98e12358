/**
 * Flume's KafkaSink with Kafka Connect's exactly-once source model (KIP-618): every batch of records
 * and the source positions it carries are written in one Kafka transaction, the positions to the
 * compacted topic `weir.agent-offsets`. What is committed there is this sink's high-water mark per
 * origin; an event at or below it was delivered already and is skipped, so a restarted agent, a
 * rolled-back take or a source that re-reads neither loses nor repeats an event.
 */
import type { AgentEnv, FlumeEvent, Sink, SinkContext, Take } from '../../agent/types';
import type { BusProducer, OutgoingMessage, TransactionalProducer } from '../../bus/types';
import { WeirError, isWeirError } from '../../spec/errors';
import type { NodeRef } from '../../spec/plan';
import { kafkaSinkSpec, type KafkaSinkConfig } from './spec';

/** Compacted, one partition: key `${agentId}|${sinkNodeId}|${originKey}`, value `{"offset":N}`. */
export const AGENT_OFFSETS_TOPIC = 'weir.agent-offsets';

export const offsetRecordKey = (agentId: string, sinkNodeId: string, originKey: string) => `${agentId}|${sinkNodeId}|${originKey}`;

/** The transactional id of a sink: a second instance of the same agent fences the first. */
export const sinkTransactionalId = (agentId: string, sinkNodeId: string) => `weir-agent.${agentId}.${sinkNodeId}`;

/** Flume's SinkCounter names, plus DuplicateSkippedCount (events at or below the committed mark). */
export const KAFKA_SINK_COUNTERS = [
  'BatchCompleteCount',
  'BatchEmptyCount',
  'BatchUnderflowCount',
  'EventDrainAttemptCount',
  'EventDrainSuccessCount',
  'ConnectionCreatedCount',
  'ConnectionClosedCount',
  'ConnectionFailedCount',
  'RollbackCount',
  'KafkaEventSendTimer',
  'DuplicateSkippedCount',
] as const;

/** How long an idle sink waits on an empty channel per poll (bounds how long stop() waits). */
const POLL_MS = 200;
const BACKOFF_MIN_MS = 100;
const BACKOFF_MAX_MS = 5_000;
/** A failure streak logs its first failure, then at most this often. */
const LOG_EVERY_MS = 30_000;

export function parseKafkaSinkConfig(node: NodeRef): KafkaSinkConfig {
  const r = kafkaSinkSpec.config.safeParse(node.config ?? {});
  if (!r.success) {
    const issues = r.error.issues.map((i) => `${i.path.join('.') || '(config)'}: ${i.message}`).join('; ');
    throw new WeirError('invalid_config', `Kafka sink "${node.id}": ${issues}`, { details: { nodeId: node.id, issues: r.error.issues } });
  }
  return r.data;
}

export function createKafkaSink(node: NodeRef, env: AgentEnv & { topic: string }): Sink {
  const cfg = parseKafkaSinkConfig(node);
  const topic = cfg['kafka.topic'] || env.topic;
  if (!topic) {
    throw new WeirError('invalid_config', `Kafka sink "${node.id}" has no topic: connect it to a topic node, or set kafka.topic.`, { details: { nodeId: node.id } });
  }
  const batchSize = cfg.flumeBatchSize;
  const lingerMs = cfg['kafka.producer.linger.ms'];
  const compression = cfg['kafka.producer.compression.type'];
  const keyHeader = cfg.keyHeader;
  const exactlyOnce = cfg.exactlyOnce;
  const transactionalId = sinkTransactionalId(env.agentId, node.id);
  const offsetPrefix = offsetRecordKey(env.agentId, node.id, '');
  const { bus, counters, log } = env;
  for (const c of KAFKA_SINK_COUNTERS) counters[c] ??= 0;

  /** Highest committed origin offset per origin key (the offsets topic, as far as this sink knows). */
  const hwm = new Map<string, number>();
  let txProducer: TransactionalProducer | null = null;
  let plainProducer: BusProducer | null = null;
  let ready = false;
  let offsetsTopicReady = false;
  let stopping = false;
  let loop: Promise<void> | null = null;
  let wake: (() => void) | null = null;

  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(() => ((wake = null), resolve()), ms);
      wake = () => (clearTimeout(timer), (wake = null), resolve());
    });

  async function closeProducer(): Promise<void> {
    const p = txProducer ?? plainProducer;
    txProducer = plainProducer = null;
    if (p) {
      await p.close().catch(() => {});
      counters.ConnectionClosedCount++;
    }
  }

  /**
   * (Re)creates the producer, then reads the committed offsets. In that order: creating a
   * transactional producer completes or aborts whatever the broker still holds of this sink's last
   * transaction (a commit whose answer was lost may have landed), so the read that follows is exact.
   */
  async function recover(): Promise<void> {
    ready = false;
    await closeProducer();
    if (!exactlyOnce) {
      plainProducer = await bus.producer({ acks: cfg['kafka.producer.acks'], compression });
      counters.ConnectionCreatedCount++;
      ready = true;
      return;
    }
    if (!offsetsTopicReady) {
      await bus.ensureTopic({ name: AGENT_OFFSETS_TOPIC, partitions: 1, compacted: true });
      offsetsTopicReady = true;
    }
    txProducer = await bus.transactionalProducer(transactionalId, { compression });
    counters.ConnectionCreatedCount++;
    for (const [key, value] of await bus.readLatest(AGENT_OFFSETS_TOPIC)) {
      if (!key.startsWith(offsetPrefix)) continue;
      const offset = parseOffset(value);
      const origin = key.slice(offsetPrefix.length);
      // Committed offsets only grow; what this process committed itself is known to be true.
      if (offset !== null && !(offset <= (hwm.get(origin) ?? -Infinity))) hwm.set(origin, offset);
    }
    ready = true;
  }

  function toRecord(e: FlumeEvent): OutgoingMessage {
    const key = keyHeader ? e.headers[keyHeader] : undefined;
    return { key: key ?? null, value: e.body, headers: e.headers };
  }

  /** Takes up to batchSize events: one take, then more until the batch is full or linger is over. */
  async function takeBatch(ctx: SinkContext, takes: Take[]): Promise<FlumeEvent[]> {
    const first = await ctx.channel.take(batchSize, POLL_MS);
    takes.push(first);
    if (first.events.length === 0 || first.events.length >= batchSize) return first.events;
    const events = first.events.slice();
    const deadline = Date.now() + lingerMs;
    while (events.length < batchSize && !stopping) {
      const t = await ctx.channel.take(batchSize - events.length, Math.max(0, deadline - Date.now()));
      takes.push(t);
      if (t.events.length === 0) break;
      for (const e of t.events) events.push(e);
    }
    return events;
  }

  // A failure streak: logged once at its start, then every LOG_EVERY_MS, and once more when it ends.
  let failures = 0;
  let lastLogged = 0;
  function failed(e: unknown, what: string): void {
    failures++;
    const code = isWeirError(e) ? e.code : 'error';
    if (code === 'bus_unreachable' || what === 'connect') counters.ConnectionFailedCount++;
    const now = Date.now();
    if (failures === 1 || now - lastLogged >= LOG_EVERY_MS) {
      lastLogged = now;
      const fenced = code === 'producer_fenced';
      log(fenced ? 'error' : 'warn', `Kafka sink ${node.id}: ${what} failed (${failures}× so far), retrying: ${(e as Error)?.message ?? e}`, {
        nodeId: node.id,
        code,
        failures,
        ...(fenced ? { hint: `another agent instance with id "${env.agentId}" is running; each takes the transactional id "${transactionalId}" back from the other` } : {}),
      });
    }
  }

  async function rollback(takes: Take[]): Promise<void> {
    // Last take first: each rollback puts its events at the front, so the channel order is kept.
    for (let i = takes.length - 1; i >= 0; i--) {
      try {
        await takes[i].rollback();
      } catch (e) {
        log('error', `Kafka sink ${node.id}: channel rollback failed: ${(e as Error)?.message ?? e}`, { nodeId: node.id });
      }
    }
  }

  async function run(ctx: SinkContext): Promise<void> {
    let backoff = BACKOFF_MIN_MS;
    const pause = async () => {
      await sleep(backoff);
      backoff = Math.min(backoff * 2, BACKOFF_MAX_MS);
    };
    const running = () => !stopping && !ctx.signal.aborted;

    while (running()) {
      if (!ready) {
        try {
          await recover();
        } catch (e) {
          failed(e, 'connect');
          await pause();
          continue;
        }
      }

      const takes: Take[] = [];
      let events: FlumeEvent[];
      try {
        events = await takeBatch(ctx, takes);
      } catch (e) {
        await rollback(takes);
        failed(e, 'channel take');
        await pause();
        continue;
      }
      if (events.length === 0) {
        counters.BatchEmptyCount++;
        for (const t of takes) await t.commit();
        continue;
      }
      if (events.length >= batchSize) counters.BatchCompleteCount++;
      else counters.BatchUnderflowCount++;

      // Drop what is at or below the committed mark (or repeated within this batch).
      const sent = new Map<string, number>();
      const touched = new Set<string>();
      const records: OutgoingMessage[] = [];
      let skipped = 0;
      for (const e of events) {
        const o = e.origin;
        if (o) {
          touched.add(o.key);
          if (o.offset <= (sent.get(o.key) ?? hwm.get(o.key) ?? -Infinity)) {
            skipped++;
            continue;
          }
          sent.set(o.key, o.offset);
        }
        records.push(toRecord(e));
      }
      counters.DuplicateSkippedCount += skipped;

      if (records.length > 0) {
        counters.EventDrainAttemptCount += records.length;
        const t0 = Date.now();
        try {
          if (exactlyOnce) {
            const offsets: OutgoingMessage[] = [];
            for (const [key, offset] of sent) {
              offsets.push({ key: offsetPrefix + key, value: JSON.stringify({ offset }), partition: 0 });
            }
            await txProducer!.sendTransaction([
              { topic, messages: records },
              { topic: AGENT_OFFSETS_TOPIC, messages: offsets },
            ]);
          } else {
            await plainProducer!.send(topic, records);
          }
        } catch (e) {
          counters.KafkaEventSendTimer += Date.now() - t0;
          await rollback(takes);
          counters.RollbackCount++;
          // Fenced, broken or merely unanswered: start over from a new producer and the offsets
          // topic, which says what of this batch (if anything) did commit.
          ready = false;
          failed(e, 'delivery');
          await pause();
          continue;
        }
        counters.KafkaEventSendTimer += Date.now() - t0;
        counters.EventDrainSuccessCount += records.length;
      }

      // Committed: the mark first, so whatever fails below cannot make these events go out again.
      for (const [key, offset] of sent) hwm.set(key, offset);
      for (const t of takes) {
        try {
          await t.commit();
        } catch (e) {
          log('error', `Kafka sink ${node.id}: channel commit failed after delivery (the events will be skipped as duplicates when they come back): ${(e as Error)?.message ?? e}`, { nodeId: node.id });
        }
      }
      if (touched.size > 0) {
        const positions = new Map<string, number>();
        for (const key of touched) {
          const offset = hwm.get(key);
          if (offset !== undefined) positions.set(key, offset);
        }
        try {
          ctx.delivered(positions);
        } catch (e) {
          log('error', `Kafka sink ${node.id}: delivered() listener threw: ${(e as Error)?.message ?? e}`, { nodeId: node.id });
        }
      }
      if (failures > 0) {
        log('info', `Kafka sink ${node.id}: delivering again after ${failures} failure(s).`, { nodeId: node.id });
        failures = 0;
      }
      backoff = BACKOFF_MIN_MS;
    }
  }

  return {
    async open() {
      await recover();
    },
    committedPositions() {
      return new Map(hwm);
    },
    start(ctx) {
      if (loop) throw new WeirError('sink_started', `Kafka sink "${node.id}" was started twice.`);
      stopping = false;
      const onAbort = () => wake?.();
      ctx.signal.addEventListener('abort', onAbort, { once: true });
      loop = run(ctx).finally(() => ctx.signal.removeEventListener('abort', onAbort));
    },
    async stop() {
      stopping = true;
      wake?.();
      await loop;
      loop = null;
      await closeProducer();
    },
  };
}

function parseOffset(value: string): number | null {
  try {
    const offset = (JSON.parse(value) as { offset?: unknown })?.offset;
    return typeof offset === 'number' && Number.isFinite(offset) ? offset : null;
  } catch {
    return null;
  }
}
