/**
 * What both Store implementations share about an AtomicBatch: how a checkpoint is encoded in its
 * hash field, and the validation that runs before anything is written (so a malformed batch is
 * refused whole instead of failing half-way through a Lua script, which Redis would not roll back).
 */
import { WeirError } from '../spec/errors';
import type { AtomicBatch, Checkpoint } from './types';

/**
 * Stored checkpoint value: `{"o":<offset>,"s":<state as a JSON string or null>}`.
 * The offset comes first and is written as plain digits so the Lua script can compare it as a
 * string (`^{"o":(%d+)`) without cjson's double rounding.
 */
export function encodeCheckpointValue(offset: number, state: string | null): string {
  return `{"o":${offset},"s":${state === null ? 'null' : JSON.stringify(state)}}`;
}

export function decodeCheckpointValue(key: string, field: string, raw: string): Checkpoint {
  try {
    const v = JSON.parse(raw) as { o: unknown; s: unknown };
    if (Number.isSafeInteger(v.o) && (v.s === null || typeof v.s === 'string')) {
      return { key, field, offset: v.o as number, state: v.s as string | null };
    }
  } catch {
    // fall through to the error below
  }
  throw new WeirError(
    'store_corrupt_checkpoint',
    `Checkpoint ${key} ${field} holds ${JSON.stringify(raw.slice(0, 80))}, not a Weir checkpoint; ` +
      'delete that field (or the pipeline views) so the job restarts from the beginning.',
    { status: 500 },
  );
}

const bad = (message: string) =>
  new WeirError('invalid_store_batch', message, { status: 500, retriable: false });

/** Throws WeirError `invalid_store_batch` naming the first malformed entry. */
export function validateBatch(batch: AtomicBatch): void {
  for (const c of batch.checkpoints) {
    if (!Number.isSafeInteger(c.offset) || c.offset < 0) {
      throw bad(`checkpoint ${c.key} ${c.field}: offset must be a non-negative integer, got ${c.offset}`);
    }
    if (c.expectedOffset !== null && (!Number.isSafeInteger(c.expectedOffset) || c.expectedOffset < 0)) {
      throw bad(
        `checkpoint ${c.key} ${c.field}: expectedOffset must be null or a non-negative integer, got ${c.expectedOffset}`,
      );
    }
  }
  const incs = batch.increments ?? [];
  for (let i = 0; i < incs.length; i++) {
    const by = incs[i].by;
    if (typeof by !== 'number' || !Number.isFinite(by)) {
      throw bad(`increment ${incs[i].key} ${incs[i].field}: by must be a finite number, got ${by}`);
    }
  }
  for (const e of batch.expire ?? []) {
    if (!Number.isInteger(e.seconds) || e.seconds < 1) {
      throw bad(`expire ${e.key}: seconds must be a positive integer, got ${e.seconds}`);
    }
  }
  for (const p of batch.pushes ?? []) {
    if (!Number.isInteger(p.max) || p.max < 1) {
      throw bad(`push ${p.key}: max must be a positive integer, got ${p.max}`);
    }
  }
}

/** Integers that HINCRBY takes exactly; anything else goes through HINCRBYFLOAT. */
export const isIntegerIncrement = (by: number): boolean => Number.isSafeInteger(by);
