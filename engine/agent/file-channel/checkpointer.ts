import type { AgentEnv } from '../types';
import { type Checkpoint, encodeCheckpoint, syncDir, writeCheckpoint } from './checkpoint';
import type { LogWriter } from './log-writer';
import type { FileChannelOptions } from './options';
import type { ChannelQueue } from './queue';

/**
 * When and what to checkpoint: one checkpoint at a time, requests meanwhile folded into one that
 * runs next; each snapshots the queue at the log's write position, makes the log up to there
 * durable, writes the checkpoint (`checkpoint.ts`) and then deletes the log files it makes unneeded.
 */
export class Checkpointer {
  /** The log file of the last checkpoint written; consumed files before it can be deleted. */
  checkpointFileId = 0;
  checkpointChain: Promise<void> = Promise.resolve();
  private checkpointQueued?: Promise<void>;

  constructor(
    private readonly o: Pick<FileChannelOptions, 'name' | 'checkpointDir' | 'dataDirs'>,
    private readonly env: Pick<AgentEnv, 'counters' | 'log'>,
    private readonly log: LogWriter,
    private readonly queue: ChannelQueue,
    private readonly closed: () => boolean,
  ) {}

  requestCheckpoint(): Promise<void> {
    this.checkpointQueued ??= this.checkpointChain = this.checkpointChain.then(() => {
      this.checkpointQueued = undefined;
      return this.checkpoint();
    });
    return this.checkpointQueued;
  }

  private async checkpoint(): Promise<void> {
    const w = this.log.writeFile;
    if (!w || this.closed()) return;
    // A snapshot between two log writes: state and position agree (see flushLoop in log-writer.ts).
    const cp: Checkpoint = { logFileId: w.id, logOffset: this.log.writePos, nextSeq: this.queue.nextSeq, positions: this.queue.positions, batches: [...this.queue.batches.values()] };
    const bytes = encodeCheckpoint(cp);
    const changes = this.queue.changesSinceCheckpoint;
    const newFiles = this.log.newFilesSinceCheckpoint;
    this.log.newFilesSinceCheckpoint = false;
    try {
      // The checkpoint may only point at log data that is on disk (power loss; kill -9 needs none of this).
      for (const f of this.log.files.values()) {
        if (!f.dirty || !f.fh || f.id > w.id) continue;
        f.dirty = false;
        await f.fh.datasync();
      }
      if (newFiles) for (const d of this.o.dataDirs) await syncDir(d);
      await writeCheckpoint(this.o.checkpointDir, bytes);
      this.checkpointFileId = w.id;
      this.queue.changesSinceCheckpoint -= changes;
    } catch (e) {
      this.log.newFilesSinceCheckpoint ||= newFiles;
      for (const f of this.log.files.values()) if (f.fh && f.id <= w.id) f.dirty = true;
      this.env.counters.CheckpointWriteErrorCount++;
      this.env.log('error', `File channel "${this.o.name}" cannot write its checkpoint in ${this.o.checkpointDir}: ${(e as Error).message}. Nothing is lost, but log files are kept until a checkpoint succeeds; check that folder's disk and permissions.`, {
        code: 'channel_checkpoint_failed',
      });
      return;
    }
    await this.log.deleteConsumed(this.checkpointFileId);
  }
}
