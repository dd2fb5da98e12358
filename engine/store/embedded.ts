/**
 * In-process Store with the same semantics as the Redis one (store.contract.ts holds both to it),
 * so `npm start` needs no Redis. Keys are typed like Redis keys (hash or list); TTLs are checked
 * when a key is touched, plus an occasional sweep so never-read minute buckets do not pile up.
 * Notices are delivered on a later turn of the event loop, as they would arrive from Redis.
 */
import { EventEmitter } from 'node:events';
import { WeirError } from '../spec/errors';
import { decodeCheckpointValue, encodeCheckpointValue, validateBatch } from './atomic-batch';
import { HyperLogLog } from './hll';
import type { AtomicBatch, Checkpoint, Store } from './types';

type Entry =
  | { type: 'hash'; hash: Map<string, string | number>; expiresAt: number }
  | { type: 'list'; list: string[]; expiresAt: number }
  | { type: 'hll'; hll: HyperLogLog; expiresAt: number }
  | { type: 'zset'; zset: Map<string, number>; expiresAt: number }
  | { type: 'string'; value: string; expiresAt: number };

const SWEEP_EVERY_MS = 60_000;

export class EmbeddedStore implements Store {
  readonly kind = 'embedded' as const;
  private readonly data = new Map<string, Entry>();
  private readonly bus = new EventEmitter();
  private lastSweep = Date.now();
  private closed = false;

  constructor() {
    this.bus.setMaxListeners(0);
  }

  async applyAtomic(batch: AtomicBatch): Promise<{ applied: boolean }> {
    this.assertOpen();
    validateBatch(batch);
    const now = Date.now();
    this.maybeSweep(now);

    // Everything is checked before anything is written, as in the Lua script.
    for (const c of batch.checkpoints) {
      const h = this.typed(c.key, 'hash', now);
      const raw = h?.hash.get(c.field);
      if (raw === undefined) {
        if (c.expectedOffset !== null) return { applied: false };
      } else {
        if (c.expectedOffset === null) return { applied: false };
        const m = /^\{"o":(\d+)[,}]/.exec(String(raw));
        if (!m || m[1] !== String(c.expectedOffset)) return { applied: false };
      }
    }
    for (const i of batch.increments ?? []) {
      const cur = this.typed(i.key, 'hash', now)?.hash.get(i.field);
      if (typeof cur === 'string' && Number.isNaN(Number(cur))) {
        throw new WeirError(
          'store_command_failed',
          `Cannot increment ${i.key} ${i.field}: it holds a non-number (${cur.slice(0, 40)}).`,
          { status: 500 },
        );
      }
    }
    for (const p of batch.pushes ?? []) this.typed(p.key, 'list', now);
    for (const h of batch.hllAdds ?? []) this.typed(h.key, 'hll', now);
    for (const z of batch.zincrs ?? []) this.typed(z.key, 'zset', now);

    const incs = batch.increments ?? [];
    let lastKey: string | undefined;
    let hash: Map<string, string | number> | undefined;
    for (let k = 0; k < incs.length; k++) {
      const inc = incs[k];
      if (inc.key !== lastKey) {
        hash = this.hashFor(inc.key, now);
        lastKey = inc.key;
      }
      const cur = hash!.get(inc.field);
      hash!.set(inc.field, (cur === undefined ? 0 : Number(cur)) + inc.by);
    }
    for (const p of batch.pushes ?? []) {
      // Like LTRIM on a missing key, an empty push creates nothing.
      const list = p.values.length > 0 ? this.listFor(p.key, now) : this.typed(p.key, 'list', now)?.list;
      if (!list) continue;
      for (const v of p.values) list.unshift(v);
      if (list.length > p.max) list.length = p.max;
    }
    for (const h of batch.hllAdds ?? []) {
      if (h.values.length === 0) continue;
      const hll = this.entryFor(h.key, now, 'hll', () => ({ type: 'hll', hll: new HyperLogLog(), expiresAt: Infinity })).hll;
      for (const v of h.values) hll.add(v);
    }
    for (const z of batch.zincrs ?? []) {
      if (z.members.length === 0) continue;
      const zset = this.entryFor(z.key, now, 'zset', () => ({ type: 'zset', zset: new Map(), expiresAt: Infinity })).zset;
      for (const m of z.members) zset.set(m.member, (zset.get(m.member) ?? 0) + m.by);
    }
    for (const c of batch.checkpoints) {
      this.hashFor(c.key, now).set(c.field, encodeCheckpointValue(c.offset, c.state));
    }
    for (const e of batch.expire ?? []) {
      const entry = this.live(e.key, now);
      if (entry) entry.expiresAt = now + e.seconds * 1000;
    }
    if (batch.notice) this.deliver(batch.notice.channel, batch.notice.message);
    return { applied: true };
  }

  async readCheckpoints(key: string): Promise<Record<string, Checkpoint>> {
    this.assertOpen();
    const out: Record<string, Checkpoint> = {};
    const entry = this.typed(key, 'hash', Date.now());
    if (!entry) return out;
    for (const [field, raw] of entry.hash) out[field] = decodeCheckpointValue(key, field, String(raw));
    return out;
  }

  async readHashes(keys: string[]): Promise<Record<string, number>[]> {
    this.assertOpen();
    const now = Date.now();
    return keys.map((key) => {
      const out: Record<string, number> = {};
      const entry = this.typed(key, 'hash', now);
      if (entry) for (const [field, v] of entry.hash) out[field] = Number(v);
      return out;
    });
  }

  async readList(key: string, start: number, stop: number): Promise<string[]> {
    this.assertOpen();
    const entry = this.typed(key, 'list', Date.now());
    if (!entry) return [];
    // LRANGE index rules: negatives count from the end, stop is inclusive, out of range clamps.
    const len = entry.list.length;
    let s = start < 0 ? len + start : start;
    let e = stop < 0 ? len + stop : stop;
    if (s < 0) s = 0;
    if (e >= len) e = len - 1;
    if (s > e) return [];
    return entry.list.slice(s, e + 1);
  }

  async claim(key: string, value: string, ttlSeconds: number): Promise<string> {
    this.assertOpen();
    const now = Date.now();
    const held = this.typed(key, 'string', now);
    if (held) return held.value;
    this.data.set(key, { type: 'string', value, expiresAt: now + ttlSeconds * 1000 });
    return value;
  }

  async countUnique(keys: string[]): Promise<number> {
    this.assertOpen();
    const now = Date.now();
    const sketches = keys.map((k) => this.typed(k, 'hll', now)?.hll).filter((h): h is HyperLogLog => h !== undefined);
    return HyperLogLog.count(sketches);
  }

  async readTop(keys: string[], limit: number): Promise<{ member: string; score: number }[][]> {
    this.assertOpen();
    const now = Date.now();
    return keys.map((k) => {
      const zset = this.typed(k, 'zset', now)?.zset;
      if (!zset) return [];
      // ZRANGE REV order: score desc, then member desc (lexicographic), as Redis does.
      return [...zset]
        .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? 1 : a[0] > b[0] ? -1 : 0))
        .slice(0, limit)
        .map(([member, score]) => ({ member, score }));
    });
  }

  async readSortedSets(keys: string[]): Promise<Record<string, number>[]> {
    this.assertOpen();
    const now = Date.now();
    return keys.map((k) => {
      const out: Record<string, number> = {};
      const zset = this.typed(k, 'zset', now)?.zset;
      if (zset) for (const [member, score] of zset) out[member] = score;
      return out;
    });
  }

  async unionSortedSets(keys: string[], weights?: number[]): Promise<Map<string, number>> {
    this.assertOpen();
    if (weights && weights.length !== keys.length) throw new WeirError('invalid_store_read', `unionSortedSets: ${keys.length} keys but ${weights.length} weights.`, { status: 500 });
    const now = Date.now();
    const out = new Map<string, number>();
    keys.forEach((k, i) => {
      const zset = this.typed(k, 'zset', now)?.zset;
      const w = weights?.[i] ?? 1;
      if (zset) for (const [member, score] of zset) out.set(member, (out.get(member) ?? 0) + w * score);
    });
    return out;
  }

  async scoresOf(keys: string[], members: string[]): Promise<number[][]> {
    this.assertOpen();
    const now = Date.now();
    return keys.map((k) => {
      const zset = this.typed(k, 'zset', now)?.zset;
      return members.map((m) => zset?.get(m) ?? 0);
    });
  }

  async deletePrefix(prefix: string): Promise<number> {
    this.assertOpen();
    const now = Date.now();
    let n = 0;
    for (const [key, entry] of this.data) {
      if (!key.startsWith(prefix)) continue;
      if (entry.expiresAt > now) n++;
      this.data.delete(key);
    }
    return n;
  }

  async publish(channel: string, message: string): Promise<void> {
    this.assertOpen();
    this.deliver(channel, message);
  }

  async subscribe(channel: string, onMessage: (message: string) => void): Promise<() => Promise<void>> {
    this.assertOpen();
    // A wrapper per subscription: the same function subscribed twice is two subscriptions, and a
    // throwing listener must not take the others (or the process) down.
    const listener = (message: string) => {
      try {
        onMessage(message);
      } catch (err) {
        console.error(`[weir] subscriber of ${channel} threw:`, err);
      }
    };
    this.bus.on(channel, listener);
    return async () => {
      this.bus.off(channel, listener);
    };
  }

  async health(): Promise<{ ok: boolean; detail: string }> {
    if (this.closed) return { ok: false, detail: 'embedded store is closed' };
    return { ok: true, detail: `embedded in-process store, ${this.data.size} keys (set REDIS_URL to use Redis)` };
  }

  async close(): Promise<void> {
    this.closed = true;
    this.bus.removeAllListeners();
    this.data.clear();
  }

  private deliver(channel: string, message: string) {
    if (this.bus.listenerCount(channel) === 0) return;
    setImmediate(() => this.bus.emit(channel, message));
  }

  private assertOpen() {
    if (this.closed) {
      throw new WeirError('store_closed', 'The embedded store was closed; create a new one with createStore().', {
        status: 500,
      });
    }
  }

  private live(key: string, now: number): Entry | undefined {
    const entry = this.data.get(key);
    if (entry && entry.expiresAt <= now) {
      this.data.delete(key);
      return undefined;
    }
    return entry;
  }

  private typed<T extends Entry['type']>(key: string, type: T, now: number): Extract<Entry, { type: T }> | undefined {
    const entry = this.live(key, now);
    if (entry && entry.type !== type) {
      throw new WeirError(
        'store_wrong_type',
        `Key ${key} holds a ${entry.type}, not a ${type}; another writer uses the same key name.`,
        { status: 500 },
      );
    }
    return entry as Extract<Entry, { type: T }> | undefined;
  }

  private hashFor(key: string, now: number): Map<string, string | number> {
    const entry = this.typed(key, 'hash', now);
    if (entry) return entry.hash;
    const hash = new Map<string, string | number>();
    this.data.set(key, { type: 'hash', hash, expiresAt: Infinity });
    return hash;
  }

  private entryFor<T extends Entry['type']>(key: string, now: number, type: T, create: () => Extract<Entry, { type: T }>): Extract<Entry, { type: T }> {
    const entry = this.typed(key, type, now);
    if (entry) return entry;
    const created = create();
    this.data.set(key, created);
    return created;
  }

  private listFor(key: string, now: number): string[] {
    const entry = this.typed(key, 'list', now);
    if (entry) return entry.list;
    const list: string[] = [];
    this.data.set(key, { type: 'list', list, expiresAt: Infinity });
    return list;
  }

  private maybeSweep(now: number) {
    if (now - this.lastSweep < SWEEP_EVERY_MS) return;
    this.lastSweep = now;
    for (const [key, entry] of this.data) if (entry.expiresAt <= now) this.data.delete(key);
  }
}

export function createEmbeddedStore(): EmbeddedStore {
  return new EmbeddedStore();
}
