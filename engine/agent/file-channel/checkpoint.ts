import { open, readFile, rename } from 'node:fs/promises';
import path from 'node:path';
import { crc32 } from './frame';

/**
 * A checkpoint is the channel's state as of one log position: every put batch that still has
 * events not take-committed (where its record is, which index ranges are still live), the next
 * sequence number and the highest origin offset per key ever put. Recovery loads it and replays
 * the log from `logFileId:logOffset` on.
 *
 * File: `WEIRFCKP | version u32 | crc32(body) u32 | body length u32 | body`, body =
 * `meta length u32 | meta JSON | batch count u32 | batches`, each batch
 * `seq0 f64 | count u32 | fileId u32 | offset f64 | frameLength u32 | n u32 | n × (from u32, to u32)`.
 */
export interface CheckpointBatch {
  seq0: number;
  count: number;
  fileId: number;
  offset: number;
  frameLength: number;
  /** Live (not take-committed) index ranges, flattened: [from0, to0, from1, to1, ...]. */
  live: number[];
}

export interface Checkpoint {
  logFileId: number;
  logOffset: number;
  nextSeq: number;
  positions: Map<string, number>;
  batches: CheckpointBatch[];
}

const MAGIC = Buffer.from('WEIRFCKP', 'latin1');
const VERSION = 1;
export const CHECKPOINT_FILE = 'checkpoint';

export function encodeCheckpoint(cp: Checkpoint): Buffer {
  const meta = Buffer.from(
    JSON.stringify({ logFileId: cp.logFileId, logOffset: cp.logOffset, nextSeq: cp.nextSeq, positions: Object.fromEntries(cp.positions), writtenAt: new Date().toISOString() }),
  );
  let size = 20 + 4 + meta.length + 4;
  for (const b of cp.batches) size += 32 + b.live.length * 4;
  const buf = Buffer.allocUnsafe(size);
  MAGIC.copy(buf, 0);
  buf.writeUInt32BE(VERSION, 8);
  buf.writeUInt32BE(size - 20, 16);
  let at = 20;
  buf.writeUInt32BE(meta.length, at);
  meta.copy(buf, at + 4);
  at += 4 + meta.length;
  buf.writeUInt32BE(cp.batches.length, at);
  at += 4;
  for (const b of cp.batches) {
    buf.writeDoubleBE(b.seq0, at);
    buf.writeUInt32BE(b.count, at + 8);
    buf.writeUInt32BE(b.fileId, at + 12);
    buf.writeDoubleBE(b.offset, at + 16);
    buf.writeUInt32BE(b.frameLength, at + 24);
    buf.writeUInt32BE(b.live.length / 2, at + 28);
    at += 32;
    for (const x of b.live) (buf.writeUInt32BE(x, at), (at += 4));
  }
  buf.writeUInt32BE(crc32(buf.subarray(20)), 12);
  return buf;
}

/** Throws with a reason when the bytes are not a whole, valid checkpoint. */
export function decodeCheckpoint(buf: Buffer): Checkpoint {
  if (buf.length < 28 || !buf.subarray(0, 8).equals(MAGIC)) throw new Error('not a checkpoint (bad magic)');
  if (buf.readUInt32BE(8) !== VERSION) throw new Error(`unsupported checkpoint version ${buf.readUInt32BE(8)}`);
  if (buf.readUInt32BE(16) !== buf.length - 20) throw new Error('truncated checkpoint');
  if (crc32(buf.subarray(20)) !== buf.readUInt32BE(12)) throw new Error('checkpoint checksum mismatch');
  let at = 20;
  const metaLength = buf.readUInt32BE(at);
  const meta = JSON.parse(buf.toString('utf8', at + 4, at + 4 + metaLength)) as {
    logFileId: number;
    logOffset: number;
    nextSeq: number;
    positions: Record<string, number>;
  };
  at += 4 + metaLength;
  const n = buf.readUInt32BE(at);
  at += 4;
  const batches: CheckpointBatch[] = [];
  for (let i = 0; i < n; i++) {
    const k = buf.readUInt32BE(at + 28);
    const live: number[] = [];
    for (let j = 0; j < 2 * k; j++) live.push(buf.readUInt32BE(at + 32 + 4 * j));
    batches.push({
      seq0: buf.readDoubleBE(at),
      count: buf.readUInt32BE(at + 8),
      fileId: buf.readUInt32BE(at + 12),
      offset: buf.readDoubleBE(at + 16),
      frameLength: buf.readUInt32BE(at + 24),
      live,
    });
    at += 32 + 8 * k;
  }
  if (at !== buf.length) throw new Error('checkpoint length mismatch');
  return { logFileId: meta.logFileId, logOffset: meta.logOffset, nextSeq: meta.nextSeq, positions: new Map(Object.entries(meta.positions)), batches };
}

export type CheckpointRead = { kind: 'ok'; checkpoint: Checkpoint } | { kind: 'missing' } | { kind: 'corrupt'; reason: string };

export async function readCheckpoint(dir: string): Promise<CheckpointRead> {
  let buf: Buffer;
  try {
    buf = await readFile(path.join(dir, CHECKPOINT_FILE));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { kind: 'missing' };
    return { kind: 'corrupt', reason: (e as Error).message };
  }
  try {
    return { kind: 'ok', checkpoint: decodeCheckpoint(buf) };
  } catch (e) {
    return { kind: 'corrupt', reason: (e as Error).message };
  }
}

/**
 * Atomic replace: temp file, fsync, rename, fsync of the folder. A kill (or power loss) leaves
 * either the old checkpoint or the new one, never a mix.
 */
export async function writeCheckpoint(dir: string, encoded: Buffer): Promise<void> {
  const file = path.join(dir, CHECKPOINT_FILE);
  const tmp = `${file}.tmp`;
  const fh = await open(tmp, 'w');
  try {
    await fh.writeFile(encoded);
    await fh.datasync();
  } finally {
    await fh.close();
  }
  await rename(tmp, file);
  await syncDir(dir);
}

export async function syncDir(dir: string): Promise<void> {
  const fh = await open(dir, 'r');
  try {
    await fh.sync();
  } catch {
    // Some filesystems refuse fsync on a folder; the rename is still atomic for a process kill.
  } finally {
    await fh.close();
  }
}
