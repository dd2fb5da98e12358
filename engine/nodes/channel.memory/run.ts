import type { Channel, FlumeEvent, Take } from '../../agent/types';
import type { NodeRef } from '../../spec/plan';
import { WeirError } from '../../spec/errors';

/** Flume MemoryChannel: bounded; puts wait while full; a take is returned on rollback. */
export class MemoryChannel implements Channel {
  private queue: FlumeEvent[] = [];
  private head = 0;
  /** Events taken but not yet committed still occupy capacity, as in Flume. */
  private inFlight = 0;
  private waitingPuts: (() => void)[] = [];
  private waitingTakes: (() => void)[] = [];
  readonly durable = false;

  constructor(readonly capacity: number, private readonly transactionCapacity: number) {}

  get size(): number {
    return this.queue.length - this.head + this.inFlight;
  }

  async put(events: FlumeEvent[], signal?: AbortSignal): Promise<void> {
    for (let i = 0; i < events.length; i += this.transactionCapacity) {
      const chunk = events.slice(i, i + this.transactionCapacity);
      if (chunk.length > this.capacity) {
        throw new WeirError('channel_put_too_large', `A put of ${chunk.length} events exceeds the channel capacity ${this.capacity}; raise "capacity" or lower the source batch size.`);
      }
      while (this.size + chunk.length > this.capacity) {
        if (signal?.aborted) throw new WeirError('channel_put_aborted', 'The source stopped while waiting for channel space.', { retriable: true });
        await new Promise<void>((resolve) => this.waitingPuts.push(resolve));
      }
      for (const e of chunk) this.queue.push(e);
      this.wake(this.waitingTakes);
    }
  }

  async take(max: number, waitMs: number): Promise<Take> {
    if (this.queue.length - this.head === 0 && waitMs > 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, waitMs);
        this.waitingTakes.push(() => (clearTimeout(timer), resolve()));
      });
    }
    const n = Math.min(max, this.transactionCapacity, this.queue.length - this.head);
    const events = this.queue.slice(this.head, this.head + n);
    this.head += n;
    this.inFlight += n;
    if (this.head > 4096 && this.head * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
    let done = false;
    return {
      events,
      commit: () => {
        if (done) return;
        done = true;
        this.inFlight -= n;
        this.wake(this.waitingPuts);
      },
      rollback: () => {
        if (done) return;
        done = true;
        this.inFlight -= n;
        // Back to the front, in order, so a retry sends the same events first.
        this.queue = [...events, ...this.queue.slice(this.head)];
        this.head = 0;
        this.wake(this.waitingTakes);
      },
    };
  }

  /** Wakes everyone waiting; each re-checks its condition. */
  wakeAll(): void {
    this.wake(this.waitingPuts);
    this.wake(this.waitingTakes);
  }

  private wake(list: (() => void)[]) {
    const waiting = list.splice(0);
    for (const w of waiting) w();
  }
}

export const createMemoryChannel = (node: NodeRef) =>
  new MemoryChannel(Number(node.config.capacity ?? 10_000), Number(node.config.transactionCapacity ?? 1_000));
