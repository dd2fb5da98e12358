import type { BigIntStats } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import type { TaildirConfig } from '../../nodes/source.taildir/spec';
import { isWeirError } from '../../spec/errors';
import type { AgentEnv, FlumeEvent, Source, SourceContext } from '../types';
import { CopyTruncate, liveCheck, type LineFeed } from './copytruncate';
import { Discovery } from './discovery';
import { CHUNK, FP_LEN, HEAD_LEN, readAt } from './file-bytes';
import { FileGroups, type Found } from './file-groups';
import { Followed, Stopping } from './followed';
import { decodeLine, type OnLine } from './line-splitter';
import { PositionSaver } from './position-saver';
import { Restorer } from './restore';
import { TailStream, dirOf } from './tail-stream';
import { UnseenRotations } from './unseen-rotations';

/** Bytes read from one file before the others get their turn. */
const ROUND_BYTES = 4 * 1024 * 1024;
const COUNTERS = [
  'EventReceivedCount',
  'EventAcceptedCount',
  'AppendBatchReceivedCount',
  'AppendBatchAcceptedCount',
  'EventReadFailCount',
  'ChannelWriteFail',
  'GenericProcessingFail',
  'TruncatedCount',
  'DeadLetteredCount',
] as const;

/**
 * Flume's TaildirSource, made exactly-once: files are followed by device:inode, every line carries
 * origin `<node>|<dev>:<ino>` and a logical offset that only grows (also across copytruncate), and
 * the position file only ever holds offsets the agent reported safe.
 *
 * Choices where Flume and the brief are silent:
 * - An unterminated last line waits while its file grows. Once a file has not grown for
 *   `idleTimeout` it is closed and, as in Flume, that last line is taken as final and emitted (a
 *   writer that later finishes it produces a second line). A rotated file (renamed away or deleted)
 *   is read on through its open descriptor until then; a watched one is reopened when it changes.
 * - On copytruncate the unread rest comes from the rotated copy; its unterminated last line is
 *   emitted (the writer's rest of that line, if any, starts the new content as its own line).
 * - A file matched by a group's pattern that is a copy of a file already followed (same first bytes
 *   and same bytes at the read position) is not read on its own. Still, prefer patterns that do not
 *   match rotated copies (`access\.log`, not `access\.log.*`).
 *
 * This class runs the polls and reads; its parts: which files are watched (file-groups.ts), what
 * is followed (followed.ts), new files (discovery.ts), copytruncate (copytruncate.ts), rotations
 * never seen (unseen-rotations.ts), the restart (restore.ts), the position file (position-saver.ts).
 */
export class TaildirSource implements Source {
  private readonly groups: FileGroups;
  private readonly followed: Followed;
  private readonly unseen: UnseenRotations;
  private readonly discovery: Discovery;
  private readonly copies: CopyTruncate;
  private readonly restorer: Restorer;
  private readonly positions: PositionSaver;
  private startedAt = 0;
  private readonly buf = Buffer.allocUnsafe(CHUNK + FP_LEN);
  private ctx?: SourceContext;
  private running = false;
  private loop?: Promise<void>;
  private timer?: ReturnType<typeof setInterval>;
  private wakeUp?: () => void;

  constructor(
    private readonly nodeId: string,
    private readonly c: TaildirConfig,
    private readonly env: AgentEnv,
  ) {
    const posPath = c.positionFile || join(env.dataDir, 'taildir_position.json');
    this.groups = new FileGroups(c, posPath, env);
    for (const k of COUNTERS) env.counters[k] ??= 0;
    this.followed = new Followed(nodeId, c.maxLineLength, env);
    this.unseen = new UnseenRotations(this.groups, this.followed, c.pollInterval, env);
    this.discovery = new Discovery(this.followed, this.unseen, c, env);
    // The rest of a cut content, read from its copy, goes through this source's own read path.
    const feed: LineFeed = {
      buf: this.buf,
      consume: (s, data) => this.consume(s, data),
      putFull: (s) => this.putFull(s),
      onLine: (s) => this.onLine(s),
    };
    this.copies = new CopyTruncate(this.followed, feed, this.unseen, env);
    this.restorer = new Restorer(this.followed, this.groups, this.copies, env);
    this.positions = new PositionSaver(posPath, this.followed, env);
  }

  async start(ctx: SourceContext): Promise<void> {
    this.ctx = ctx;
    this.running = true;
    this.startedAt = Date.now();
    await this.positions.load();
    ctx.onSafePositions((positions) => this.onSafe(positions));
    ctx.signal.addEventListener('abort', () => this.halt(), { once: true });
    this.timer = setInterval(() => void this.positions.savePositions(), this.c.writePosInterval);
    this.timer.unref?.();
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.halt();
    await this.loop;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.positions.saveLast();
    await Promise.all([...this.followed.streams.values()].map((s) => this.followed.close(s)));
  }

  private halt(): void {
    this.running = false;
    this.wakeUp?.();
  }

  private onSafe(positions: ReadonlyMap<string, number>): void {
    const prefix = `${this.nodeId}|`;
    for (const [key, offset] of positions) {
      if (!key.startsWith(prefix)) continue;
      const s = this.followed.streams.get(key);
      if (s && offset > s.safe) s.safe = offset;
    }
  }

  private async run(): Promise<void> {
    let first = true;
    while (this.running) {
      let more = false;
      try {
        more = await this.poll(first);
        first = false;
      } catch (e) {
        if (e instanceof Stopping) break;
        this.env.counters.GenericProcessingFail++;
        this.env.log('error', `Taildir source ${this.nodeId}: ${(e as Error).message}; trying again in ${this.c.pollInterval} ms`, { error: String(e) });
      }
      if (!this.running) break;
      await this.sleep(more ? 0 : this.c.pollInterval);
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(done, ms);
      function done() {
        clearTimeout(t);
        resolve();
      }
      this.wakeUp = done;
    });
  }

  // ---------------------------------------------------------------- polling

  /** One pass: find files, notice rotations, read what is new. Returns whether a file has more to read now. */
  private async poll(first: boolean): Promise<boolean> {
    const { streams, claims } = this.followed;
    const found = await this.groups.scan();
    if (first) this.positions.loaded = await this.restorer.restore(found, this.ctx!.resumePositions, this.positions.loaded);
    for (const s of streams.values()) {
      const f = found.get(s.id);
      if (f) {
        if (f.path !== s.path) {
          this.env.log('info', `Taildir: ${s.path} was renamed to ${f.path}, which its file group also matches; following it there`, { file: f.path, from: s.path });
        }
        s.path = s.watchedPath = f.path;
        s.group = f.group;
        if (s.orphan || s.done) {
          s.orphan = s.done = false;
          this.env.log('info', `Taildir: ${f.path} matches its file group again; following it`, { file: f.path });
        }
      } else if (!s.orphan && !s.done) {
        await this.lost(s);
      }
    }
    let more = false;
    for (const s of [...streams.values()]) more = (await this.tail(s, found.get(s.id))) || more;
    const fresh: TailStream[] = [];
    for (const f of found.values()) {
      if (streams.has(this.followed.keyOf(f.id)) || claims.has(f.id)) continue;
      const s = await this.discovery.discover(f, first);
      if (s) fresh.push(s);
    }
    for (const s of fresh) more = (await this.tail(s, found.get(s.id))) || more;
    if (!this.unseen.stockTaken) await this.unseen.takeStock(this.startedAt);
    else if (this.unseen.rotationNoticed) await this.unseen.checkUnseenRotations();
    return more;
  }

  /** A followed file is no longer at a watched path: renamed away (rotation) or deleted. */
  private async lost(s: TailStream): Promise<void> {
    const was = s.path;
    this.unseen.rotationNoticed = true;
    if (s.fh) {
      const st = await s.fh.stat({ bigint: true }).catch(() => null);
      let how = 'was deleted';
      if (st && st.nlink > 0n) {
        // A second look: the directory listing may have raced a rename.
        const where = await this.groups.findInode(dirOf(s.path), s.ino, s.dev);
        const group = where && this.groups.groupAt(where.path);
        if (where && group) {
          s.path = s.watchedPath = where.path;
          s.group = group.name;
          return;
        }
        how = where ? `was renamed to ${where.path} (rotated)` : 'was renamed away (rotated)';
        if (where) s.path = where.path;
      }
      s.orphan = true;
      s.lastChange = Date.now();
      this.env.log('info', `Taildir: ${was} ${how}; reading it to its end through the open file, closing it after ${this.c.idleTimeout} ms without growth`, {
        file: s.path,
        inode: s.ino,
      });
      return;
    }
    const where = await this.groups.findInode(dirOf(s.path), s.ino, s.dev);
    if (where && where.size > s.linePos && (await this.followed.reopen(s, where.path))) {
      s.path = where.path;
      s.orphan = true;
      s.lastChange = Date.now();
      this.env.log('info', `Taildir: ${s.path} was rotated while closed; reading its rest`, { file: s.path, inode: s.ino });
      return;
    }
    s.done = true;
  }

  // ---------------------------------------------------------------- reading

  /** Reads what is new in one file. Returns whether it has more right now (it yielded its turn). */
  private async tail(s: TailStream, f: Found | undefined): Promise<boolean> {
    if (s.done || s.restoring || !this.running) return false;
    if (!s.fh) {
      if (s.orphan || !f || (f.size === s.lastSize && f.mtime === s.lastMtime)) return false;
      if (!(await this.followed.reopen(s, f.path))) return false;
    }
    const fh = s.fh!;
    let st: BigIntStats;
    try {
      st = await fh.stat({ bigint: true });
    } catch (e) {
      this.followed.readFail(s, e);
      return false;
    }
    const size = Number(st.size);
    const now = Date.now();
    if (size !== s.lastSize || st.mtimeNs !== s.lastMtime) {
      s.lastSize = size;
      s.lastMtime = st.mtimeNs;
      s.lastChange = now;
    } else if (size === s.readPos) {
      await this.idle(s, now);
      return false;
    }
    let budget = ROUND_BYTES;
    let cut = false;
    try {
      // A file cut and rewritten past the position between two polls can end in the same bytes
      // (fixed-length, repetitive lines); its first bytes differ.
      if (s.head.length && !(await readAt(fh, 0, s.head.length)).equals(s.head)) {
        cut = true;
        await this.copies.recover(s, liveCheck(s), 0);
      }
      while (this.running) {
        const n = await this.readChunk(s, fh);
        if (n < 0) {
          cut = true;
          await this.copies.recover(s, liveCheck(s), 0);
          continue;
        }
        if (n === 0) break;
        budget -= n;
        if (budget <= 0) {
          await this.flush(s);
          return true;
        }
      }
      if (!cut) s.maxSize = Math.max(s.maxSize, Math.min(size, s.readPos));
      await this.flush(s);
    } catch (e) {
      if (e instanceof Stopping) throw e;
      this.followed.readFail(s, e);
    }
    return false;
  }

  /**
   * Reads the next chunk, re-reading the bytes before the position first: if they are gone or
   * differ, the file was truncated (copytruncate), even if it has grown past the position since
   * (tail() also compares the first bytes).
   * Returns the new bytes consumed, or -1 when the file was cut.
   */
  private async readChunk(s: TailStream, fh: FileHandle): Promise<number> {
    const fpLen = s.fp.length;
    const { bytesRead } = await fh.read(this.buf, 0, this.buf.length, s.readPos - fpLen);
    if (bytesRead < fpLen || (fpLen > 0 && this.buf.compare(s.fp, 0, fpLen, 0, fpLen) !== 0)) return -1;
    if (bytesRead === fpLen) return 0;
    this.consume(s, this.buf.subarray(fpLen, bytesRead));
    await this.putFull(s);
    return bytesRead - fpLen;
  }

  /** Splits `data` (read at `s.readPos`) into events; `data` may be reused afterwards. */
  private consume(s: TailStream, data: Buffer): void {
    const start = s.readPos;
    if (s.head.length < HEAD_LEN && s.head.length === start) s.head = Buffer.concat([s.head, data.subarray(0, HEAD_LEN - start)]);
    s.splitter.feed(data, start, this.onLine(s));
    s.readPos += data.length;
    s.fp = data.length >= FP_LEN ? Buffer.from(data.subarray(data.length - FP_LEN)) : lastBytes(Buffer.concat([s.fp, data]), FP_LEN);
  }

  private onLine(s: TailStream): OnLine {
    const groupHeaders = this.groups.groupHeaders(s.group);
    return (bytes, end, length) => {
      const lineStart = s.linePos;
      s.linePos = end;
      const offset = s.base + end;
      if (offset <= s.floor) return;
      const tooLong = length > this.c.maxLineLength;
      const headers: Record<string, string> = { ...groupHeaders };
      if (this.c.fileHeader) headers[this.c.fileHeaderKey] = s.watchedPath;
      if (this.c.byteOffsetHeader) headers.byteoffset = String(lineStart);
      const event: FlumeEvent = { headers, body: decodeLine(bytes, tooLong), origin: { key: s.key, offset } };
      if (tooLong) {
        headers.truncated = 'true';
        if (this.c.lineTooLong === 'deadletter') {
          this.env.counters.DeadLetteredCount++;
          this.env.deadLetter(event, `line_too_long: ${length} bytes > maxLineLength ${this.c.maxLineLength}`);
          return;
        }
        this.env.counters.TruncatedCount++;
      }
      s.batch.push(event);
    };
  }

  private async putFull(s: TailStream): Promise<void> {
    while (s.batch.length >= this.c.batchSize) await this.put(s.batch.splice(0, this.c.batchSize));
  }

  private async flush(s: TailStream): Promise<void> {
    await this.putFull(s);
    if (s.batch.length) await this.put(s.batch.splice(0));
  }

  /** Hands a batch over, waiting while the channel is full; retries a failed put until it goes in or the agent stops. */
  private async put(events: FlumeEvent[]): Promise<void> {
    const counters = this.env.counters;
    counters.EventReceivedCount += events.length;
    counters.AppendBatchReceivedCount++;
    for (let wait = 250; ; wait = Math.min(wait * 2, 5_000)) {
      if (!this.running) throw new Stopping();
      try {
        await this.ctx!.put(events);
        break;
      } catch (e) {
        if (!this.running || this.ctx!.signal.aborted || (isWeirError(e) && e.code === 'agent_stopping')) throw new Stopping();
        counters.ChannelWriteFail++;
        this.env.log('warn', `Taildir: the channel refused a batch of ${events.length} (${(e as Error).message}); retrying in ${wait} ms`, { error: String(e) });
        await this.sleep(wait);
      }
    }
    counters.EventAcceptedCount += events.length;
    counters.AppendBatchAcceptedCount++;
  }

  /**
   * No growth for idleTimeout: as Flume, the unterminated last line is taken as final and emitted,
   * and the file is closed (a watched one is reopened when it changes).
   */
  private async idle(s: TailStream, now: number): Promise<void> {
    if (!s.fh || now - s.lastChange < this.c.idleTimeout) return;
    s.splitter.flush(s.readPos, this.onLine(s));
    await this.flush(s);
    await this.followed.close(s);
    if (!s.orphan) return;
    s.done = true;
    this.env.log('info', `Taildir: closed ${s.path} (rotated away or deleted) after ${this.c.idleTimeout} ms without growth, at byte ${s.readPos}`, {
      file: s.path,
      inode: s.ino,
      pos: s.readPos,
    });
  }
}

function lastBytes(b: Buffer, n: number): Buffer {
  return b.length <= n ? b : b.subarray(b.length - n);
}
