/**
 * Picks the serving store from the environment: REDIS_URL set → Redis, unset → embedded.
 * Each call makes a new store (no module-level singleton); whoever creates one closes it.
 */
import { EmbeddedStore } from './embedded';
import { RedisStore } from './redis';
import type { Store } from './types';

export type { AtomicBatch, Checkpoint, CheckpointWrite, HashIncrement, Store } from './types';

export function createStore(env: Record<string, string | undefined> = process.env): Store {
  const url = env.REDIS_URL?.trim();
  return url ? new RedisStore(url) : new EmbeddedStore();
}
