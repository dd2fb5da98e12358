/**
 * Source positions that are safe: processed by the agent's put path, and for every channel the
 * stream's events went to, either delivered by its sink or held durably. A channel that has
 * delivered everything it was given of a stream does not hold the stream back, so events that
 * interceptors dropped or a selector sent elsewhere still let the position advance. Positions
 * never run ahead of any channel's delivery, so a position file never skips an undelivered line.
 */
export class PositionTracker {
  /** origin key → highest offset the put path finished with (kept, dropped or routed) */
  private readonly handled = new Map<string, number>();
  /** origin key → channel → highest offset put into it */
  private readonly putTo = new Map<string, Map<string, number>>();
  /** channel → origin key → highest safe offset */
  private readonly byChannel = new Map<string, Map<string, number>>();
  private readonly reported = new Map<string, number>();
  private readonly listeners = new Map<string, ((p: ReadonlyMap<string, number>) => void)[]>();

  /** `sourceId` owns the keys starting with `${sourceId}|`. */
  listen(sourceId: string, fn: (positions: ReadonlyMap<string, number>) => void): void {
    this.listeners.set(sourceId, [...(this.listeners.get(sourceId) ?? []), fn]);
  }

  /** Before a put: the channel is about to receive events of these streams up to these offsets. */
  routed(channel: string, positions: ReadonlyMap<string, number>): void {
    for (const [key, offset] of positions) {
      let m = this.putTo.get(key);
      if (!m) this.putTo.set(key, (m = new Map()));
      if ((m.get(channel) ?? -1) < offset) m.set(channel, offset);
    }
  }

  /** After a put: the put path is done with these streams up to these offsets. */
  handledUpTo(positions: ReadonlyMap<string, number>): void {
    for (const [key, offset] of positions) if ((this.handled.get(key) ?? -1) < offset) this.handled.set(key, offset);
    this.report(positions.keys());
  }

  /** A channel made these positions safe (durable put, or a sink's commit). */
  safe(channel: string, positions: ReadonlyMap<string, number>): void {
    let m = this.byChannel.get(channel);
    if (!m) this.byChannel.set(channel, (m = new Map()));
    for (const [key, offset] of positions) if ((m.get(key) ?? -1) < offset) m.set(key, offset);
    this.report(positions.keys());
  }

  private overall(key: string): number | undefined {
    let min = this.handled.get(key);
    if (min === undefined) return undefined;
    for (const [channel, put] of this.putTo.get(key) ?? []) {
      const safe = this.byChannel.get(channel)?.get(key);
      if (safe !== undefined && safe >= put) continue; // caught up: holds nothing of this stream
      if (safe === undefined) return undefined;
      min = Math.min(min, safe);
    }
    return min;
  }

  private report(keys: Iterable<string>): void {
    const changed = new Map<string, Map<string, number>>();
    for (const key of keys) {
      const v = this.overall(key);
      if (v === undefined || (this.reported.get(key) ?? -1) >= v) continue;
      this.reported.set(key, v);
      const source = key.slice(0, key.indexOf('|'));
      let c = changed.get(source);
      if (!c) changed.set(source, (c = new Map()));
      c.set(key, v);
    }
    for (const [source, c] of changed) for (const fn of this.listeners.get(source) ?? []) fn(c);
  }
}

/** Highest offset per origin key in a batch. */
export function maxOffsets(events: readonly { origin?: { key: string; offset: number } }[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const e of events) {
    if (!e.origin) continue;
    const prev = out.get(e.origin.key);
    if (prev === undefined || e.origin.offset > prev) out.set(e.origin.key, e.origin.offset);
  }
  return out;
}

/**
 * Where a source resumes, from what each of its channels holds safely: a durable channel's put
 * positions, or what its exactly-once sinks committed (undefined for a channel without either).
 * Replicating: every channel got every event, so a key is resumed only where all channels have it.
 * Multiplexing: a channel may never see a key, so the lowest of those that have it.
 */
export function resumePositions(perChannel: (ReadonlyMap<string, number> | undefined)[], multiplexing: boolean): Map<string, number> {
  const known = perChannel.filter((m): m is ReadonlyMap<string, number> => m !== undefined);
  const out = new Map<string, number>();
  if (known.length === 0) return out;
  const keys = new Set(known.flatMap((m) => [...m.keys()]));
  for (const key of keys) {
    const values = known.map((m) => m.get(key));
    if (!multiplexing && values.some((v) => v === undefined)) continue;
    const present = values.filter((v): v is number => v !== undefined);
    out.set(key, Math.min(...present));
  }
  return out;
}
