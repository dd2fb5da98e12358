/**
 * The serving store. Two implementations with one contract (store.contract.ts):
 * redis (ioredis against a real server) and embedded (in-process).
 *
 * It is deliberately generic (hash counters, checkpoints, capped lists, pub/sub); the view key
 * layout and the stats queries are built on top of it in view-keys.ts / stats-query.ts.
 */
export interface HashIncrement {
  key: string;
  field: string;
  by: number;
}

/** Where one consumer of one partition stands: stored atomically with the increments it produced. */
export interface Checkpoint {
  /** Hash key holding the checkpoints of one processor job. */
  key: string;
  /** `topic:partition`. */
  field: string;
  /** Offset of the next message to process. */
  offset: number;
  /** Operator state that must move with the offset (e.g. watermarks), JSON. */
  state: string | null;
}

export interface CheckpointWrite extends Checkpoint {
  /**
   * Fencing: the write applies only if the stored offset equals this (null = no checkpoint yet).
   * A zombie worker that lost its partition carries a stale expectation and is refused.
   */
  expectedOffset: number | null;
}

export interface AtomicBatch {
  checkpoints: CheckpointWrite[];
  /** Hash-field increments (HINCRBY, or HINCRBYFLOAT for fractions). */
  increments?: HashIncrement[];
  /** Keys to (re)set a TTL on, in seconds. */
  expire?: { key: string; seconds: number }[];
  /** Entries pushed to the head of capped lists (dead letters, recent events). */
  pushes?: { key: string; values: string[]; max: number }[];
  /** Elements added to HyperLogLogs (unique visitors); PFADD. */
  hllAdds?: { key: string; values: string[] }[];
  /** Sorted-set increments (the counters of the serving views, view-keys.ts); ZINCRBY. */
  zincrs?: { key: string; members: { member: string; by: number }[] }[];
  /** Published after the write commits. */
  notice?: { channel: string; message: string };
}

export interface Store {
  readonly kind: 'redis' | 'embedded';
  /**
   * All-or-nothing: if every checkpoint's stored offset equals its expectedOffset, applies the
   * increments, expiries, pushes and checkpoints in one atomic step and publishes the notice;
   * otherwise changes nothing. One round trip.
   */
  applyAtomic(batch: AtomicBatch): Promise<{ applied: boolean }>;
  readCheckpoints(key: string): Promise<Record<string, Checkpoint>>;
  /** HGETALL of many keys in one round trip; a missing key gives {}. Values are numbers. */
  readHashes(keys: string[]): Promise<Record<string, number>[]>;
  readList(key: string, start: number, stop: number): Promise<string[]>;
  /**
   * Sets `key` to `value` with a TTL unless it exists; returns the value that holds afterwards
   * (ours, or the one another process set first). Used for shared secrets like the daily salt.
   */
  claim(key: string, value: string, ttlSeconds: number): Promise<string>;
  /** Estimated distinct elements in the union of the HyperLogLogs at `keys` (PFCOUNT); 0 when none exist. */
  countUnique(keys: string[]): Promise<number>;
  /** ZRANGE … REV WITHSCORES of many sorted sets, the top `limit` of each, in one round trip. */
  readTop(keys: string[], limit: number): Promise<{ member: string; score: number }[][]>;
  /** Every member and score of many sorted sets (ZRANGE 0 -1 WITHSCORES), in one round trip; a missing key gives {}. */
  readSortedSets(keys: string[]): Promise<Record<string, number>[]>;
  /**
   * The union of sorted sets with each member's scores summed (ZUNION … WITHSCORES), each set's
   * scores multiplied by its weight first (default 1), computed by the store: one round trip whose
   * answer has one entry per distinct member. Missing keys count as empty.
   */
  unionSortedSets(keys: string[], weights?: number[]): Promise<Map<string, number>>;
  /** The scores of `members` in each of `keys` (ZMSCORE; 0 where absent), in one round trip. */
  scoresOf(keys: string[], members: string[]): Promise<number[][]>;
  /** Deletes every key starting with prefix (views rebuild, pipeline delete). */
  deletePrefix(prefix: string): Promise<number>;
  publish(channel: string, message: string): Promise<void>;
  /** Returns the unsubscribe function. */
  subscribe(channel: string, onMessage: (message: string) => void): Promise<() => Promise<void>>;
  health(): Promise<{ ok: boolean; detail: string }>;
  close(): Promise<void>;
}
