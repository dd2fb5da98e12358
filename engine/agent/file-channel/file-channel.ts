import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { WeirError } from '../../spec/errors';
import type { AgentEnv, Channel, FlumeEvent, Take } from '../types';
import { Checkpointer } from './checkpointer';
import { DiskSpace, reclaim } from './disk-space';
import { acquireLock } from './lock';
import { logFileName } from './log-files';
import { LogWriter } from './log-writer';
import { type FileChannelOptions, fileChannelDefaults } from './options';
import { ChannelQueue, type Run } from './queue';
import { type TakeRun, encodePut, encodeTake, stampPut } from './records';
import { recover } from './recovery';

export { type FileChannelOptions, fileChannelDefaults } from './options';

const EMPTY_TAKE: Take = { events: [], commit: () => {}, rollback: () => {} };

/**
 * Flume's FileChannel: a write-ahead log of put and take-commit records plus periodic checkpoints.
 *
 * - A put is acknowledged once its record is written (write() returned: survives kill -9; with
 *   fsyncPerTransaction also power loss). A take commit is acknowledged once its record is.
 * - Channel order is put order (sequence numbers). A rolled-back or crashed-before-commit take is
 *   back in the channel at its place, which is the front when one sink drains the channel.
 * - Memory: the queue holds small run descriptors; event bodies are kept for at most `cacheBytes`
 *   of encoded data, the rest are read back from the log when the queue reaches them.
 */
export class FileChannel implements Channel {
  readonly durable = true;
  readonly capacity: number;
  private readonly o: FileChannelOptions;
  private state: 'new' | 'opening' | 'open' | 'closing' | 'closed' = 'new';
  private locks: (() => Promise<void>)[] = [];
  private opening?: Promise<void>;

  private readonly disk: DiskSpace;
  private readonly log: LogWriter;
  private readonly queue: ChannelQueue;
  private readonly checkpointer: Checkpointer;
  /** Events and bytes of puts admitted but not yet written. */
  private reservedEvents = 0;
  private reservedBytes = 0;
  private timers: NodeJS.Timeout[] = [];

  private waitingPuts: (() => void)[] = [];
  private waitingTakes: (() => void)[] = [];

  constructor(options: Partial<FileChannelOptions> & Pick<FileChannelOptions, 'name' | 'checkpointDir' | 'dataDirs'>, private readonly env: Pick<AgentEnv, 'counters' | 'log'>) {
    this.o = { ...fileChannelDefaults, ...options };
    this.capacity = this.o.capacity;
    this.disk = new DiskSpace(this.o, env);
    this.log = new LogWriter(this.o, env, this.disk, {
      written: () => this.gauges(),
      rolled: () => {
        this.queue.changesSinceCheckpoint++;
        // A checkpoint at the new file lets the files before it go once consumed.
        if (this.state === 'open') void this.checkpointer.requestCheckpoint();
      },
      freed: () => this.wake(this.waitingPuts),
    });
    this.queue = new ChannelQueue(this.o.cacheBytes, this.log.files);
    this.checkpointer = new Checkpointer(this.o, env, this.log, this.queue, () => this.state === 'closed');
    const c = env.counters;
    for (const k of ['EventPutAttemptCount', 'EventPutSuccessCount', 'EventTakeAttemptCount', 'EventTakeSuccessCount', 'CheckpointWriteErrorCount', 'DiskFullCount', 'CorruptRecordCount', 'CorruptBytesSkipped', 'UnreadableEventCount']) {
      c[k] ??= 0;
    }
    c.ChannelCapacity = this.capacity;
    this.gauges();
  }

  get size(): number {
    return this.queue.queuedEvents + this.queue.inFlight;
  }

  putPositions(): ReadonlyMap<string, number> {
    return new Map(this.queue.positions);
  }

  /** For status pages and tests. */
  stats() {
    return { diskBytes: this.log.diskUsed, cacheBytes: this.queue.cacheUsed, logFiles: [...this.log.files.keys()], checkpointFileId: this.checkpointer.checkpointFileId };
  }

  async open(): Promise<void> {
    if (this.state !== 'new') throw new WeirError('channel_already_open', `File channel "${this.o.name}" was opened twice; open it once.`);
    this.state = 'opening';
    this.opening = this.openNow();
    return this.opening;
  }

  private async openNow(): Promise<void> {
    await mkdir(this.o.checkpointDir, { recursive: true });
    for (const d of this.o.dataDirs) await mkdir(d, { recursive: true });
    try {
      // Flume locks the checkpoint folder; Weir also each data folder, where two channels would clobber each other's logs.
      for (const d of new Set([this.o.checkpointDir, ...this.o.dataDirs].map((x) => path.resolve(x)))) this.locks.push(await acquireLock(d, this.o.name));
      this.log.resume(await recover(this.o, this.env, this.queue, this.log.files));
      await this.disk.refreshFree();
      await this.log.roll();
      await this.checkpointer.requestCheckpoint();
    } catch (e) {
      await this.log.closeHandles();
      await this.releaseLocks();
      this.state = 'closed';
      throw e;
    }
    this.state = 'open';
    this.timers.push(
      setInterval(() => {
        if (this.queue.changesSinceCheckpoint > 0) void this.checkpointer.requestCheckpoint();
      }, this.o.checkpointInterval),
    );
    if (!this.o.fsyncPerTransaction && this.o.fsyncInterval > 0) {
      this.timers.push(setInterval(() => void this.log.syncWriteFile(), this.o.fsyncInterval * 1000));
    }
    for (const t of this.timers) t.unref();
    this.gauges();
  }

  async put(events: FlumeEvent[], signal?: AbortSignal): Promise<void> {
    this.assertOpen();
    if (events.length === 0) return;
    this.env.counters.EventPutAttemptCount += events.length;
    const acks: Promise<void>[] = [];
    try {
      for (let i = 0; i < events.length; i += this.o.transactionCapacity) {
        // A copy: the batch may stay cached, and the caller may reuse its array.
        const chunk = events.slice(i, i + this.o.transactionCapacity);
        if (chunk.length > this.capacity) {
          throw new WeirError('channel_put_too_large', `A put of ${chunk.length} events exceeds the capacity ${this.capacity} of file channel "${this.o.name}"; raise "capacity" or lower the source batch size.`);
        }
        const frame = encodePut(chunk);
        if (frame.length > this.o.maxDiskBytes) {
          throw new WeirError('channel_put_too_large', `A put of ${frame.length} bytes exceeds "maxDiskBytes" (${this.o.maxDiskBytes}) of file channel "${this.o.name}"; raise "maxDiskBytes" or lower the source batch size.`);
        }
        await this.admit(chunk.length, frame.length, signal);
        acks.push(this.appendPut(chunk, frame));
      }
    } catch (e) {
      await Promise.allSettled(acks);
      throw e;
    }
    await Promise.all(acks);
  }

  async take(max: number, waitMs: number): Promise<Take> {
    this.assertOpen();
    if (this.queue.queuedEvents === 0 && waitMs > 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, waitMs);
        this.waitingTakes.push(() => (clearTimeout(timer), resolve()));
      });
      if (this.state !== 'open') return EMPTY_TAKE;
    }
    const want = Math.min(max, this.o.transactionCapacity);
    const n = Math.max(0, Math.min(want, this.queue.queuedEvents));
    // Flume counts one attempt per event asked for, plus the attempt that found the channel empty.
    this.env.counters.EventTakeAttemptCount += n + (n < want ? 1 : 0);
    if (n === 0) return EMPTY_TAKE;
    const runs = this.queue.popRuns(n);
    this.queue.inFlight += n;
    this.gauges();
    const events: FlumeEvent[] = [];
    const good: Run[] = [];
    const bad: Run[] = [];
    for (const r of runs) {
      let evs = r.batch.events;
      if (!evs) {
        try {
          evs = await this.queue.load(r.batch);
        } catch (e) {
          bad.push(r);
          this.unreadable(r, e);
          continue;
        }
      }
      for (let i = r.from; i < r.to; i++) events.push(evs[i]);
      good.push(r);
      if (r.batch.queued === 0) this.queue.uncache(r.batch);
    }
    // Unreadable events are gone; recording them as taken keeps the channel from stalling on them.
    if (bad.length) this.appendTake(bad).catch(() => {});
    return good.length ? this.makeTake(events, good) : EMPTY_TAKE;
  }

  async close(): Promise<void> {
    // Closed while opening (an agent stopped during recovery): let the open finish, then close it,
    // so its locks and file handles are released rather than left held by a channel no one uses.
    if (this.state === 'opening') await this.opening?.catch(() => {});
    if (this.state === 'closed' || this.state === 'closing') return;
    if (this.state !== 'open') {
      this.state = 'closed';
      return;
    }
    this.state = 'closing';
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
    this.wake(this.waitingPuts);
    this.wake(this.waitingTakes);
    while (this.log.flushing) await this.log.flushDone;
    if (this.o.checkpointOnClose && this.queue.changesSinceCheckpoint > 0) await this.checkpointer.requestCheckpoint();
    await this.checkpointer.checkpointChain;
    await this.log.closeHandles();
    await this.releaseLocks();
    this.state = 'closed';
  }

  private async releaseLocks() {
    for (const release of this.locks.splice(0)) await release();
  }

  // ---- transactions ------------------------------------------------------------------------

  private assertOpen() {
    if (this.state === 'open') return;
    throw this.state === 'new' || this.state === 'opening'
      ? new WeirError('channel_not_open', `File channel "${this.o.name}" is used before open() finished; call open() first.`)
      : new WeirError('channel_closed', `File channel "${this.o.name}" is closed.`);
  }

  /** Waits until `n` events of `bytes` fit (capacity, disk bound, free space), then reserves them. */
  private async admit(n: number, bytes: number, signal?: AbortSignal): Promise<void> {
    for (;;) {
      if (this.state !== 'open') this.assertOpen();
      if (signal?.aborted) throw new WeirError('channel_put_aborted', 'The source stopped while waiting for channel space.', { retriable: true });
      if (Date.now() - this.disk.freeCheckedAt > 1000) {
        await this.disk.refreshFree();
        continue;
      }
      if (this.size + this.reservedEvents + n > this.capacity) {
        await this.waitPut(signal);
        continue;
      }
      const problem = this.disk.diskProblem(bytes, this.log.diskUsed + this.reservedBytes, this.log.writeFile?.dir);
      if (problem) {
        this.disk.startDiskEpisode(problem);
        this.disk.diskBlocked++;
        try {
          reclaim(this.log, this.checkpointer, problem.kind === 'bound');
          await this.waitPut(signal, 1000);
        } finally {
          this.disk.diskBlocked--;
        }
        this.disk.freeCheckedAt = 0;
        continue;
      }
      this.disk.endDiskEpisode();
      this.reservedEvents += n;
      this.reservedBytes += bytes;
      return;
    }
  }

  private appendPut(events: FlumeEvent[], frame: Buffer): Promise<void> {
    const seq0 = this.queue.nextSeq;
    this.queue.nextSeq += events.length;
    stampPut(frame, seq0);
    const release = () => {
      this.reservedEvents -= events.length;
      this.reservedBytes -= frame.length;
    };
    return new Promise((resolve, reject) => {
      this.log.append({
        frame,
        apply: (file, offset) => {
          release();
          this.queue.enqueue(this.queue.addBatch(seq0, events.length, file, offset, frame.length, events));
          this.env.counters.EventPutSuccessCount += events.length;
          this.wake(this.waitingTakes);
        },
        resolve,
        reject: (e) => {
          release();
          this.wake(this.waitingPuts);
          reject(e);
        },
      });
    });
  }

  private appendTake(runs: Run[]): Promise<void> {
    if (this.state !== 'open' && this.state !== 'closing') return Promise.reject(new WeirError('channel_closed', `File channel "${this.o.name}" is closed; the take stays in the channel.`));
    const frame = encodeTake(runs.map((r): TakeRun => ({ seq0: r.batch.seq0, from: r.from, to: r.to })));
    return new Promise((resolve, reject) => {
      this.log.append({
        frame,
        apply: () => {
          let n = 0;
          for (const r of runs) {
            n += r.to - r.from;
            this.queue.removeLive(r.batch, r.from, r.to);
          }
          this.queue.inFlight -= n;
          this.env.counters.EventTakeSuccessCount += n;
          this.wake(this.waitingPuts);
          reclaim(this.log, this.checkpointer, this.disk.diskBlocked > 0);
        },
        resolve,
        reject,
      });
    });
  }

  private makeTake(events: FlumeEvent[], runs: Run[]): Take {
    let done = false;
    let committing: Promise<void> | undefined;
    return {
      events,
      commit: () => {
        if (done) return committing;
        done = true;
        committing = this.appendTake(runs).catch((e) => {
          // Not durable: the take is still open, so the sink can roll it back.
          done = false;
          committing = undefined;
          throw e;
        });
        return committing;
      },
      rollback: () => {
        if (done) return;
        done = true;
        this.queue.requeue(runs);
        this.gauges();
        this.wake(this.waitingTakes);
      },
    };
  }

  private unreadable(r: Run, e: unknown) {
    const file = this.log.files.get(r.batch.fileId);
    const n = r.to - r.from;
    this.env.counters.UnreadableEventCount += n;
    this.env.log('error', `File channel "${this.o.name}": ${n} events of the record at ${file?.path ?? logFileName(r.batch.fileId)} offset ${r.batch.offset} cannot be read (${(e as Error).message}); they are dropped. The disk or the file was damaged: check the disk, and the source's logs for the lines to resend.`, {
      code: 'channel_record_unreadable',
      file: file?.path,
      offset: r.batch.offset,
      events: n,
    });
  }

  // ---- waiting -----------------------------------------------------------------------------

  private waitPut(signal?: AbortSignal, timeoutMs?: number): Promise<void> {
    return new Promise<void>((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      const done = () => {
        if (timer) clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        resolve();
      };
      if (timeoutMs !== undefined) timer = setTimeout(done, timeoutMs);
      signal?.addEventListener('abort', done, { once: true });
      this.waitingPuts.push(done);
    });
  }

  private wake(list: (() => void)[]) {
    const waiting = list.splice(0);
    for (const w of waiting) w();
  }

  private gauges() {
    const c = this.env.counters;
    c.ChannelSize = this.size;
    c.ChannelFillPercentage = (this.size / this.capacity) * 100;
  }
}
