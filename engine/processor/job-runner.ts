import type { BatchOutcome, Bus, BusConsumer, PartitionBatch } from '../bus/types';
import { runnerFor } from '../nodes/runners';
import type { NodeCounters, PipelineMetrics } from '../runtime/metrics';
import { WeirError } from '../spec/errors';
import type { JobPlan, NodeRef } from '../spec/plan';
import { changesChannel, checkpointKey, deadLetterKey } from '../store/view-keys';
import type { AtomicBatch, Checkpoint, HashIncrement, Store } from '../store/types';
import { processIsolated } from './isolate';
import type { BatchContext, Operator, ViewWriter } from './operator';
import type { DeadLetter, RawRecord } from './records';
import { epochFence, isReplaying, readEpoch } from './replay-epoch';
import type { ProcessorServices } from './services';

/**
 * Records per store write. The bus hands over up to MAX_BATCH records at once, fetched
 * FETCH_BYTES_PER_PARTITION at a time (kafkajs' default is 1 MB, ~4,500 log lines), and they are
 * written in sub-batches so that each write overlaps the processing of the next sub-batch.
 * Measured on the worker-rss benchmark (1M distinct IPs): 3 sub-batches of 5,000 peak at ~250 MB
 * RSS (compiled worker with the flags of scripts/lib/worker-build.mjs), 4 × 10,000 at ~520 MB.
 */
const SUB_BATCH = 5_000;
const MAX_BATCH = 15_000;
const FETCH_BYTES_PER_PARTITION = 3 * 1024 * 1024;

type Step =
  | { node: NodeRef; kind: 'operator'; op: Operator }
  | { node: NodeRef; kind: 'view'; view: ViewWriter }
  | { node: NodeRef; kind: 'deadletter'; keep: number };

/**
 * One stream-processor job: consumes its topic in a consumer group and, per partition batch,
 * runs the operator graph and applies every view increment together with the new offset in ONE
 * atomic store step (exactly-once). The stored offset, not Kafka's, is the truth: messages below
 * it are skipped, and a write whose expected offset is stale (a zombie after a rebalance) is refused.
 * Every write is also fenced on the pipeline's replay epoch (replay-epoch.ts), and the first batch
 * of a partition under an epoch seeks back to the stored offset if the group's position is past it.
 */
export class JobRunner {
  private consumer?: BusConsumer;
  private steps: Step[] = [];
  private readonly checkpoints = new Map<number, Checkpoint | null>();
  /** Replay epoch read together with each partition's checkpoint. */
  private readonly epochs = new Map<number, number | null>();
  /** Epoch under which each partition's read position was last checked against its stored offset. */
  private readonly aligned = new Map<number, number | null>();
  private readonly ckptKey: string;

  constructor(
    private readonly pipelineId: string,
    private readonly plan: JobPlan,
    private readonly deps: { bus: Bus; store: Store; services: ProcessorServices; metrics: PipelineMetrics },
  ) {
    this.ckptKey = checkpointKey(pipelineId, plan.id);
  }

  async start(): Promise<void> {
    this.steps = await Promise.all(
      this.plan.nodes.map(async (node): Promise<Step> => {
        const r = runnerFor(node.type);
        if (r.kind === 'operator') return { node, kind: 'operator', op: await r.create(node, this.deps.services) };
        if (r.kind === 'view') return { node, kind: 'view', view: r.create(node, this.pipelineId) };
        if (r.kind === 'deadletter') return { node, kind: 'deadletter', keep: Number(node.config.keep ?? 1000) };
        throw new WeirError('node_not_processor', `Node "${node.id}" (${node.type}) cannot run in the stream processor; connect it before the topic.`);
      }),
    );
    this.consumer = await this.deps.bus.consume({
      groupId: this.plan.groupId,
      topic: this.plan.topic,
      fromBeginning: true,
      maxBatchSize: MAX_BATCH,
      maxBytesPerPartition: FETCH_BYTES_PER_PARTITION,
      eachBatch: (b) => this.onBatch(b),
    });
  }

  async stop(): Promise<void> {
    await this.consumer?.stop();
    this.consumer = undefined;
  }

  assignments(): number[] {
    return this.consumer?.assignments() ?? [];
  }

  private async checkpoint(partition: number): Promise<Checkpoint | null> {
    if (!this.checkpoints.has(partition)) {
      const [all, epoch] = await Promise.all([this.deps.store.readCheckpoints(this.ckptKey), readEpoch(this.deps.store, this.pipelineId)]);
      this.epochs.set(partition, epoch);
      this.checkpoints.set(partition, all[`${this.plan.topic}:${partition}`] ?? null);
    }
    return this.checkpoints.get(partition)!;
  }

  async onBatch(batch: PartitionBatch): Promise<void | BatchOutcome> {
    const { metrics, store } = this.deps;
    const ckpt = await this.checkpoint(batch.partition);
    const epoch = this.epochs.get(batch.partition) ?? null;
    if (isReplaying(epoch)) {
      this.checkpoints.delete(batch.partition);
      throw new WeirError('pipeline_replaying', `Pipeline "${this.pipelineId}" is being replayed; partition ${batch.partition} of "${this.plan.topic}" waits for it.`, { retriable: true });
    }
    const from = ckpt?.offset ?? 0;
    if (this.aligned.get(batch.partition) !== epoch) {
      // First batch of this partition here or since a replay: the group's position can be past the
      // stored offset (a replay cannot rewind a group whose members run elsewhere). Seek there once;
      // a gap after that is the log's own (retention, transaction markers).
      this.aligned.set(batch.partition, epoch);
      if (batch.messages[0].offset > from) return { seek: from };
    }
    const fresh = batch.messages.filter((m) => m.offset >= from);
    if (fresh.length === 0) return; // already applied before a crash or rebalance: just let the bus commit

    metrics.node(this.plan.topicNodeId).out += fresh.length;
    const state: Record<string, Record<string, unknown>> = ckpt?.state ? JSON.parse(ckpt.state) : {};
    // Sub-batches, each written with its own checkpoint, the writes pipelined with the processing:
    // sub-batch k+1 is processed while the store applies sub-batch k (Redis works on the other
    // core), and at most one write is in flight. Each write expects the offset the previous one
    // sets, so if one fails or is fenced every later one is refused too: nothing applies twice or
    // out of order. The batch resolves (and the bus commits it) only once every write has applied.
    const parts = Math.ceil(fresh.length / SUB_BATCH);
    const size = Math.ceil(fresh.length / parts);
    let expected = ckpt?.offset ?? null;
    let inFlight: Promise<void> | undefined;
    try {
      for (let i = 0; i < fresh.length; i += size) {
        const part = parts === 1 ? fresh : fresh.slice(i, i + size);
        const records: RawRecord[] = part.map((m) => ({ value: m.value, key: m.key, partition: batch.partition, offset: m.offset, timestamp: m.timestamp }));
        const result = await this.run(records, batch.partition, state);
        const next = part[part.length - 1].offset + 1;
        const stateJson = JSON.stringify(state);
        const write: AtomicBatch = {
          checkpoints: [
            { key: this.ckptKey, field: `${this.plan.topic}:${batch.partition}`, offset: next, state: stateJson, expectedOffset: expected },
            epochFence(this.pipelineId, epoch),
          ],
          increments: result.increments,
          expire: result.expire,
          hllAdds: result.hllAdds,
          zincrs: result.zincrs,
          pushes: result.dead.length ? [{ key: deadLetterKey(this.pipelineId), values: result.dead.map((d) => JSON.stringify(d)), max: result.deadKeep }] : [],
          notice: { channel: changesChannel(this.pipelineId), message: JSON.stringify({ pipelineId: this.pipelineId, at: Date.now(), events: records.length }) },
        };
        if (inFlight) await inFlight;
        inFlight = this.apply(batch.partition, write, next, stateJson, epoch, result.counted);
        // Handled here so a failure while the next sub-batch is processed is not an unhandled
        // rejection; awaiting inFlight below still throws it.
        inFlight.catch(() => undefined);
        expected = next;
      }
      await inFlight;
    } catch (e) {
      // A write that fails leaves its outcome unknown: forget the cached checkpoint so the
      // redelivered batch re-reads it (fencing then makes the retry exact). A write still in
      // flight (the failure came from processing) settles first, so the re-read comes after it.
      if (inFlight) await inFlight.catch(() => undefined);
      this.checkpoints.delete(batch.partition);
      throw e;
    }
  }

  /** Applies one sub-batch's writes; on success moves the cached checkpoint and counts the metrics. */
  private async apply(partition: number, write: AtomicBatch, next: number, stateJson: string, epoch: number | null, counted: { c: NodeCounters; in: number; out: number; errors: number }[]): Promise<void> {
    const { applied } = await this.deps.store.applyAtomic(write);
    if (!applied) {
      // Someone else moved this partition on (we are a zombie, or our cache is stale): re-read and redo.
      throw new WeirError('checkpoint_fenced', `Partition ${partition} of "${this.plan.topic}" was advanced by another worker; the batch was not applied and will be re-read.`, { retriable: true });
    }
    this.checkpoints.set(partition, { key: this.ckptKey, field: `${this.plan.topic}:${partition}`, offset: next, state: stateJson });
    this.epochs.set(partition, epoch ?? 0);
    this.aligned.set(partition, epoch ?? 0);
    for (const m of counted) {
      m.c.in += m.in;
      m.c.out += m.out;
      m.c.errors += m.errors;
    }
  }

  /** Runs the operator graph over one batch; metrics are only counted once the batch commits. */
  private async run(records: RawRecord[], partition: number, state: Record<string, Record<string, unknown>>) {
    const outputs = new Map<string, unknown[]>([[`${this.plan.topicNodeId}.out`, records]]);
    const increments: HashIncrement[] = [];
    const expire: { key: string; seconds: number }[] = [];
    const hllAdds: NonNullable<AtomicBatch['hllAdds']> = [];
    const zincrs: NonNullable<AtomicBatch['zincrs']> = [];
    const dead: DeadLetter[] = [];
    let deadKeep = 1000;
    // Plain numbers, not closures over the batch: nothing of the batch stays reachable from here
    // while the store write is in flight (that kept every intermediate array alive, and the GC
    // promoted them to the old generation: a much larger heap for nothing).
    const counted: { c: NodeCounters; in: number; out: number; errors: number }[] = [];
    // How many steps still read each output: an output is dropped once its last reader has it, so
    // the batch's intermediate arrays die young instead of surviving (and being copied by) every
    // minor GC until the batch ends.
    const readers = new Map<string, number>();
    for (const e of this.plan.edges) {
      const k = `${e.from.node}.${e.from.port}`;
      readers.set(k, (readers.get(k) ?? 0) + 1);
    }
    for (const step of this.steps) {
      // Operators never mutate their input, so a single upstream output is passed on as it is.
      const upstream: unknown[][] = [];
      for (const e of this.plan.edges) {
        if (e.to.node !== step.node.id) continue;
        const k = `${e.from.node}.${e.from.port}`;
        const out = outputs.get(k);
        if (out) upstream.push(out);
        const left = readers.get(k)! - 1;
        readers.set(k, left);
        if (left === 0) outputs.delete(k);
      }
      const input = upstream.length === 1 ? upstream[0] : upstream.flat();
      const ctx: BatchContext = { pipelineId: this.pipelineId, partition, state: (state[step.node.id] ??= {}) };
      const c = this.deps.metrics.node(step.node.id);
      if (step.kind === 'operator') {
        const out = await processIsolated(step.node.id, step.op, input, ctx);
        let produced = 0;
        let failed = 0;
        for (const [port, recs] of Object.entries(out)) {
          outputs.set(`${step.node.id}.${port}`, recs);
          if (port === 'dead') {
            failed += recs.length;
            for (const d of recs) dead.push(d as DeadLetter);
          } else produced += recs.length;
        }
        counted.push({ c, in: input.length, out: produced, errors: failed });
      } else if (step.kind === 'view') {
        const w = step.view.writes(input, ctx);
        for (const i of w.increments) increments.push(i);
        for (const x of w.expire) expire.push(x);
        for (const h of w.hllAdds ?? []) hllAdds.push(h);
        for (const z of w.zincrs ?? []) zincrs.push(z);
        let writes = w.increments.length;
        for (const z of w.zincrs ?? []) writes += z.members.length;
        counted.push({ c, in: input.length, out: writes, errors: 0 });
      } else {
        deadKeep = step.keep;
        counted.push({ c, in: input.length, out: 0, errors: 0 });
      }
      if (Object.keys(ctx.state).length === 0) delete state[step.node.id];
    }
    return { increments, expire, hllAdds, zincrs, dead, deadKeep, counted };
  }
}
