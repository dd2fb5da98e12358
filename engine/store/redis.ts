/**
 * The Store on a real Redis (ioredis).
 *
 * Redis Cluster: applyAtomic runs ONE Lua script over every key of the batch, and a script may
 * only touch keys of one hash slot. Callers therefore put the same hash tag in every key of a
 * batch (view-keys.ts puts `{<pipelineId>}` in all of a pipeline's keys). This client talks to one
 * node; deletePrefix's SCAN likewise assumes a single node.
 *
 * Failure model: a down Redis fails a call with WeirError `store_unreachable` (retriable): the
 * first call after the connection drops within one reconnect attempt (~0.2 s when refused, about
 * 2 × connectTimeout for a blackholed host), later calls at once while it stays down.
 * When applyAtomic fails that way its outcome is unknown; a processor re-reads its checkpoints,
 * and fencing turns a replay of an already-applied batch into `applied: false`.
 */
import Redis, { type RedisOptions } from 'ioredis';
import { performance } from 'node:perf_hooks';
import { WeirError, isWeirError } from '../spec/errors';
import { decodeCheckpointValue, encodeCheckpointValue, isIntegerIncrement, validateBatch } from './atomic-batch';
import type { AtomicBatch, Checkpoint, Store } from './types';

/**
 * ARGV layout (KEYS holds every distinct key of the batch; "k" below is a 1-based KEYS index):
 *   nCheckpoints, then per checkpoint: k, field, expectedOffset ('' = no checkpoint yet), value
 *   nGroups, then per key group: k, nInt, nFloat, then nInt (field, by) pairs for HINCRBY
 *                                                 and nFloat (field, by) pairs for HINCRBYFLOAT
 *   nExpire, then per expiry: k, seconds
 *   nPushes, then per push: k, max, nValues, values…
 *   nHll, then per HyperLogLog: k, nValues, form, then the values   (PFADD)
 *   nZsets, then per sorted set: k, nMembers, form, then the (member, by) pairs (ZINCRBY)
 *     form 'p' (packed): the values (members; increments) joined by "\n" in one argument (two);
 *     form 'a': one argument each, for the rare batch with a "\n" inside a value.
 *   Packing matters on the client: a batch of 5,000 visits carries ~20,000 values, and ioredis
 *   spends far more per argument than per byte (~15% of a worker's CPU went there).
 *   hasNotice ('0' | '1'), then channel, message
 * Everything is read with loops and offsets, never unpack(): batches carry tens of thousands of
 * increments, far beyond Lua's unpack/stack limits. All checks (fencing, key types) run before the
 * first write because Redis does not roll a script back when a command inside it fails. The one
 * failure left after the checks is incrementing a field that holds a non-number (e.g. a checkpoint
 * value), which only a caller mixing counters and checkpoints in one hash field can cause.
 */
const APPLY_ATOMIC_LUA = `
local function wrongtype(key, want)
  local t = redis.call('TYPE', key)['ok']
  if t ~= 'none' and t ~= want then
    return redis.error_reply('WEIR_WRONGTYPE ' .. key .. ' holds a ' .. t .. ', not a ' .. want)
  end
  return nil
end

local nc = tonumber(ARGV[1])
local a = 2
for i = 1, nc do
  local key = KEYS[tonumber(ARGV[a])]
  local err = wrongtype(key, 'hash')
  if err then return err end
  local cur = redis.call('HGET', key, ARGV[a + 1])
  local want = ARGV[a + 2]
  if cur then
    if want == '' or string.match(cur, '^{"o":(%d+)[,}]') ~= want then return 0 end
  elseif want ~= '' then
    return 0
  end
  a = a + 4
end

local incAt = a
local ng = tonumber(ARGV[a])
a = a + 1
for g = 1, ng do
  local err = wrongtype(KEYS[tonumber(ARGV[a])], 'hash')
  if err then return err end
  a = a + 3 + 2 * (tonumber(ARGV[a + 1]) + tonumber(ARGV[a + 2]))
end
local expAt = a
a = a + 1 + 2 * tonumber(ARGV[a])
local pushAt = a
local np = tonumber(ARGV[a])
a = a + 1
for p = 1, np do
  local err = wrongtype(KEYS[tonumber(ARGV[a])], 'list')
  if err then return err end
  a = a + 3 + tonumber(ARGV[a + 2])
end
local hllAt = a
local nh = tonumber(ARGV[a])
a = a + 1
for h = 1, nh do
  local err = wrongtype(KEYS[tonumber(ARGV[a])], 'string')
  if err then return err end
  if ARGV[a + 2] == 'p' then a = a + 4 else a = a + 3 + tonumber(ARGV[a + 1]) end
end
local zAt = a
local nz = tonumber(ARGV[a])
a = a + 1
for z = 1, nz do
  local err = wrongtype(KEYS[tonumber(ARGV[a])], 'zset')
  if err then return err end
  if ARGV[a + 2] == 'p' then a = a + 5 else a = a + 3 + 2 * tonumber(ARGV[a + 1]) end
end
local noticeAt = a

a = incAt + 1
for g = 1, ng do
  local key = KEYS[tonumber(ARGV[a])]
  local ni = tonumber(ARGV[a + 1])
  local nf = tonumber(ARGV[a + 2])
  a = a + 3
  for i = 1, ni do
    -- A field that already holds a fraction (or would overflow int64) refuses HINCRBY; adding
    -- through HINCRBYFLOAT instead keeps the batch whole.
    local r = redis.pcall('HINCRBY', key, ARGV[a], ARGV[a + 1])
    if type(r) == 'table' and r.err then
      redis.call('HINCRBYFLOAT', key, ARGV[a], ARGV[a + 1])
    end
    a = a + 2
  end
  for i = 1, nf do
    redis.call('HINCRBYFLOAT', key, ARGV[a], ARGV[a + 1])
    a = a + 2
  end
end

a = pushAt + 1
for p = 1, np do
  local key = KEYS[tonumber(ARGV[a])]
  local max = tonumber(ARGV[a + 1])
  local nv = tonumber(ARGV[a + 2])
  a = a + 3
  for i = 1, nv do
    redis.call('LPUSH', key, ARGV[a])
    a = a + 1
  end
  if nv > 0 then redis.call('LTRIM', key, 0, max - 1) end
end

-- The n values of a packed argument, in order: the text between newlines.
local function unpacked(text, n)
  local out = {}
  local pos = 1
  for i = 1, n do
    local stop = string.find(text, '\\n', pos, true) or (#text + 1)
    out[i] = string.sub(text, pos, stop - 1)
    pos = stop + 1
  end
  return out
end

a = hllAt + 1
for h = 1, nh do
  local key = KEYS[tonumber(ARGV[a])]
  local nv = tonumber(ARGV[a + 1])
  local values
  if ARGV[a + 2] == 'p' then
    values = unpacked(ARGV[a + 3], nv)
    a = a + 4
  else
    values = {}
    for j = 1, nv do values[j] = ARGV[a + 2 + j] end
    a = a + 3 + nv
  end
  -- PFADD in chunks: a call's arguments live on the Lua stack.
  local i = 0
  while i < nv do
    local n = math.min(500, nv - i)
    local args = {}
    for j = 1, n do args[j] = values[i + j] end
    redis.call('PFADD', key, unpack(args))
    i = i + n
  end
end

a = zAt + 1
for z = 1, nz do
  local key = KEYS[tonumber(ARGV[a])]
  local nm = tonumber(ARGV[a + 1])
  if ARGV[a + 2] == 'p' then
    local members, bys = ARGV[a + 3], ARGV[a + 4]
    local mp, bp = 1, 1
    for i = 1, nm do
      local me = string.find(members, '\\n', mp, true) or (#members + 1)
      local be = string.find(bys, '\\n', bp, true) or (#bys + 1)
      redis.call('ZINCRBY', key, string.sub(bys, bp, be - 1), string.sub(members, mp, me - 1))
      mp = me + 1
      bp = be + 1
    end
    a = a + 5
  else
    a = a + 3
    for i = 1, nm do
      redis.call('ZINCRBY', key, ARGV[a + 1], ARGV[a])
      a = a + 2
    end
  end
end

a = 2
for i = 1, nc do
  redis.call('HSET', KEYS[tonumber(ARGV[a])], ARGV[a + 1], ARGV[a + 3])
  a = a + 4
end

a = expAt + 1
for i = 1, tonumber(ARGV[expAt]) do
  redis.call('EXPIRE', KEYS[tonumber(ARGV[a])], ARGV[a + 1])
  a = a + 2
end

if ARGV[noticeAt] == '1' then
  redis.call('PUBLISH', ARGV[noticeAt + 1], ARGV[noticeAt + 2])
end
return 1
`;

type Arg = string | number;
type ApplyAtomicCommand = (numKeys: number, keys: string[], argv: Arg[]) => Promise<number>;

export interface RedisStoreOptions {
  /** Per-command ceiling so a frozen (half-open) connection cannot hang a caller forever. */
  commandTimeoutMs?: number;
  connectTimeoutMs?: number;
}

/** Builds the KEYS / ARGV of the apply script. Exported for tests of the encoding only. */
export function encodeApplyAtomic(batch: AtomicBatch): { keys: string[]; argv: Arg[] } {
  const keys: string[] = [];
  const index = new Map<string, number>();
  const k = (key: string): number => {
    let i = index.get(key);
    if (i === undefined) {
      keys.push(key);
      i = keys.length;
      index.set(key, i);
    }
    return i;
  };
  const argv: Arg[] = [batch.checkpoints.length];
  for (const c of batch.checkpoints) {
    argv.push(
      k(c.key),
      c.field,
      c.expectedOffset === null ? '' : String(c.expectedOffset),
      encodeCheckpointValue(c.offset, c.state),
    );
  }

  const groups = new Map<string, { ints: Arg[]; floats: Arg[] }>();
  const incs = batch.increments ?? [];
  for (let i = 0; i < incs.length; i++) {
    const inc = incs[i];
    let g = groups.get(inc.key);
    if (g === undefined) {
      g = { ints: [], floats: [] };
      groups.set(inc.key, g);
    }
    if (isIntegerIncrement(inc.by)) g.ints.push(inc.field, inc.by);
    else g.floats.push(inc.field, inc.by);
  }
  argv.push(groups.size);
  for (const [key, g] of groups) {
    argv.push(k(key), g.ints.length / 2, g.floats.length / 2);
    // Loops, not push(...spread): spreading 100k arguments overflows the call stack.
    for (let i = 0; i < g.ints.length; i++) argv.push(g.ints[i]);
    for (let i = 0; i < g.floats.length; i++) argv.push(g.floats[i]);
  }

  const expire = batch.expire ?? [];
  argv.push(expire.length);
  for (const e of expire) argv.push(k(e.key), e.seconds);

  const pushes = batch.pushes ?? [];
  argv.push(pushes.length);
  for (const p of pushes) {
    argv.push(k(p.key), p.max, p.values.length);
    for (const v of p.values) argv.push(v);
  }

  const hll = batch.hllAdds ?? [];
  argv.push(hll.length);
  for (const h of hll) {
    argv.push(k(h.key), h.values.length);
    const packed = h.values.join('\n');
    // Packable unless a value holds the separator (then the count of parts would not match).
    if (h.values.length > 0 && !h.values.some((v) => v.includes('\n'))) argv.push('p', packed);
    else {
      argv.push('a');
      for (const v of h.values) argv.push(v);
    }
  }

  const zsets = batch.zincrs ?? [];
  argv.push(zsets.length);
  for (const z of zsets) {
    const ms = z.members;
    argv.push(k(z.key), ms.length);
    let members = '';
    let bys = '';
    let packable = ms.length > 0;
    for (let i = 0; i < ms.length && packable; i++) {
      const m = ms[i].member;
      if (m.includes('\n')) packable = false;
      members += i === 0 ? m : `\n${m}`;
      bys += i === 0 ? String(ms[i].by) : `\n${ms[i].by}`;
    }
    if (packable) argv.push('p', members, bys);
    else {
      argv.push('a');
      for (const m of ms) argv.push(m.member, m.by);
    }
  }

  if (batch.notice) argv.push('1', batch.notice.channel, batch.notice.message);
  else argv.push('0');
  return { keys, argv };
}

/** The URL without its password, for messages. */
function redact(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(unparseable URL)';
  }
}

const RETRIABLE_REPLY = /^(LOADING|BUSY|TRYAGAIN|MASTERDOWN|CLUSTERDOWN|READONLY)\b/;

export class RedisStore implements Store {
  readonly kind = 'redis' as const;
  private readonly redis: Redis;
  private readonly where: string;
  private sub: Redis | null = null;
  private readonly channels = new Map<string, { listeners: Set<(m: string) => void>; ready: Promise<unknown> }>();
  /** Last connection-level error, so "unreachable" can say why (ECONNREFUSED, auth, DNS…). */
  private lastConnError: Error | null = null;

  constructor(url: string, opts: RedisStoreOptions = {}) {
    this.where = redact(url);
    const options: RedisOptions = {
      lazyConnect: true,
      // One reconnect attempt per command, then its promise fails: a down Redis fails fast.
      maxRetriesPerRequest: 1,
      // Queue while (re)connecting so startup and short blips are absorbed; the queue is flushed
      // with an error after maxRetriesPerRequest failed attempts, so nothing waits forever.
      enableOfflineQueue: true,
      connectTimeout: opts.connectTimeoutMs ?? 3_000,
      commandTimeout: opts.commandTimeoutMs ?? 10_000,
      retryStrategy: (times) => Math.min(times * 200, 2_000),
    };
    this.redis = new Redis(url, options);
    this.watch(this.redis);
    this.redis.defineCommand('weirApplyAtomic', { lua: APPLY_ATOMIC_LUA });
  }

  async applyAtomic(batch: AtomicBatch): Promise<{ applied: boolean }> {
    validateBatch(batch);
    const { keys, argv } = encodeApplyAtomic(batch);
    const apply = (this.redis as unknown as { weirApplyAtomic: ApplyAtomicCommand }).weirApplyAtomic;
    const res = await this.call(() => apply.call(this.redis, keys.length, keys, argv));
    return { applied: res === 1 };
  }

  async readCheckpoints(key: string): Promise<Record<string, Checkpoint>> {
    const raw = await this.call(() => this.redis.hgetall(key));
    const out: Record<string, Checkpoint> = {};
    for (const field of Object.keys(raw)) out[field] = decodeCheckpointValue(key, field, raw[field]);
    return out;
  }

  async readHashes(keys: string[]): Promise<Record<string, number>[]> {
    if (keys.length === 0) return [];
    const results = await this.call(() => {
      const p = this.redis.pipeline();
      for (const key of keys) p.hgetall(key);
      return p.exec();
    });
    return (results ?? []).map(([err, raw]) => {
      if (err) throw this.toError(err);
      const obj = raw as Record<string, string>;
      const out: Record<string, number> = {};
      for (const field in obj) out[field] = Number(obj[field]);
      return out;
    });
  }

  async readList(key: string, start: number, stop: number): Promise<string[]> {
    return this.call(() => this.redis.lrange(key, start, stop));
  }

  async claim(key: string, value: string, ttlSeconds: number): Promise<string> {
    // SET … NX GET (Redis ≥ 7.0): one round trip, returns the previous value when there was one.
    const prev = await this.call(() => this.redis.call('SET', key, value, 'NX', 'GET', 'EX', String(ttlSeconds)) as Promise<string | null>);
    return prev ?? value;
  }

  async countUnique(keys: string[]): Promise<number> {
    if (keys.length === 0) return 0;
    return this.call(() => this.redis.pfcount(...keys));
  }

  async readTop(keys: string[], limit: number): Promise<{ member: string; score: number }[][]> {
    if (keys.length === 0) return [];
    const results = await this.call(() => {
      const p = this.redis.pipeline();
      for (const key of keys) p.zrevrange(key, 0, limit - 1, 'WITHSCORES');
      return p.exec();
    });
    return (results ?? []).map(([err, raw]) => {
      if (err) throw this.toError(err);
      const flat = raw as string[];
      const out: { member: string; score: number }[] = [];
      for (let i = 0; i < flat.length; i += 2) out.push({ member: flat[i], score: Number(flat[i + 1]) });
      return out;
    });
  }

  async readSortedSets(keys: string[]): Promise<Record<string, number>[]> {
    if (keys.length === 0) return [];
    const results = await this.call(() => {
      const p = this.redis.pipeline();
      for (const key of keys) p.zrange(key, 0, -1, 'WITHSCORES');
      return p.exec();
    });
    return (results ?? []).map(([err, raw]) => {
      if (err) throw this.toError(err);
      const flat = raw as string[];
      const out: Record<string, number> = {};
      for (let i = 0; i < flat.length; i += 2) out[flat[i]] = Number(flat[i + 1]);
      return out;
    });
  }

  async unionSortedSets(keys: string[], weights?: number[]): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    if (keys.length === 0) return out;
    if (weights && weights.length !== keys.length) throw new WeirError('invalid_store_read', `unionSortedSets: ${keys.length} keys but ${weights.length} weights.`, { status: 500 });
    // ZUNION (Redis ≥ 6.2) sums in the server: the reply holds each distinct member once, however
    // many sets (buckets) it is in.
    const args = [String(keys.length), ...keys, ...(weights ? ['WEIGHTS', ...weights.map(String)] : []), 'WITHSCORES'];
    const flat = await this.call(() => this.redis.call('ZUNION', ...args) as Promise<string[]>);
    for (let i = 0; i < flat.length; i += 2) out.set(flat[i], Number(flat[i + 1]));
    return out;
  }

  async scoresOf(keys: string[], members: string[]): Promise<number[][]> {
    if (keys.length === 0) return [];
    if (members.length === 0) return keys.map(() => []);
    const results = await this.call(() => {
      const p = this.redis.pipeline();
      for (const key of keys) p.zmscore(key, ...members);
      return p.exec();
    });
    return (results ?? []).map(([err, raw]) => {
      if (err) throw this.toError(err);
      return (raw as (string | null)[]).map((s) => (s === null ? 0 : Number(s)));
    });
  }

  async deletePrefix(prefix: string): Promise<number> {
    const pattern = prefix.replace(/[*?[\]\\]/g, '\\$&') + '*';
    let cursor = '0';
    let deleted = 0;
    do {
      const [next, keys] = await this.call(() => this.redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000));
      cursor = next;
      // SCAN may return a key twice; UNLINK of a gone key counts 0, so the total stays exact.
      if (keys.length > 0) deleted += await this.call(() => this.redis.unlink(...keys));
    } while (cursor !== '0');
    return deleted;
  }

  async publish(channel: string, message: string): Promise<void> {
    await this.call(() => this.redis.publish(channel, message));
  }

  async subscribe(channel: string, onMessage: (message: string) => void): Promise<() => Promise<void>> {
    const sub = this.subscriber();
    let entry = this.channels.get(channel);
    if (!entry) {
      const created = { listeners: new Set<(m: string) => void>(), ready: sub.subscribe(channel) };
      created.ready.catch(() => {
        if (this.channels.get(channel) === created) this.channels.delete(channel);
      });
      this.channels.set(channel, created);
      entry = created;
    }
    const listener = (message: string) => onMessage(message);
    entry.listeners.add(listener);
    try {
      // Later subscribers of the channel wait for the same SUBSCRIBE: when subscribe() resolves,
      // every later publish reaches the listener.
      await this.call(() => entry.ready, false);
    } catch (err) {
      entry.listeners.delete(listener);
      throw err;
    }
    let done = false;
    const target = entry;
    return async () => {
      if (done) return;
      done = true;
      target.listeners.delete(listener);
      if (target.listeners.size === 0 && this.channels.get(channel) === target) {
        this.channels.delete(channel);
        // Commands on one connection are ordered, so a re-subscribe issued after this still wins.
        // If Redis is down the listener is gone all the same; a leftover server-side subscription
        // only brings messages that find no listener, so there is nothing to report.
        await sub.unsubscribe(channel).catch(() => undefined);
      }
    };
  }

  async health(): Promise<{ ok: boolean; detail: string }> {
    const t0 = performance.now();
    try {
      await this.call(() => this.redis.ping());
      const ms = performance.now() - t0;
      return { ok: true, detail: `redis ${this.where} PING ${ms.toFixed(1)} ms` };
    } catch (err) {
      return { ok: false, detail: err instanceof Error ? err.message : String(err) };
    }
  }

  async close(): Promise<void> {
    this.channels.clear();
    await Promise.all([this.redis, this.sub].map((c) => (c ? closeConnection(c) : undefined)));
    this.sub = null;
  }

  private subscriber(): Redis {
    if (!this.sub) {
      const sub = this.redis.duplicate();
      this.watch(sub);
      sub.on('message', (channel: string, message: string) => {
        const entry = this.channels.get(channel);
        if (!entry) return;
        for (const listener of entry.listeners) {
          try {
            listener(message);
          } catch (err) {
            console.error(`[weir] subscriber of ${channel} threw:`, err);
          }
        }
      });
      this.sub = sub;
    }
    return this.sub;
  }

  private watch(conn: Redis) {
    // Without an 'error' listener ioredis prints "Unhandled error event" on every reconnect.
    conn.on('error', (err: Error) => {
      this.lastConnError = err;
    });
    conn.on('ready', () => {
      this.lastConnError = null;
    });
  }

  private async call<T>(fn: () => Promise<T>, failFast = true): Promise<T> {
    // Known down (the last attempt failed and ioredis is waiting to retry): answer at once rather
    // than park the call in the offline queue for another backoff period. ioredis keeps
    // reconnecting in the background, and the first call after it succeeds goes through.
    if (failFast && this.lastConnError && this.redis.status === 'reconnecting') throw this.toError(this.lastConnError);
    try {
      return await fn();
    } catch (err) {
      throw this.toError(err);
    }
  }

  private toError(err: unknown): WeirError {
    if (isWeirError(err)) return err;
    const e = err instanceof Error ? err : new Error(String(err));
    if (e.name === 'ReplyError') {
      if (e.message.includes('WEIR_WRONGTYPE')) {
        return new WeirError(
          'store_wrong_type',
          `${e.message.replace(/^.*WEIR_WRONGTYPE /, '')}; another writer uses the same key name.`,
          { status: 500, cause: e },
        );
      }
      const retriable = RETRIABLE_REPLY.test(e.message);
      return new WeirError('store_command_failed', `Redis ${this.where} refused a command: ${e.message}`, {
        status: retriable ? 503 : 500,
        retriable,
        cause: e,
      });
    }
    const why = this.lastConnError?.message ?? e.message;
    return new WeirError(
      'store_unreachable',
      `Cannot reach Redis at ${this.where} (REDIS_URL): ${why}. Start Redis (npm run infra:up) or fix ` +
        'REDIS_URL; unset REDIS_URL to use the embedded in-process store.',
      { status: 503, retriable: true, cause: e },
    );
  }
}

async function closeConnection(conn: Redis): Promise<void> {
  // QUIT on a never-connected lazy client would connect first just to say goodbye.
  if (conn.status === 'ready') {
    try {
      await conn.quit();
      return;
    } catch {
      // fall through
    }
  }
  conn.disconnect();
}

export function createRedisStore(url: string, opts?: RedisStoreOptions): RedisStore {
  return new RedisStore(url, opts);
}
