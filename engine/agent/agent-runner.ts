import path from 'node:path';
import type { Bus } from '../bus/types';
import { runnerFor } from '../nodes/runners';
import type { PipelineMetrics } from '../runtime/metrics';
import type { ChannelSelectorConfig } from '../spec/channel-selector';
import { WeirError } from '../spec/errors';
import type { AgentPlan, NodeRef } from '../spec/plan';
import { channelSelector } from './channel-selector';
import type { CollectRegistry } from './collect-registry';
import { maxOffsets, PositionTracker, resumePositions } from './positions';
import type { AgentEnv, AgentLog, Channel, FlumeEvent, Interceptor, Sink, Source } from './types';

export interface AgentDeps {
  bus: Bus;
  metrics: PipelineMetrics;
  /** Each node gets `<dataDir>/<nodeId>` for its files (position file, write-ahead log). */
  dataDir: string;
  collect: CollectRegistry;
  /** Stable across restarts: Kafka transactional ids and committed source offsets derive from it. */
  agentId: string;
  log: AgentLog;
  deadLetter(nodeId: string, event: FlumeEvent, reason: string): void;
  onError(nodeId: string, e: unknown): void;
}

/**
 * Runs one collection agent (Flume model) in this process: sources → interceptors → channel
 * selector → channels → sinks. Before any source starts, channels recover and sinks read what
 * they committed, so each source resumes exactly after what is already safe.
 */
export class AgentRunner {
  private readonly sources: Source[] = [];
  private readonly sinks: Sink[] = [];
  private readonly channels = new Map<string, Channel>();
  private readonly positions = new PositionTracker();
  private readonly abort = new AbortController();

  constructor(
    private readonly plan: AgentPlan,
    private readonly deps: AgentDeps,
  ) {}

  private env(node: NodeRef): AgentEnv {
    const { deps } = this;
    return {
      agentId: deps.agentId,
      dataDir: path.join(deps.dataDir, node.id),
      bus: deps.bus,
      collect: deps.collect,
      counters: deps.metrics.flume(node.id),
      log: (level, message, details) => deps.log(level, `[${node.id}] ${message}`, details),
      deadLetter: (event, reason) => {
        deps.metrics.node(node.id).errors++;
        deps.deadLetter(node.id, event, reason);
      },
    };
  }

  async start(): Promise<void> {
    try {
      await this.startChannels();
      await this.startSinks();
      await this.startSources();
    } catch (e) {
      await this.stop(0).catch(() => undefined);
      throw e;
    }
  }

  private async startChannels() {
    const { metrics } = this.deps;
    for (const node of this.plan.channels) {
      const r = runnerFor(node.type);
      if (r.kind !== 'channel') throw new Error(`${node.type} is not a channel`);
      const channel = r.create(node, this.env(node));
      await channel.open?.();
      this.channels.set(node.id, channel);
      metrics.gauge(node.id, () => channel.size / channel.capacity);
    }
  }

  private async startSinks() {
    const { metrics } = this.deps;
    const sinks = this.plan.sinks.map(({ node, channel, topic }) => {
      const r = runnerFor(node.type);
      if (r.kind !== 'sink') throw new Error(`${node.type} is not a sink`);
      return { node, channelId: channel, sink: r.create(node, { ...this.env(node), topic }) };
    });
    await Promise.all(sinks.map((s) => s.sink.open?.()));
    this.committed = new Map(this.plan.channels.map((c) => [c.id, this.channelPositions(c.id, sinks)]));
    for (const { node, channelId, sink } of sinks) {
      const channel = this.channels.get(channelId)!;
      const channelCounters = metrics.node(channelId);
      const counters = metrics.node(node.id);
      // Canvas counters: a channel's "out" and a sink's "out" are what sinks delivered.
      const counting: Channel = {
        put: (events, signal) => channel.put(events, signal),
        take: async (max, wait) => {
          const t = await channel.take(max, wait);
          counters.in += t.events.length;
          return {
            events: t.events,
            rollback: () => ((counters.in -= t.events.length), t.rollback()),
            commit: async () => {
              await t.commit();
              channelCounters.out += t.events.length;
              counters.out += t.events.length;
            },
          };
        },
        get size() {
          return channel.size;
        },
        get capacity() {
          return channel.capacity;
        },
        durable: channel.durable,
      };
      sink.start({
        channel: counting,
        // Durable channels made positions safe when they were put; others when a sink delivered them.
        delivered: (p) => (channel.durable ? undefined : this.positions.safe(channelId, p)),
        signal: this.abort.signal,
      });
      this.sinks.push(sink);
    }
  }

  private committed = new Map<string, ReadonlyMap<string, number> | undefined>();

  /** What a channel holds safely: its durable put positions, or what its exactly-once sinks committed. */
  private channelPositions(channelId: string, sinks: { channelId: string; sink: Sink }[]): ReadonlyMap<string, number> | undefined {
    const channel = this.channels.get(channelId)!;
    if (channel.durable && channel.putPositions) {
      // Events up to these are in the channel or were delivered; sinks drop what they committed.
      const out = new Map(channel.putPositions());
      for (const { sink } of sinks.filter((s) => s.channelId === channelId)) {
        for (const [k, v] of sink.committedPositions?.() ?? []) if ((out.get(k) ?? -1) < v) out.set(k, v);
      }
      return out;
    }
    const committed = sinks.filter((s) => s.channelId === channelId).map((s) => s.sink.committedPositions?.());
    if (committed.length === 0 || committed.some((c) => c === undefined)) return undefined;
    // Several sinks compete for one channel's events: each committed part of a stream, so only
    // the lowest position is certainly delivered.
    const out = new Map<string, number>();
    const keys = new Set(committed.flatMap((c) => [...c!.keys()]));
    for (const k of keys) {
      const vs = committed.map((c) => c!.get(k));
      if (committed.length === 1 || vs.every((v) => v !== undefined)) out.set(k, Math.min(...vs.filter((v): v is number => v !== undefined)));
    }
    return out;
  }

  private async startSources() {
    const { metrics } = this.deps;
    for (const { node, interceptors, channels } of this.plan.sources) {
      const r = runnerFor(node.type);
      if (r.kind !== 'source') throw new Error(`${node.type} is not a source`);
      const chain: { id: string; interceptor: Interceptor }[] = interceptors.map((i) => {
        const ir = runnerFor(i.type);
        if (ir.kind !== 'interceptor') throw new Error(`${i.type} is not an interceptor`);
        return { id: i.id, interceptor: ir.create(i, this.env(i)) };
      });
      const config = node.config as Partial<ChannelSelectorConfig>;
      const select = channelSelector(config, channels);
      const multiplexing = config['selector.type'] === 'multiplexing';
      const resume = resumePositions(channels.map((c) => this.committed.get(c)), multiplexing);
      const counters = metrics.node(node.id);
      const source = r.create(node, this.env(node));
      const put = async (batch: FlumeEvent[]) => {
        if (this.abort.signal.aborted) throw new WeirError('agent_stopping', 'The agent is stopping; the batch was not taken.', { retriable: true });
        counters.out += batch.length;
        let events = batch;
        for (const { id, interceptor } of chain) {
          const c = metrics.node(id);
          c.in += events.length;
          events = interceptor.intercept(events);
          c.out += events.length;
        }
        const routed = select(events);
        for (const [channelId, list] of routed) this.positions.routed(channelId, maxOffsets(list));
        await Promise.all(
          [...routed].map(async ([channelId, list]) => {
            if (list.length === 0) return;
            await this.channels.get(channelId)!.put(list, this.abort.signal);
            metrics.node(channelId).in += list.length;
            // A durable channel holds them now; other channels once a sink delivered them.
            if (this.channels.get(channelId)!.durable) this.positions.safe(channelId, maxOffsets(list));
          }),
        );
        this.positions.handledUpTo(maxOffsets(batch));
      };
      await source.start({
        put,
        resumePositions: resume,
        onSafePositions: (fn) => this.positions.listen(node.id, fn),
        signal: this.abort.signal,
      });
      this.sources.push(source);
    }
  }

  /** Sources first, then let sinks drain what memory channels hold (up to `drainMs`), then sinks, then channels. */
  async stop(drainMs = 3_000): Promise<void> {
    await Promise.allSettled(this.sources.map((s) => s.stop()));
    const volatile = [...this.channels.values()].filter((c) => !c.durable);
    const until = Date.now() + drainMs;
    while (volatile.some((c) => c.size > 0) && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
    this.abort.abort();
    await Promise.allSettled(this.sinks.map((s) => s.stop()));
    await Promise.allSettled([...this.channels.values()].map((c) => c.close?.()));
  }
}
