import { statfs } from 'node:fs/promises';
import { WeirError } from '../../spec/errors';
import type { AgentEnv } from '../types';
import type { Checkpointer } from './checkpointer';
import { FILE_HEADER } from './frame';
import type { LogWriter } from './log-writer';
import type { FileChannelOptions } from './options';

export type DiskProblem = { kind: 'bound' | 'space'; message: string; details: Record<string, unknown> };

/**
 * The disk bounds of puts: `maxDiskBytes` of log and `minimumRequiredSpace` free on each data
 * folder's filesystem (statfs, refreshed by the channel at most once a second; bytes written since
 * count as used). A put that does not fit starts a `channel_disk_full` episode: one error, until
 * puts fit again.
 */
export class DiskSpace {
  private free = new Map<string, { bytes: number; written: number }>();
  freeCheckedAt = 0;
  private freeRefresh?: Promise<void>;
  /** Puts now waiting for disk. */
  diskBlocked = 0;
  private diskEpisode = false;

  constructor(
    private readonly o: Pick<FileChannelOptions, 'name' | 'dataDirs' | 'maxDiskBytes' | 'minimumRequiredSpace'>,
    private readonly env: Pick<AgentEnv, 'counters' | 'log'>,
  ) {}

  freeBytes(dir: string) {
    const f = this.free.get(dir);
    return f ? f.bytes - f.written : Number.POSITIVE_INFINITY;
  }

  /** Counts log bytes just written to `dir` against its free space until the next refresh. */
  wrote(dir: string, bytes: number) {
    const f = this.free.get(dir);
    if (f) f.written += bytes;
  }

  refreshFree(): Promise<void> {
    this.freeRefresh ??= (async () => {
      try {
        for (const d of this.o.dataDirs) {
          try {
            const s = await statfs(d);
            this.free.set(d, { bytes: s.bavail * s.bsize, written: 0 });
          } catch {
            this.free.delete(d);
          }
        }
        this.freeCheckedAt = Date.now();
      } finally {
        this.freeRefresh = undefined;
      }
    })();
    return this.freeRefresh;
  }

  /**
   * Why a put of `bytes` does not fit, if it does not. `used`: bytes of log files plus puts admitted
   * but not yet written; `writeDir`: the folder of the log file being written.
   */
  diskProblem(bytes: number, used: number, writeDir: string | undefined): DiskProblem | undefined {
    if (used + bytes > this.o.maxDiskBytes) {
      return {
        kind: 'bound',
        message: `File channel "${this.o.name}" holds ${used} bytes of log; one more transaction of ${bytes} bytes would pass "maxDiskBytes" (${this.o.maxDiskBytes}). Sources wait until sinks drain it (is the sink delivering?); raise "maxDiskBytes" to buffer more.`,
        details: { maxDiskBytes: this.o.maxDiskBytes, usedBytes: used, transactionBytes: bytes },
      };
    }
    const dir = writeDir ?? this.o.dataDirs[0];
    const free = this.freeBytes(dir);
    if (free - bytes < this.o.minimumRequiredSpace) {
      return {
        kind: 'space',
        message: `File channel "${this.o.name}": the filesystem of ${dir} has ${free} bytes free, under "minimumRequiredSpace" (${this.o.minimumRequiredSpace}). Sources wait; free disk space, move "dataDirs" to a larger disk, or lower "minimumRequiredSpace".`,
        details: { dir, freeBytes: free, minimumRequiredSpace: this.o.minimumRequiredSpace },
      };
    }
    return undefined;
  }

  startDiskEpisode(p: DiskProblem) {
    if (this.diskEpisode) return;
    this.diskEpisode = true;
    this.env.counters.DiskFullCount++;
    const err = new WeirError('channel_disk_full', p.message, { retriable: true, details: p.details });
    this.env.log('error', err.message, { code: err.code, ...p.details });
  }

  endDiskEpisode() {
    if (!this.diskEpisode) return;
    this.diskEpisode = false;
    this.env.log('info', `File channel "${this.o.name}" has disk room again; puts resume.`, { code: 'channel_disk_ok' });
  }
}

/** Gives back disk: deletes consumed files a checkpoint covers, or makes that possible. */
export function reclaim(log: LogWriter, checkpointer: Checkpointer, urgent: boolean) {
  let deletable = false;
  let needCheckpoint = false;
  for (const f of log.files.values()) {
    if (f.live > 0 || f === log.writeFile) continue;
    if (f.id < checkpointer.checkpointFileId) deletable = true;
    else needCheckpoint = true;
  }
  if (deletable) void log.deleteConsumed(checkpointer.checkpointFileId);
  if (!urgent) return;
  const w = log.writeFile;
  if (w && w.live === 0 && log.writePos > FILE_HEADER) {
    log.requestRoll();
  } else if (needCheckpoint) {
    void checkpointer.requestCheckpoint();
  }
}
