/**
 * Source positions that are safe: handed off to a durable channel, or delivered by a sink. A
 * source with several channels is safe up to the lowest position of the channels its stream went
 * to, so a position file never runs ahead of any channel's delivery. Being conservative only costs
 * re-reading a little after a restart; sinks drop what they already committed.
 */
export class PositionTracker {
  /** channel → origin key → highest safe offset */
  private readonly byChannel = new Map<string, Map<string, number>>();
  /** origin key → channels that received events of it */
  private readonly routed = new Map<string, Set<string>>();
  private readonly listeners = new Map<string, ((p: ReadonlyMap<string, number>) => void)[]>();

  /** `sourceId` owns the keys starting with `${sourceId}|`. */
  listen(sourceId: string, fn: (positions: ReadonlyMap<string, number>) => void): void {
    this.listeners.set(sourceId, [...(this.listeners.get(sourceId) ?? []), fn]);
  }

  routedTo(channel: string, key: string): void {
    let s = this.routed.get(key);
    if (!s) this.routed.set(key, (s = new Set()));
    s.add(channel);
  }

  /** A channel made these positions safe (durable put, or a sink's commit). */
  safe(channel: string, positions: ReadonlyMap<string, number>): void {
    let m = this.byChannel.get(channel);
    if (!m) this.byChannel.set(channel, (m = new Map()));
    const changed = new Map<string, Map<string, number>>();
    for (const [key, offset] of positions) {
      if ((m.get(key) ?? -1) >= offset) continue;
      m.set(key, offset);
      const overall = this.overall(key);
      if (overall === undefined) continue;
      const source = key.slice(0, key.indexOf('|'));
      let c = changed.get(source);
      if (!c) changed.set(source, (c = new Map()));
      c.set(key, overall);
    }
    for (const [source, c] of changed) for (const fn of this.listeners.get(source) ?? []) fn(c);
  }

  private overall(key: string): number | undefined {
    let min: number | undefined;
    for (const ch of this.routed.get(key) ?? []) {
      const v = this.byChannel.get(ch)?.get(key);
      if (v === undefined) return undefined;
      min = min === undefined ? v : Math.min(min, v);
    }
    return min;
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
