import type { Bus, BusProducer } from '../bus/types';
import { runnerFor } from '../nodes/runners';
import type { PipelineMetrics } from '../runtime/metrics';
import type { AgentPlan } from '../spec/plan';
import type { Channel, Sink, Source } from './types';

/** Runs one collection agent (Flume model) in this process: sources → channel → sinks. */
export class AgentRunner {
  private sources: Source[] = [];
  private sinks: Sink[] = [];
  private producer?: BusProducer;
  private channel?: Channel;

  constructor(
    private readonly plan: AgentPlan,
    private readonly deps: { bus: Bus; metrics: PipelineMetrics; onError: (nodeId: string, e: unknown) => void },
  ) {}

  async start(): Promise<void> {
    const { metrics } = this.deps;
    const channelRunner = runnerFor(this.plan.channel.type);
    if (channelRunner.kind !== 'channel') throw new Error(`${this.plan.channel.type} is not a channel`);
    const channel = (this.channel = channelRunner.create(this.plan.channel));
    const channelCounters = metrics.node(this.plan.channel.id);
    metrics.gauge(this.plan.channel.id, () => channel.size / channel.capacity);

    this.producer = await this.deps.bus.producer();
    for (const { node, topic } of this.plan.sinks) {
      const r = runnerFor(node.type);
      if (r.kind !== 'sink') throw new Error(`${node.type} is not a sink`);
      const counters = metrics.node(node.id);
      const sink = r.create(node, topic, this.producer, counters, (e) => this.deps.onError(node.id, e));
      // Channel "out" counts what sinks delivered.
      const countingChannel: Channel = {
        put: (ev, s) => channel.put(ev, s),
        take: async (max, wait) => {
          const t = await channel.take(max, wait);
          return { events: t.events, rollback: t.rollback, commit: () => (t.commit(), (channelCounters.out += t.events.length)) };
        },
        get size() { return channel.size; },
        get capacity() { return channel.capacity; },
      };
      sink.start(countingChannel);
      this.sinks.push(sink);
    }

    for (const { node, interceptors } of this.plan.sources) {
      if (interceptors.length) throw new Error('interceptors are not supported yet'); // compile only emits them once their runners exist
      const r = runnerFor(node.type);
      if (r.kind !== 'source') throw new Error(`${node.type} is not a source`);
      const counters = metrics.node(node.id);
      const source = r.create(node, (e) => this.deps.onError(node.id, e));
      source.start(async (events) => {
        counters.out += events.length;
        await channel.put(events);
        channelCounters.in += events.length;
      });
      this.sources.push(source);
    }
  }

  /** Sources first, then let sinks drain what the channel holds (up to `drainMs`), then sinks. */
  async stop(drainMs = 3_000): Promise<void> {
    await Promise.all(this.sources.map((s) => s.stop()));
    const until = Date.now() + drainMs;
    while (this.channel && this.channel.size > 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
    await Promise.all(this.sinks.map((s) => s.stop()));
    await this.producer?.close();
  }
}
