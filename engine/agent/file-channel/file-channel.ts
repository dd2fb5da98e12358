import { mkdir, open, readFile, rm, statfs, truncate } from 'node:fs/promises';
import path from 'node:path';
import { WeirError } from '../../spec/errors';
import type { AgentEnv, Channel, FlumeEvent, Take } from '../types';
import { type Checkpoint, type CheckpointBatch, encodeCheckpoint, readCheckpoint, syncDir, writeCheckpoint } from './checkpoint';
import { FILE_HEADER, fileHeader, findNextFrame, readFrame, validFileHeader } from './frame';
import { acquireLock } from './lock';
import { type LogFile, listLogFiles, logFileName, writeAll } from './log-files';
import { PUT, type TakeRun, decodeRecord, encodePut, encodeTake, stampPut } from './records';

export interface FileChannelOptions {
  /** The node id, for messages. */
  name: string;
  checkpointDir: string;
  dataDirs: string[];
  capacity: number;
  transactionCapacity: number;
  /** A log file rolls over once it would grow past this (bytes). */
  maxFileSize: number;
  /** Puts wait while the data folder's filesystem has less free space than this (bytes). */
  minimumRequiredSpace: number;
  /** ms between checkpoints (when something changed). */
  checkpointInterval: number;
  checkpointOnClose: boolean;
  /** Bound on the bytes of all log files; puts wait above it. */
  maxDiskBytes: number;
  /** fdatasync before a put or take commit is acknowledged (power-loss safety). */
  fsyncPerTransaction: boolean;
  /** Seconds between background fdatasyncs of the log when fsyncPerTransaction is off; 0 = never. */
  fsyncInterval: number;
  /** Bytes of encoded event data kept in memory for takes; beyond it, takes read the log back. */
  cacheBytes: number;
}

export const fileChannelDefaults = {
  capacity: 1_000_000,
  transactionCapacity: 10_000,
  maxFileSize: 64 * 1024 * 1024,
  minimumRequiredSpace: 524_288_000,
  checkpointInterval: 30_000,
  checkpointOnClose: true,
  maxDiskBytes: 2 * 1024 * 1024 * 1024,
  fsyncPerTransaction: false,
  fsyncInterval: 5,
  cacheBytes: 16 * 1024 * 1024,
} satisfies Partial<FileChannelOptions>;

/** One put transaction in the log: where its record is and which of its events are still live. */
interface Batch extends CheckpointBatch {
  liveCount: number;
  /** Events of this batch now waiting in the queue (not taken). */
  queued: number;
  /** Encoded size, for the memory bound. */
  bytes: number;
  events?: FlumeEvent[];
  loading?: Promise<FlumeEvent[]>;
}

/** Consecutive events [from, to) of one batch, in the queue or in a take. */
interface Run {
  batch: Batch;
  from: number;
  to: number;
}

interface Pending {
  frame: Buffer;
  apply(file: LogFile, offset: number): void;
  resolve(): void;
  reject(e: unknown): void;
}

type DiskProblem = { kind: 'bound' | 'space'; message: string; details: Record<string, unknown> };

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
  private readonly maxFileSize: number;
  private state: 'new' | 'opening' | 'open' | 'closing' | 'closed' = 'new';
  private locks: (() => Promise<void>)[] = [];

  private readonly files = new Map<number, LogFile>();
  private writeFile?: LogFile;
  private writePos = 0;
  private nextFileId = 1;
  private dirIndex = 0;
  private diskUsed = 0;
  private newFilesSinceCheckpoint = false;

  private readonly batches = new Map<number, Batch>();
  private nextSeq = 0;
  private positions = new Map<string, number>();
  private runs: Run[] = [];
  private head = 0;
  private queuedEvents = 0;
  private inFlight = 0;
  /** Events and bytes of puts admitted but not yet written. */
  private reservedEvents = 0;
  private reservedBytes = 0;
  private cacheUsed = 0;

  private pending: Pending[] = [];
  private flushing = false;
  private flushDone: Promise<void> = Promise.resolve();
  private rollRequested = false;

  private checkpointFileId = 0;
  private changesSinceCheckpoint = 0;
  private checkpointChain: Promise<void> = Promise.resolve();
  private checkpointQueued?: Promise<void>;
  private timers: NodeJS.Timeout[] = [];

  private free = new Map<string, { bytes: number; written: number }>();
  private freeCheckedAt = 0;
  private freeRefresh?: Promise<void>;
  private diskBlocked = 0;
  private diskEpisode = false;

  private waitingPuts: (() => void)[] = [];
  private waitingTakes: (() => void)[] = [];

  constructor(options: Partial<FileChannelOptions> & Pick<FileChannelOptions, 'name' | 'checkpointDir' | 'dataDirs'>, private readonly env: Pick<AgentEnv, 'counters' | 'log'>) {
    this.o = { ...fileChannelDefaults, ...options };
    this.capacity = this.o.capacity;
    // Files small against the disk bound, so that consumed space comes back in steps.
    this.maxFileSize = Math.max(4096, Math.min(this.o.maxFileSize, Math.floor(this.o.maxDiskBytes / 4)));
    const c = env.counters;
    for (const k of ['EventPutAttemptCount', 'EventPutSuccessCount', 'EventTakeAttemptCount', 'EventTakeSuccessCount', 'CheckpointWriteErrorCount', 'DiskFullCount', 'CorruptRecordCount', 'CorruptBytesSkipped', 'UnreadableEventCount']) {
      c[k] ??= 0;
    }
    c.ChannelCapacity = this.capacity;
    this.gauges();
  }

  get size(): number {
    return this.queuedEvents + this.inFlight;
  }

  putPositions(): ReadonlyMap<string, number> {
    return new Map(this.positions);
  }

  /** For status pages and tests. */
  stats() {
    return { diskBytes: this.diskUsed, cacheBytes: this.cacheUsed, logFiles: [...this.files.keys()], checkpointFileId: this.checkpointFileId };
  }

  async open(): Promise<void> {
    if (this.state !== 'new') throw new WeirError('channel_already_open', `File channel "${this.o.name}" was opened twice; open it once.`);
    this.state = 'opening';
    await mkdir(this.o.checkpointDir, { recursive: true });
    for (const d of this.o.dataDirs) await mkdir(d, { recursive: true });
    try {
      // Flume locks the checkpoint folder; Weir also each data folder, where two channels would clobber each other's logs.
      for (const d of new Set([this.o.checkpointDir, ...this.o.dataDirs].map((x) => path.resolve(x)))) this.locks.push(await acquireLock(d, this.o.name));
      await this.recover();
      await this.refreshFree();
      await this.roll();
      await this.requestCheckpoint();
    } catch (e) {
      await this.closeHandles();
      await this.releaseLocks();
      this.state = 'closed';
      throw e;
    }
    this.state = 'open';
    this.timers.push(
      setInterval(() => {
        if (this.changesSinceCheckpoint > 0) void this.requestCheckpoint();
      }, this.o.checkpointInterval),
    );
    if (!this.o.fsyncPerTransaction && this.o.fsyncInterval > 0) {
      this.timers.push(setInterval(() => void this.syncWriteFile(), this.o.fsyncInterval * 1000));
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
    if (this.queuedEvents === 0 && waitMs > 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, waitMs);
        this.waitingTakes.push(() => (clearTimeout(timer), resolve()));
      });
      if (this.state !== 'open') return EMPTY_TAKE;
    }
    const want = Math.min(max, this.o.transactionCapacity);
    const n = Math.max(0, Math.min(want, this.queuedEvents));
    // Flume counts one attempt per event asked for, plus the attempt that found the channel empty.
    this.env.counters.EventTakeAttemptCount += n + (n < want ? 1 : 0);
    if (n === 0) return EMPTY_TAKE;
    const runs = this.popRuns(n);
    this.inFlight += n;
    this.gauges();
    const events: FlumeEvent[] = [];
    const good: Run[] = [];
    const bad: Run[] = [];
    for (const r of runs) {
      let evs = r.batch.events;
      if (!evs) {
        try {
          evs = await this.load(r.batch);
        } catch (e) {
          bad.push(r);
          this.unreadable(r, e);
          continue;
        }
      }
      for (let i = r.from; i < r.to; i++) events.push(evs[i]);
      good.push(r);
      if (r.batch.queued === 0) this.uncache(r.batch);
    }
    // Unreadable events are gone; recording them as taken keeps the channel from stalling on them.
    if (bad.length) this.appendTake(bad).catch(() => {});
    return good.length ? this.makeTake(events, good) : EMPTY_TAKE;
  }

  async close(): Promise<void> {
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
    while (this.flushing) await this.flushDone;
    if (this.o.checkpointOnClose && this.changesSinceCheckpoint > 0) await this.requestCheckpoint();
    await this.checkpointChain;
    await this.closeHandles();
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
      if (Date.now() - this.freeCheckedAt > 1000) {
        await this.refreshFree();
        continue;
      }
      if (this.size + this.reservedEvents + n > this.capacity) {
        await this.waitPut(signal);
        continue;
      }
      const problem = this.diskProblem(bytes);
      if (problem) {
        this.startDiskEpisode(problem);
        this.diskBlocked++;
        try {
          this.reclaim(problem.kind === 'bound');
          await this.waitPut(signal, 1000);
        } finally {
          this.diskBlocked--;
        }
        this.freeCheckedAt = 0;
        continue;
      }
      this.endDiskEpisode();
      this.reservedEvents += n;
      this.reservedBytes += bytes;
      return;
    }
  }

  private appendPut(events: FlumeEvent[], frame: Buffer): Promise<void> {
    const seq0 = this.nextSeq;
    this.nextSeq += events.length;
    stampPut(frame, seq0);
    const release = () => {
      this.reservedEvents -= events.length;
      this.reservedBytes -= frame.length;
    };
    return new Promise((resolve, reject) => {
      this.pending.push({
        frame,
        apply: (file, offset) => {
          release();
          const batch = this.addBatch(seq0, events.length, file, offset, frame.length, events);
          this.runs.push({ batch, from: 0, to: events.length });
          batch.queued = events.length;
          this.queuedEvents += events.length;
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
      this.kick();
    });
  }

  private appendTake(runs: Run[]): Promise<void> {
    if (this.state !== 'open' && this.state !== 'closing') return Promise.reject(new WeirError('channel_closed', `File channel "${this.o.name}" is closed; the take stays in the channel.`));
    const frame = encodeTake(runs.map((r): TakeRun => ({ seq0: r.batch.seq0, from: r.from, to: r.to })));
    return new Promise((resolve, reject) => {
      this.pending.push({
        frame,
        apply: () => {
          let n = 0;
          for (const r of runs) {
            n += r.to - r.from;
            this.removeLive(r.batch, r.from, r.to);
          }
          this.inFlight -= n;
          this.env.counters.EventTakeSuccessCount += n;
          this.wake(this.waitingPuts);
          this.reclaim(this.diskBlocked > 0);
        },
        resolve,
        reject,
      });
      this.kick();
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
        this.requeue(runs);
      },
    };
  }

  private popRuns(n: number): Run[] {
    const out: Run[] = [];
    while (n > 0) {
      const r = this.runs[this.head];
      const k = r.to - r.from;
      if (k <= n) {
        out.push(r);
        this.head++;
        n -= k;
        r.batch.queued -= k;
        this.queuedEvents -= k;
      } else {
        out.push({ batch: r.batch, from: r.from, to: r.from + n });
        r.from += n;
        r.batch.queued -= n;
        this.queuedEvents -= n;
        n = 0;
      }
    }
    if (this.head > 4096 && this.head * 2 > this.runs.length) {
      this.runs = this.runs.slice(this.head);
      this.head = 0;
    }
    return out;
  }

  /** Back into the queue at their place in channel order (the front, when they were the oldest). */
  private requeue(runs: Run[]) {
    let n = 0;
    for (const r of runs) {
      n += r.to - r.from;
      r.batch.queued += r.to - r.from;
    }
    this.inFlight -= n;
    this.queuedEvents += n;
    const first = this.runs[this.head] as Run | undefined;
    const last = runs[runs.length - 1];
    if (!first || last.batch.seq0 + last.from < first.batch.seq0 + first.from) {
      if (this.head >= runs.length) {
        this.head -= runs.length;
        for (let i = 0; i < runs.length; i++) this.runs[this.head + i] = runs[i];
      } else {
        this.runs = [...runs, ...this.runs.slice(this.head)];
        this.head = 0;
      }
    } else {
      const rest = this.runs.slice(this.head);
      const merged: Run[] = [];
      let i = 0;
      let j = 0;
      while (i < runs.length || j < rest.length) {
        const takeA = j >= rest.length || (i < runs.length && runs[i].batch.seq0 + runs[i].from < rest[j].batch.seq0 + rest[j].from);
        merged.push(takeA ? runs[i++] : rest[j++]);
      }
      this.runs = merged;
      this.head = 0;
    }
    this.gauges();
    this.wake(this.waitingTakes);
  }

  private addBatch(seq0: number, count: number, file: LogFile, offset: number, frameLength: number, events?: FlumeEvent[]): Batch {
    const batch: Batch = { seq0, count, fileId: file.id, offset, frameLength, live: [0, count], liveCount: count, queued: 0, bytes: frameLength };
    this.batches.set(seq0, batch);
    file.live++;
    if (this.nextSeq < seq0 + count) this.nextSeq = seq0 + count;
    if (events) {
      for (const e of events) {
        if (!e.origin) continue;
        const cur = this.positions.get(e.origin.key);
        if (cur === undefined || e.origin.offset > cur) this.positions.set(e.origin.key, e.origin.offset);
      }
      if (this.cacheUsed + batch.bytes <= this.o.cacheBytes) {
        batch.events = events;
        this.cacheUsed += batch.bytes;
      }
    }
    this.changesSinceCheckpoint++;
    return batch;
  }

  /** Marks [from, to) of a batch take-committed; a batch with nothing live leaves the channel. */
  private removeLive(batch: Batch, from: number, to: number) {
    const next: number[] = [];
    let removed = 0;
    for (let i = 0; i < batch.live.length; i += 2) {
      const a = batch.live[i];
      const b = batch.live[i + 1];
      const lo = Math.max(a, from);
      const hi = Math.min(b, to);
      if (lo >= hi) {
        next.push(a, b);
        continue;
      }
      removed += hi - lo;
      if (a < lo) next.push(a, lo);
      if (hi < b) next.push(hi, b);
    }
    if (removed === 0) return;
    batch.live = next;
    batch.liveCount -= removed;
    this.changesSinceCheckpoint++;
    if (batch.liveCount > 0) return;
    this.batches.delete(batch.seq0);
    this.uncache(batch);
    const file = this.files.get(batch.fileId);
    if (file) file.live--;
  }

  private uncache(batch: Batch) {
    if (!batch.events) return;
    batch.events = undefined;
    this.cacheUsed -= batch.bytes;
  }

  private load(batch: Batch): Promise<FlumeEvent[]> {
    batch.loading ??= (async () => {
      try {
        const file = this.files.get(batch.fileId);
        if (!file) throw new Error(`log file ${logFileName(batch.fileId)} is missing`);
        const fh = await this.handle(file);
        const buf = Buffer.allocUnsafe(batch.frameLength);
        const { bytesRead } = await fh.read(buf, 0, batch.frameLength, batch.offset);
        const fr = readFrame(buf.subarray(0, bytesRead), 0);
        if (!fr.ok) throw new Error(`bad record (${fr.reason})`);
        const rec = decodeRecord(fr.payload);
        if (rec.type !== PUT || rec.seq0 !== batch.seq0) throw new Error('the record there is not this batch');
        const events = rec.events();
        // Kept while the queue still needs it (usually the batch at its head).
        if (batch.queued > 0 && !batch.events) {
          batch.events = events;
          this.cacheUsed += batch.bytes;
        }
        return events;
      } finally {
        batch.loading = undefined;
      }
    })();
    return batch.loading;
  }

  private unreadable(r: Run, e: unknown) {
    const file = this.files.get(r.batch.fileId);
    const n = r.to - r.from;
    this.env.counters.UnreadableEventCount += n;
    this.env.log('error', `File channel "${this.o.name}": ${n} events of the record at ${file?.path ?? logFileName(r.batch.fileId)} offset ${r.batch.offset} cannot be read (${(e as Error).message}); they are dropped. The disk or the file was damaged: check the disk, and the source's logs for the lines to resend.`, {
      code: 'channel_record_unreadable',
      file: file?.path,
      offset: r.batch.offset,
      events: n,
    });
  }

  // ---- the log writer ----------------------------------------------------------------------

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
      const f = this.free.get(w.dir);
      if (f) f.written += bytes;
      this.gauges();
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

  private async roll(): Promise<void> {
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
    this.changesSinceCheckpoint++;
    // A checkpoint at the new file lets the files before it go once consumed.
    if (this.state === 'open') void this.requestCheckpoint();
  }

  /** Round robin over the data folders, skipping one under minimumRequiredSpace if another is not. */
  private pickDir(): string {
    const dirs = this.o.dataDirs;
    for (let i = 0; i < dirs.length; i++) {
      const d = dirs[(this.dirIndex + i) % dirs.length];
      if (this.freeBytes(d) >= this.o.minimumRequiredSpace + this.maxFileSize || i === dirs.length - 1) {
        this.dirIndex = (this.dirIndex + i + 1) % dirs.length;
        return d;
      }
    }
    return dirs[0];
  }

  private async handle(file: LogFile) {
    if (file.fh) return file.fh;
    file.opening ??= open(file.path, 'r').then((fh) => (file.fh = fh));
    return file.opening;
  }

  private async syncWriteFile() {
    const w = this.writeFile;
    if (!w?.dirty || !w.fh) return;
    w.dirty = false;
    await w.fh.datasync().catch(() => (w.dirty = true));
  }

  private async closeHandles() {
    for (const f of this.files.values()) {
      const fh = f.fh ?? (await f.opening?.catch(() => undefined));
      f.fh = undefined;
      f.opening = undefined;
      await fh?.close().catch(() => {});
    }
  }

  // ---- disk bound --------------------------------------------------------------------------

  private freeBytes(dir: string) {
    const f = this.free.get(dir);
    return f ? f.bytes - f.written : Number.POSITIVE_INFINITY;
  }

  private refreshFree(): Promise<void> {
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

  private diskProblem(bytes: number): DiskProblem | undefined {
    const used = this.diskUsed + this.reservedBytes;
    if (used + bytes > this.o.maxDiskBytes) {
      return {
        kind: 'bound',
        message: `File channel "${this.o.name}" holds ${used} bytes of log; one more transaction of ${bytes} bytes would pass "maxDiskBytes" (${this.o.maxDiskBytes}). Sources wait until sinks drain it (is the sink delivering?); raise "maxDiskBytes" to buffer more.`,
        details: { maxDiskBytes: this.o.maxDiskBytes, usedBytes: used, transactionBytes: bytes },
      };
    }
    const dir = this.writeFile?.dir ?? this.o.dataDirs[0];
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

  private startDiskEpisode(p: DiskProblem) {
    if (this.diskEpisode) return;
    this.diskEpisode = true;
    this.env.counters.DiskFullCount++;
    const err = new WeirError('channel_disk_full', p.message, { retriable: true, details: p.details });
    this.env.log('error', err.message, { code: err.code, ...p.details });
  }

  private endDiskEpisode() {
    if (!this.diskEpisode) return;
    this.diskEpisode = false;
    this.env.log('info', `File channel "${this.o.name}" has disk room again; puts resume.`, { code: 'channel_disk_ok' });
  }

  /** Gives back disk: deletes consumed files a checkpoint covers, or makes that possible. */
  private reclaim(urgent: boolean) {
    let deletable = false;
    let needCheckpoint = false;
    for (const f of this.files.values()) {
      if (f.live > 0 || f === this.writeFile) continue;
      if (f.id < this.checkpointFileId) deletable = true;
      else needCheckpoint = true;
    }
    if (deletable) void this.deleteConsumed();
    if (!urgent) return;
    const w = this.writeFile;
    if (w && w.live === 0 && this.writePos > FILE_HEADER) {
      this.rollRequested = true;
      this.kick();
    } else if (needCheckpoint) {
      void this.requestCheckpoint();
    }
  }

  /** Log files before the checkpoint's position with nothing live are no longer needed. */
  private async deleteConsumed() {
    const gone: LogFile[] = [];
    for (const f of this.files.values()) {
      if (f.live === 0 && f !== this.writeFile && f.id < this.checkpointFileId) gone.push(f);
    }
    for (const f of gone) {
      this.files.delete(f.id);
      this.diskUsed -= f.size;
    }
    if (gone.length) this.wake(this.waitingPuts);
    for (const f of gone) {
      const fh = f.fh ?? (await f.opening?.catch(() => undefined));
      await fh?.close().catch(() => {});
      await rm(f.path, { force: true }).catch((e) => this.env.log('warn', `File channel "${this.o.name}" cannot delete ${f.path}: ${(e as Error).message}`));
    }
  }

  // ---- checkpoints -------------------------------------------------------------------------

  private requestCheckpoint(): Promise<void> {
    this.checkpointQueued ??= this.checkpointChain = this.checkpointChain.then(() => {
      this.checkpointQueued = undefined;
      return this.checkpoint();
    });
    return this.checkpointQueued;
  }

  private async checkpoint(): Promise<void> {
    const w = this.writeFile;
    if (!w || this.state === 'closed') return;
    // A snapshot between two log writes: state and position agree (see flushLoop).
    const cp: Checkpoint = { logFileId: w.id, logOffset: this.writePos, nextSeq: this.nextSeq, positions: this.positions, batches: [...this.batches.values()] };
    const bytes = encodeCheckpoint(cp);
    const changes = this.changesSinceCheckpoint;
    const newFiles = this.newFilesSinceCheckpoint;
    this.newFilesSinceCheckpoint = false;
    try {
      // The checkpoint may only point at log data that is on disk (power loss; kill -9 needs none of this).
      for (const f of this.files.values()) {
        if (!f.dirty || !f.fh || f.id > w.id) continue;
        f.dirty = false;
        await f.fh.datasync();
      }
      if (newFiles) for (const d of this.o.dataDirs) await syncDir(d);
      await writeCheckpoint(this.o.checkpointDir, bytes);
      this.checkpointFileId = w.id;
      this.changesSinceCheckpoint -= changes;
    } catch (e) {
      this.newFilesSinceCheckpoint ||= newFiles;
      for (const f of this.files.values()) if (f.fh && f.id <= w.id) f.dirty = true;
      this.env.counters.CheckpointWriteErrorCount++;
      this.env.log('error', `File channel "${this.o.name}" cannot write its checkpoint in ${this.o.checkpointDir}: ${(e as Error).message}. Nothing is lost, but log files are kept until a checkpoint succeeds; check that folder's disk and permissions.`, {
        code: 'channel_checkpoint_failed',
      });
      return;
    }
    await this.deleteConsumed();
  }

  // ---- recovery ----------------------------------------------------------------------------

  private async recover(): Promise<void> {
    const found = await listLogFiles(this.o.dataDirs);
    for (const f of found) this.files.set(f.id, f);
    const read = await readCheckpoint(this.o.checkpointDir);
    let startFile = 0;
    let startOffset = 0;
    if (read.kind === 'ok') {
      const cp = read.checkpoint;
      for (const b of cp.batches) {
        const liveCount = countLive(b.live);
        if (liveCount > 0) this.batches.set(b.seq0, { ...b, liveCount, queued: 0, bytes: b.frameLength });
      }
      this.nextSeq = cp.nextSeq;
      this.positions = cp.positions;
      startFile = cp.logFileId;
      startOffset = cp.logOffset;
      this.nextFileId = cp.logFileId + 1;
    } else if (read.kind === 'corrupt') {
      this.env.log('warn', `File channel "${this.o.name}": the checkpoint in ${this.o.checkpointDir} is unusable (${read.reason}); replaying all ${found.length} log files instead. Events whose take records were in deleted log files may be delivered again (downstream deduplication by origin offset drops them).`, {
        code: 'channel_checkpoint_corrupt',
      });
    } else if (found.length) {
      this.env.log('info', `File channel "${this.o.name}": no checkpoint yet; replaying ${found.length} log files.`);
    }
    // Only the file being written when the process died can end in a torn record; files started
    // after it (a roll or an open that was killed) hold no record.
    const lastWithData = found.reduce((m, f) => (f.size > FILE_HEADER ? f.id : m), 0);
    for (const f of found) {
      this.nextFileId = Math.max(this.nextFileId, f.id + 1);
      if (f.id < startFile) continue;
      await this.replayFile(f, f.id === startFile ? startOffset : 0, f.id >= lastWithData);
    }
    for (const f of this.files.values()) f.live = 0;
    for (const b of this.batches.values()) {
      const file = this.files.get(b.fileId);
      if (file) {
        file.live++;
        continue;
      }
      this.batches.delete(b.seq0);
      this.env.counters.UnreadableEventCount += b.liveCount;
      this.env.log('error', `File channel "${this.o.name}": log file ${logFileName(b.fileId)} holding ${b.liveCount} events is missing; they are lost. Do not delete files in "dataDirs" by hand.`, {
        code: 'channel_log_missing',
      });
    }
    const ordered = [...this.batches.values()].sort((a, b) => a.seq0 - b.seq0);
    for (const b of ordered) {
      for (let i = 0; i < b.live.length; i += 2) this.runs.push({ batch: b, from: b.live[i], to: b.live[i + 1] });
      b.queued = b.liveCount;
      this.queuedEvents += b.liveCount;
    }
    for (const f of this.files.values()) this.diskUsed += f.size;
  }

  private async replayFile(file: LogFile, from: number, isLast: boolean) {
    let buf: Buffer;
    try {
      buf = await readFile(file.path);
    } catch (e) {
      this.env.log('error', `File channel "${this.o.name}" cannot read ${file.path} (${(e as Error).message}); its events cannot be delivered. Check the disk.`, { code: 'channel_log_corrupt', file: file.path, offset: 0 });
      return;
    }
    let at = Math.max(from, FILE_HEADER);
    if (at === FILE_HEADER && !validFileHeader(buf, file.id)) {
      const next = findNextFrame(buf, 0);
      if (next < 0 && isLast) {
        // Killed while starting this file.
        file.size = buf.length;
        return;
      }
      this.env.log('error', `File channel "${this.o.name}": ${file.path} has a damaged header; reading the records found after it.`, { code: 'channel_log_corrupt', file: file.path, offset: 0 });
      if (next < 0) return;
      at = next;
    }
    while (at < buf.length) {
      const fr = readFrame(buf, at);
      if (fr.ok) {
        this.replayRecord(fr.payload, file, at, fr.next - at);
        at = fr.next;
        continue;
      }
      const next = findNextFrame(buf, at + 1);
      if (next < 0 && isLast) {
        this.env.log('warn', `File channel "${this.o.name}": ignoring a partial record at the end of ${file.path} (offset ${at}, ${buf.length - at} bytes), cut short when the process was killed; it was never acknowledged.`, {
          code: 'channel_torn_tail',
          file: file.path,
          offset: at,
        });
        await truncate(file.path, at);
        file.size = at;
        return;
      }
      const skipped = (next < 0 ? buf.length : next) - at;
      this.env.counters.CorruptRecordCount++;
      this.env.counters.CorruptBytesSkipped += skipped;
      this.env.log('error', `File channel "${this.o.name}": corrupt record in ${file.path} at offset ${at} (${fr.reason}); skipped ${skipped} bytes${next < 0 ? ' to the end of the file' : ' to the next valid record'}. The events in it are lost; check the disk.`, {
        code: 'channel_log_corrupt',
        file: file.path,
        offset: at,
        skippedBytes: skipped,
      });
      if (next < 0) return;
      at = next;
    }
  }

  private replayRecord(payload: Buffer, file: LogFile, offset: number, frameLength: number) {
    try {
      const rec = decodeRecord(payload);
      if (rec.type === PUT) {
        if (this.batches.has(rec.seq0)) return;
        this.addBatch(rec.seq0, rec.count, file, offset, frameLength, rec.events());
      } else {
        for (const r of rec.runs) {
          // Sequence numbers never go back, even when a full replay lacks the files of their puts.
          this.nextSeq = Math.max(this.nextSeq, r.seq0 + r.to);
          const b = this.batches.get(r.seq0);
          if (b) this.removeLive(b, r.from, r.to);
        }
      }
    } catch (e) {
      this.env.counters.CorruptRecordCount++;
      this.env.log('error', `File channel "${this.o.name}": unreadable record in ${file.path} at offset ${offset} (${(e as Error).message}); skipped.`, { code: 'channel_log_corrupt', file: file.path, offset });
    }
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

const countLive = (live: number[]) => {
  let n = 0;
  for (let i = 0; i < live.length; i += 2) n += live[i + 1] - live[i];
  return n;
};
