/**
 * Replay fencing. Runtime.replay deletes a pipeline's views and checkpoints and rebuilds them from
 * the log while worker processes elsewhere may still run its jobs. Offset fencing alone cannot make
 * that safe:
 *  - after the deletion a partition's checkpoint is absent, which is also what a never-processed
 *    partition looks like, so a worker that (re)reads it would apply its in-flight batch from the
 *    middle of the log as if it were the start (everything before it lost), and
 *  - the deletion (SCAN + UNLINK) is not atomic: a batch applied while it runs leaves part of its
 *    increments behind, counted again when the log is reprocessed.
 *
 * So every batch also fences on a per-pipeline epoch, stored as a checkpoint value (its "offset" is
 * the epoch) in `weir:epoch:{pid}`: outside the pipeline's prefix, so no deletePrefix(pipelinePrefix)
 * removes it, yet with the pipeline's hash tag, so the batch's Lua script may read it in a Redis
 * Cluster too. Even epoch: normal. Odd epoch: a replay is deleting and no batch may apply. Replay
 * locks (E → E+1), deletes, unlocks (→ E+2): every batch prepared under another epoch is refused by
 * the store, and a worker that re-reads a changed epoch moves its read position back to the (now
 * reset) stored offset before applying anything.
 */
import type { CheckpointWrite, Store } from '../store/types';

export const epochKey = (pid: string): string => `weir:epoch:{${pid}}`;
const FIELD = 'replay';

export async function readEpoch(store: Store, pid: string): Promise<number | null> {
  return (await store.readCheckpoints(epochKey(pid)))[FIELD]?.offset ?? null;
}

/** True while a replay of the pipeline is deleting its data. */
export const isReplaying = (epoch: number | null): boolean => epoch !== null && epoch % 2 === 1;

/** The fence a batch carries: applies only under `epoch` (null: none set yet, which this write sets to 0). */
export const epochFence = (pid: string, epoch: number | null): CheckpointWrite => ({
  key: epochKey(pid),
  field: FIELD,
  offset: epoch ?? 0,
  state: null,
  expectedOffset: epoch,
});

/** Stops every batch of the pipeline from applying; returns the lock (a crashed replay's lock is taken over). */
export async function lockEpoch(store: Store, pid: string): Promise<number> {
  for (let attempt = 0; ; attempt++) {
    const cur = await readEpoch(store, pid);
    const lock = cur === null ? 1 : cur % 2 === 0 ? cur + 1 : cur + 2;
    const { applied } = await store.applyAtomic({ checkpoints: [{ ...epochFence(pid, cur), offset: lock }], increments: [] });
    if (applied) return lock;
    // Lost a race with the batch that set the first epoch, or with another replay: read again.
    if (attempt >= 20) throw new Error(`could not lock the replay epoch of pipeline ${pid}`);
  }
}

/**
 * Lets batches apply again, under a new epoch. False if another replay took the lock over since
 * (that one unlocks when it is done).
 */
export async function unlockEpoch(store: Store, pid: string, lock: number): Promise<boolean> {
  const { applied } = await store.applyAtomic({ checkpoints: [{ ...epochFence(pid, lock), offset: lock + 1 }], increments: [] });
  return applied;
}
