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
      maxBatchSize: 5_000,
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

    const records: RawRecord[] = fresh.map((m) => ({ value: m.value, key: m.key, partition: batch.partition, offset: m.offset, timestamp: m.timestamp }));
    metrics.node(this.plan.topicNodeId).out += records.length;
    const state: Record<string, Record<string, unknown>> = ckpt?.state ? JSON.parse(ckpt.state) : {};
    const result = await this.run(records, batch.partition, state);

    const last = fresh[fresh.length - 1].offset;
    // If the call fails we cannot know whether it applied: forget the cached checkpoint so the
    // redelivered batch re-reads it (fencing then makes the retry exact).
    const { applied } = await store.applyAtomic({
      checkpoints: [
        { key: this.ckptKey, field: `${this.plan.topic}:${batch.partition}`, offset: last + 1, state: JSON.stringify(state), expectedOffset: ckpt?.offset ?? null },
        epochFence(this.pipelineId, epoch),
      ],
      increments: result.increments,
      expire: result.expire,
      hllAdds: result.hllAdds,
      zincrs: result.zincrs,
      pushes: result.dead.length ? [{ key: deadLetterKey(this.pipelineId), values: result.dead.map((d) => JSON.stringify(d)), max: result.deadKeep }] : [],
      notice: { channel: changesChannel(this.pipelineId), message: JSON.stringify({ pipelineId: this.pipelineId, at: Date.now(), events: records.length }) },
    }).catch((e) => {
      this.checkpoints.delete(batch.partition);
      throw e;
    });
    if (!applied) {
      // Someone else moved this partition on (we are a zombie, or our cache is stale): re-read and redo.
      this.checkpoints.delete(batch.partition);
      throw new WeirError('checkpoint_fenced', `Partition ${batch.partition} of "${this.plan.topic}" was advanced by another worker; the batch was not applied and will be re-read.`, { retriable: true });
    }
    this.checkpoints.set(batch.partition, { key: this.ckptKey, field: `${this.plan.topic}:${batch.partition}`, offset: last + 1, state: JSON.stringify(state) });
    this.epochs.set(batch.partition, epoch ?? 0);
    this.aligned.set(batch.partition, epoch ?? 0);
    for (const m of result.counted) {
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
    for (const step of this.steps) {
      // Operators never mutate their input, so a single upstream output is passed on as it is.
      const upstream: unknown[][] = [];
      for (const e of this.plan.edges) {
        if (e.to.node !== step.node.id) continue;
        const out = outputs.get(`${e.from.node}.${e.from.port}`);
        if (out) upstream.push(out);
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
        counted.push({ c, in: input.length, out: w.increments.length, errors: 0 });
      } else {
        deadKeep = step.keep;
        counted.push({ c, in: input.length, out: 0, errors: 0 });
      }
      if (Object.keys(ctx.state).length === 0) delete state[step.node.id];
    }
    return { increments, expire, hllAdds, zincrs, dead, deadKeep, counted };
  }
}
