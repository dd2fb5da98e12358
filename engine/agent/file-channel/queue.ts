import type { FlumeEvent } from '../types';
import type { CheckpointBatch } from './checkpoint';
import { readFrame } from './frame';
import { type LogFile, handle, logFileName } from './log-files';
import { PUT, decodeRecord } from './records';

/** One put transaction in the log: where its record is and which of its events are still live. */
export interface Batch extends CheckpointBatch {
  liveCount: number;
  /** Events of this batch now waiting in the queue (not taken). */
  queued: number;
  /** Encoded size, for the memory bound. */
  bytes: number;
  events?: FlumeEvent[];
  loading?: Promise<FlumeEvent[]>;
}

/** Consecutive events [from, to) of one batch, in the queue or in a take. */
export interface Run {
  batch: Batch;
  from: number;
  to: number;
}

/**
 * The channel's state in memory, which checkpoints save and recovery rebuilds: the put batches
 * with live events, the queue of runs in channel order (put order, by sequence number), the events
 * in flight in takes, the origin positions put, and the cache of event objects (`cacheBytes`).
 * Batches are added and shrunk only once their record is in the log (or replayed from it); takes
 * and rollbacks move runs between the queue and in flight.
 */
export class ChannelQueue {
  readonly batches = new Map<number, Batch>();
  nextSeq = 0;
  positions = new Map<string, number>();
  private runs: Run[] = [];
  private head = 0;
  queuedEvents = 0;
  inFlight = 0;
  cacheUsed = 0;
  /** Batches added or changed here, and log files started (counted by the channel), since the last checkpoint. */
  changesSinceCheckpoint = 0;

  /** `files`: the log files, whose live-batch counts follow the batches. */
  constructor(
    private readonly cacheBytes: number,
    private readonly files: ReadonlyMap<number, LogFile>,
  ) {}

  /** Queues the live events of a batch at the back: a put just written, or a batch found at recovery. */
  enqueue(batch: Batch) {
    for (let i = 0; i < batch.live.length; i += 2) this.runs.push({ batch, from: batch.live[i], to: batch.live[i + 1] });
    batch.queued = batch.liveCount;
    this.queuedEvents += batch.liveCount;
  }

  popRuns(n: number): Run[] {
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
  requeue(runs: Run[]) {
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
  }

  addBatch(seq0: number, count: number, file: LogFile, offset: number, frameLength: number, events?: FlumeEvent[]): Batch {
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
      if (this.cacheUsed + batch.bytes <= this.cacheBytes) {
        batch.events = events;
        this.cacheUsed += batch.bytes;
      }
    }
    this.changesSinceCheckpoint++;
    return batch;
  }

  /** Marks [from, to) of a batch take-committed; a batch with nothing live leaves the channel. */
  removeLive(batch: Batch, from: number, to: number) {
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

  uncache(batch: Batch) {
    if (!batch.events) return;
    batch.events = undefined;
    this.cacheUsed -= batch.bytes;
  }

  /** The events of a batch that is not cached, read back from its record in the log. */
  load(batch: Batch): Promise<FlumeEvent[]> {
    batch.loading ??= (async () => {
      try {
        const file = this.files.get(batch.fileId);
        if (!file) throw new Error(`log file ${logFileName(batch.fileId)} is missing`);
        const fh = await handle(file);
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
}
