import { open, rm } from 'node:fs/promises';
import path from 'node:path';
import { WeirError } from '../../spec/errors';
import type { AgentEnv } from '../types';
import type { DiskSpace } from './disk-space';
import { FILE_HEADER, fileHeader } from './frame';
import { type LogFile, logFileName, writeAll } from './log-files';
import type { FileChannelOptions } from './options';

/** A record waiting for the log: `apply` changes the channel's state once it is written, at `offset` of `file`. */
export interface Pending {
  frame: Buffer;
  apply(file: LogFile, offset: number): void;
  resolve(): void;
  reject(e: unknown): void;
}

/** What the channel does when the log changes. */
export interface LogEvents {
  /** A group of records was written and applied. */
  written(): void;
  /** A new log file was started (`roll`). */
  rolled(): void;
  /** Consumed log files left the disk count (before they are deleted). */
  freed(): void;
}

/**
 * The write side of the log: the log files and their bytes on disk, the file being written and
 * its position, and the group commit that writes queued records and rolls to a new file at
 * `maxFileSize`, round robin over the data folders.
 */
export class LogWriter {
  readonly files = new Map<number, LogFile>();
  writeFile?: LogFile;
  writePos = 0;
  nextFileId = 1;
  private dirIndex = 0;
  diskUsed = 0;
  newFilesSinceCheckpoint = false;
  private readonly maxFileSize: number;

  private pending: Pending[] = [];
  flushing = false;
  flushDone: Promise<void> = Promise.resolve();
  private rollRequested = false;

  constructor(
    private readonly o: Pick<FileChannelOptions, 'name' | 'dataDirs' | 'maxFileSize' | 'maxDiskBytes' | 'minimumRequiredSpace' | 'fsyncPerTransaction'>,
    private readonly env: Pick<AgentEnv, 'log'>,
    private readonly disk: DiskSpace,
    private readonly on: LogEvents,
  ) {
    // Files small against the disk bound, so that consumed space comes back in steps.
    this.maxFileSize = Math.max(4096, Math.min(this.o.maxFileSize, Math.floor(this.o.maxDiskBytes / 4)));
  }

  /** After recovery: the files found count against the disk bound, and new files get ids after theirs. */
  resume(nextFileId: number) {
    this.nextFileId = nextFileId;
    for (const f of this.files.values()) this.diskUsed += f.size;
  }

  /** Queues a record for the log. */
  append(p: Pending) {
    this.pending.push(p);
    this.kick();
  }

  /** Starts a new log file before the next write, even if this one is not full. */
  requestRoll() {
    this.rollRequested = true;
    this.kick();
  }

  private kick() {
    if (this.flushing) return;
    this.flushing = true;
    this.flushDone = this.flushLoop();
  }

  /** Group commit: everything queued meanwhile goes out in one writev. */
  private async flushLoop(): Promise<void> {
    while (this.pending.length > 0 || this.rollRequested) {
      const w = this.writeFile!;
      const first = this.pending[0] as Pending | undefined;
      const full = first && this.writePos + first.frame.length > this.maxFileSize;
      if (this.writePos > FILE_HEADER && (this.rollRequested || full)) {
        this.rollRequested = false;
        try {
          await this.roll();
        } catch (e) {
          this.failPending(e, 'cannot start a new log file');
        }
        continue;
      }
      this.rollRequested = false;
      if (!first) continue;
      let k = 0;
      let bytes = 0;
      while (k < this.pending.length && k < 512) {
        const len = this.pending[k].frame.length;
        if (k > 0 && this.writePos + bytes + len > this.maxFileSize) break;
        bytes += len;
        k++;
      }
      const group = this.pending.splice(0, k);
      const at = this.writePos;
      try {
        await writeAll(w.fh!, group.map((g) => g.frame), at);
        if (this.o.fsyncPerTransaction) await w.fh!.datasync();
        else w.dirty = true;
      } catch (e) {
        await w.fh!.truncate(at).catch(() => {});
        for (const g of group) g.reject(this.ioError(e, 'cannot write the log'));
        continue;
      }
      // State changes and the log position advance together, so a checkpoint is always consistent.
      let offset = at;
      for (const g of group) {
        g.apply(w, offset);
        offset += g.frame.length;
      }
      this.writePos = offset;
      w.size = offset;
      this.diskUsed += bytes;
      this.disk.wrote(w.dir, bytes);
      this.on.written();
      for (const g of group) g.resolve();
    }
    this.flushing = false;
  }

  private failPending(e: unknown, what: string) {
    const err = this.ioError(e, what);
    for (const g of this.pending.splice(0)) g.reject(err);
  }

  private ioError(e: unknown, what: string): WeirError {
    const err = new WeirError('channel_io_error', `File channel "${this.o.name}" ${what}: ${(e as Error).message}. Check the disk and the permissions of "dataDirs".`, { retriable: true, cause: e });
    this.env.log('error', err.message, { code: err.code });
    return err;
  }

  async roll(): Promise<void> {
    const id = this.nextFileId++;
    const dir = this.pickDir();
    const p = path.join(dir, logFileName(id));
    const fh = await open(p, 'w+');
    await fh.write(fileHeader(id), 0, FILE_HEADER, 0);
    const file: LogFile = { id, dir, path: p, size: FILE_HEADER, live: 0, fh, dirty: true };
    this.files.set(id, file);
    this.diskUsed += FILE_HEADER;
    this.writeFile = file;
    this.writePos = FILE_HEADER;
    this.newFilesSinceCheckpoint = true;
    this.on.rolled();
  }

  /** Round robin over the data folders, skipping one under minimumRequiredSpace if another is not. */
  private pickDir(): string {
    const dirs = this.o.dataDirs;
    for (let i = 0; i < dirs.length; i++) {
      const d = dirs[(this.dirIndex + i) % dirs.length];
      if (this.disk.freeBytes(d) >= this.o.minimumRequiredSpace + this.maxFileSize || i === dirs.length - 1) {
        this.dirIndex = (this.dirIndex + i + 1) % dirs.length;
        return d;
      }
    }
    return dirs[0];
  }

  async syncWriteFile() {
    const w = this.writeFile;
    if (!w?.dirty || !w.fh) return;
    w.dirty = false;
    await w.fh.datasync().catch(() => (w.dirty = true));
  }

  async closeHandles() {
    for (const f of this.files.values()) {
      const fh = f.fh ?? (await f.opening?.catch(() => undefined));
      f.fh = undefined;
      f.opening = undefined;
      await fh?.close().catch(() => {});
    }
  }

  /** Log files before the checkpoint's position with nothing live are no longer needed. */
  async deleteConsumed(checkpointFileId: number) {
    const gone: LogFile[] = [];
    for (const f of this.files.values()) {
      if (f.live === 0 && f !== this.writeFile && f.id < checkpointFileId) gone.push(f);
    }
    for (const f of gone) {
      this.files.delete(f.id);
      this.diskUsed -= f.size;
    }
    if (gone.length) this.on.freed();
    for (const f of gone) {
      const fh = f.fh ?? (await f.opening?.catch(() => undefined));
      await fh?.close().catch(() => {});
      await rm(f.path, { force: true }).catch((e) => this.env.log('warn', `File channel "${this.o.name}" cannot delete ${f.path}: ${(e as Error).message}`));
    }
  }
}
