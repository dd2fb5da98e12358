import type { FileHandle } from 'node:fs/promises';
import { open, readdir, stat } from 'node:fs/promises';
import path from 'node:path';

/** A log file of the channel: `log-<id>` in one of the data folders. Ids only grow. */
export interface LogFile {
  id: number;
  dir: string;
  path: string;
  size: number;
  /** Put batches in this file that still have events not take-committed. */
  live: number;
  fh?: FileHandle;
  opening?: Promise<FileHandle>;
  /** Written since the last fsync. */
  dirty: boolean;
}

export const logFileName = (id: number) => `log-${id}`;

export async function listLogFiles(dirs: string[]): Promise<LogFile[]> {
  const files: LogFile[] = [];
  for (const dir of dirs) {
    for (const name of await readdir(dir)) {
      const m = /^log-(\d+)$/.exec(name);
      if (!m) continue;
      const p = path.join(dir, name);
      const s = await stat(p);
      if (s.isFile()) files.push({ id: Number(m[1]), dir, path: p, size: s.size, live: 0, dirty: false });
    }
  }
  return files.sort((a, b) => a.id - b.id);
}

/** The file's handle, opened for reading on first use (files found at recovery have none). */
export async function handle(file: LogFile) {
  if (file.fh) return file.fh;
  file.opening ??= open(file.path, 'r').then((fh) => (file.fh = fh));
  return file.opening;
}

/** One writev for many records; loops on a short write (rare for regular files). */
export async function writeAll(fh: FileHandle, buffers: Buffer[], position: number): Promise<void> {
  let total = 0;
  for (const b of buffers) total += b.length;
  let { bytesWritten } = await fh.writev(buffers, position);
  if (bytesWritten === total) return;
  const rest = Buffer.concat(buffers);
  while (bytesWritten < total) {
    const r = await fh.write(rest, bytesWritten, total - bytesWritten, position + bytesWritten);
    if (r.bytesWritten <= 0) throw new Error(`short write to the channel log (${bytesWritten} of ${total} bytes)`);
    bytesWritten += r.bytesWritten;
  }
}
