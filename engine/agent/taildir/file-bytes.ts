import { createHash } from 'node:crypto';
import type { FileHandle } from 'node:fs/promises';
import { open } from 'node:fs/promises';

/** Bytes kept from just before the read position. */
export const FP_LEN = 64;
/**
 * Bytes kept from the start of a file's content. Longer than FP_LEN: files of one log often begin
 * alike (a W3C header, a fixed banner), and this must tell a rewritten file from the old content.
 */
export const HEAD_LEN = 256;

/** Bytes read from a file at a time. */
export const CHUNK = 256 * 1024;

export const EMPTY = Buffer.alloc(0);

/** Up to `len` bytes at `pos` (fewer at the end of the file). */
export async function readAt(fh: FileHandle, pos: number, len: number): Promise<Buffer> {
  if (len <= 0 || pos < 0) return EMPTY;
  const buf = Buffer.allocUnsafe(len);
  let got = 0;
  while (got < len) {
    const { bytesRead } = await fh.read(buf, got, len - got, pos + got);
    if (bytesRead === 0) break;
    got += bytesRead;
  }
  return buf.subarray(0, got);
}

/** The bytes just before `pos` that identify the content up to it. */
export const tailBefore = (fh: FileHandle, pos: number) => readAt(fh, Math.max(0, pos - FP_LEN), Math.min(pos, FP_LEN));

export const hashBytes = (b: Buffer) => createHash('sha256').update(b).digest('hex').slice(0, 16);

/** The bytes from the start of the content that identify it, as far as `pos`. */
export const headBefore = (fh: FileHandle, pos: number) => readAt(fh, 0, Math.min(pos, HEAD_LEN));

/** Whether `pos` is the start of a line: the file's start, or just after a '\n'. */
export async function isLineStart(fh: FileHandle, pos: number, size: number): Promise<boolean> {
  if (pos === 0) return true;
  if (pos > size) return false;
  const b = await readAt(fh, pos - 1, 1);
  return b.length === 1 && b[0] === 10;
}

/** End of the last complete line, looking back at most `window` bytes (else `size`). */
export async function lastLineEnd(fh: FileHandle, size: number, window: number): Promise<number> {
  const len = Math.min(size, window);
  const b = await readAt(fh, size - len, len);
  const nl = b.lastIndexOf(10);
  return nl === -1 ? (len === size ? 0 : size) : size - b.length + nl + 1;
}

/** Runs `fn` on a file opened read-only, closing it after. */
export async function withFile<T>(path: string, fn: (fh: FileHandle) => Promise<T>): Promise<T> {
  const fh = await open(path, 'r');
  try {
    return await fn(fh);
  } finally {
    await fh.close();
  }
}
