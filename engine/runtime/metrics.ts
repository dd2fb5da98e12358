/** Per-node counters; rates are derived by sampling, so the hot path only increments. */
export interface NodeCounters {
  in: number;
  out: number;
  errors: number;
}

export interface NodeMetrics extends NodeCounters {
  inRate: number;
  outRate: number;
  /** Channels: share of capacity in use, 0..1. */
  fill?: number;
  /** Topics: messages not yet processed by the job's consumer group. */
  lag?: number;
  /** Agent components: Flume's counters (EventReceivedCount, EventPutSuccessCount, BatchCompleteCount, ...). */
  flume?: Record<string, number>;
}

export class PipelineMetrics {
  private readonly counters = new Map<string, NodeCounters>();
  private readonly gauges = new Map<string, () => number>();
  private readonly flumeCounters = new Map<string, Record<string, number>>();
  private last = { at: Date.now(), values: new Map<string, NodeCounters>() };
  private rates = new Map<string, { inRate: number; outRate: number }>();

  node(id: string): NodeCounters {
    let c = this.counters.get(id);
    if (!c) this.counters.set(id, (c = { in: 0, out: 0, errors: 0 }));
    return c;
  }

  /** An agent component's Flume-vocabulary counters (mutable; the component increments them). */
  flume(id: string): Record<string, number> {
    let c = this.flumeCounters.get(id);
    if (!c) this.flumeCounters.set(id, (c = {}));
    return c;
  }

  /** A channel's fill level, read when status is asked for. */
  gauge(id: string, read: () => number): void {
    this.gauges.set(id, read);
  }

  /** Called about once a second by the runtime. */
  sample(now = Date.now()): void {
    const dt = (now - this.last.at) / 1000;
    if (dt <= 0) return;
    for (const [id, c] of this.counters) {
      const prev = this.last.values.get(id) ?? { in: 0, out: 0, errors: 0 };
      this.rates.set(id, { inRate: (c.in - prev.in) / dt, outRate: (c.out - prev.out) / dt });
    }
    this.last = { at: now, values: new Map([...this.counters].map(([id, c]) => [id, { ...c }])) };
  }

  snapshot(): Record<string, NodeMetrics> {
    const out: Record<string, NodeMetrics> = {};
    for (const [id, c] of this.counters) {
      const r = this.rates.get(id) ?? { inRate: 0, outRate: 0 };
      out[id] = { ...c, inRate: round(r.inRate), outRate: round(r.outRate) };
    }
    const empty = () => ({ in: 0, out: 0, errors: 0, inRate: 0, outRate: 0 });
    for (const [id, read] of this.gauges) out[id] = { ...(out[id] ?? empty()), fill: round(read(), 3) };
    for (const [id, c] of this.flumeCounters) if (Object.keys(c).length) out[id] = { ...(out[id] ?? empty()), flume: { ...c } };
    return out;
  }
}

const round = (n: number, digits = 1) => Math.round(n * 10 ** digits) / 10 ** digits;
