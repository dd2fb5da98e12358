import type { BigIntStats } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { open, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { TaildirConfig } from '../../nodes/source.taildir/spec';
import { parseFilegroupPath } from '../../nodes/source.taildir/pattern';
import { WeirError, isWeirError } from '../../spec/errors';
import type { AgentEnv, FlumeEvent, Source, SourceContext } from '../types';
import { EMPTY, FP_LEN, HEAD_LEN, hashBytes, headBefore, isLineStart, lastLineEnd, readAt, tailBefore, withFile } from './file-bytes';
import { decodeLine, type OnLine } from './line-splitter';
import { loadPositionFile, writePositionFile, type PositionEntry } from './position-file';
import { TailStream, dirOf, nameOf, stemOf, type Mark } from './tail-stream';

/** A watched file as the directory scan saw it. */
interface Found {
  id: string;
  dev: string;
  ino: string;
  path: string;
  group: string;
  size: number;
  mtime: bigint;
}

/** A rotated copy whose content belongs to another file's stream: never read on its own. */
interface Claim {
  dev: string;
  ino: string;
  path: string;
  size: number;
  owner: string;
}

interface Group {
  name: string;
  dir: string;
  matches(fileName: string): boolean;
  headers: Record<string, string>;
}

/** Decides whether an open candidate copy holds the content a stream lost to a truncation. */
type CopyCheck = (fh: FileHandle) => Promise<boolean>;

class Stopping extends Error {}

const CHUNK = 256 * 1024;
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
 */
export class TaildirSource implements Source {
  private readonly groups: Group[] = [];
  private readonly posPath: string;
  private readonly streams = new Map<string, TailStream>();
  private readonly claims = new Map<string, Claim>();
  private readonly undecided = new Set<string>();
  /**
   * Per file identity, the highest offset ever handed out or committed. A new file that reuses the
   * inode of a deleted one continues above it, or the sink would drop its lines as duplicates.
   */
  private readonly highWater = new Map<string, number>();
  private readonly warnedDirs = new Set<string>();
  /**
   * Per watched directory, the files in it as last listed (id → name), to tell a rotated file that
   * appeared without the source ever having followed its content (see checkUnseenRotations).
   * Undefined until the first poll took stock of what was already there.
   */
  private listed?: Map<string, Map<string, string>>;
  /** A rotation (rename, truncation, new file at a watched path) was noticed since the last check. */
  private rotationNoticed = false;
  private startedAt = 0;
  private readonly buf = Buffer.allocUnsafe(CHUNK + FP_LEN);
  private ctx?: SourceContext;
  private running = false;
  private loop?: Promise<void>;
  private timer?: ReturnType<typeof setInterval>;
  private wakeUp?: () => void;
  private writing?: Promise<void>;
  private lastWritten?: string;
  private loaded: PositionEntry[] = [];

  constructor(
    private readonly nodeId: string,
    private readonly c: TaildirConfig,
    private readonly env: AgentEnv,
  ) {
    for (const [name, path] of Object.entries(c.filegroups)) {
      const p = parseFilegroupPath(path);
      if (!p.ok) throw new WeirError('taildir_bad_filegroup', `filegroups.${name}: ${p.message}`, { details: { group: name, path } });
      this.groups.push({ name, dir: p.dir, matches: p.matches, headers: c.headers[name] ?? {} });
    }
    this.posPath = c.positionFile || join(env.dataDir, 'taildir_position.json');
    for (const k of COUNTERS) env.counters[k] ??= 0;
  }

  async start(ctx: SourceContext): Promise<void> {
    this.ctx = ctx;
    this.running = true;
    this.startedAt = Date.now();
    this.loaded = await loadPositionFile(this.posPath, this.env.log);
    ctx.onSafePositions((positions) => this.onSafe(positions));
    ctx.signal.addEventListener('abort', () => this.halt(), { once: true });
    this.timer = setInterval(() => void this.savePositions(), this.c.writePosInterval);
    this.timer.unref?.();
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.halt();
    await this.loop;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.writing;
    await this.savePositions();
    await Promise.all([...this.streams.values()].map((s) => this.close(s)));
  }

  private halt(): void {
    this.running = false;
    this.wakeUp?.();
  }

  private onSafe(positions: ReadonlyMap<string, number>): void {
    const prefix = `${this.nodeId}|`;
    for (const [key, offset] of positions) {
      if (!key.startsWith(prefix)) continue;
      const s = this.streams.get(key);
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
    const found = await this.scan();
    if (first) await this.restore(found);
    for (const s of this.streams.values()) {
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
    for (const s of [...this.streams.values()]) more = (await this.tail(s, found.get(s.id))) || more;
    const fresh: TailStream[] = [];
    for (const f of found.values()) {
      if (this.streams.has(this.keyOf(f.id)) || this.claims.has(f.id)) continue;
      const s = await this.discover(f, first);
      if (s) fresh.push(s);
    }
    for (const s of fresh) more = (await this.tail(s, found.get(s.id))) || more;
    if (!this.listed) await this.takeStock();
    else if (this.rotationNoticed) await this.checkUnseenRotations();
    return more;
  }

  private keyOf(id: string): string {
    return `${this.nodeId}|${id}`;
  }

  private async scan(): Promise<Map<string, Found>> {
    const found = new Map<string, Found>();
    const listings = new Map<string, string[] | null>();
    for (const g of this.groups) {
      let names = listings.get(g.dir);
      if (names === undefined) {
        try {
          names = await readdir(g.dir);
          this.warnedDirs.delete(g.dir);
        } catch (e) {
          names = null;
          if (!this.warnedDirs.has(g.dir)) {
            this.warnedDirs.add(g.dir);
            const code = (e as NodeJS.ErrnoException).code;
            this.env.log('warn', `Taildir: cannot list ${g.dir} (${code}) for file group "${g.name}"; will keep checking`, { dir: g.dir, group: g.name, code });
          }
        }
        listings.set(g.dir, names);
      }
      for (const name of names ?? []) {
        if (!g.matches(name)) continue;
        const path = join(g.dir, name);
        if (path.startsWith(this.posPath)) continue;
        const st = await stat(path, { bigint: true }).catch(() => null);
        if (!st?.isFile()) continue;
        const id = `${st.dev}:${st.ino}`;
        if (!found.has(id)) found.set(id, { id, dev: String(st.dev), ino: String(st.ino), path, group: g.name, size: Number(st.size), mtime: st.mtimeNs });
      }
    }
    return found;
  }

  /** A followed file is no longer at a watched path: renamed away (rotation) or deleted. */
  private async lost(s: TailStream): Promise<void> {
    const was = s.path;
    this.rotationNoticed = true;
    if (s.fh) {
      const st = await s.fh.stat({ bigint: true }).catch(() => null);
      let how = 'was deleted';
      if (st && st.nlink > 0n) {
        // A second look: the directory listing may have raced a rename.
        const where = await this.findInode(dirOf(s.path), s.ino, s.dev);
        const group = where && this.groups.find((g) => g.dir === dirOf(where.path) && g.matches(nameOf(where.path)));
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
    const where = await this.findInode(dirOf(s.path), s.ino, s.dev);
    if (where && where.size > s.linePos && (await this.reopen(s, where.path))) {
      s.path = where.path;
      s.orphan = true;
      s.lastChange = Date.now();
      this.env.log('info', `Taildir: ${s.path} was rotated while closed; reading its rest`, { file: s.path, inode: s.ino });
      return;
    }
    s.done = true;
  }

  /** The file with this inode (and device, if given) in `dir`, whatever its name now. */
  private async findInode(dir: string, ino: string, dev?: string): Promise<Found | null> {
    const names = await readdir(dir).catch(() => [] as string[]);
    for (const name of names) {
      const path = join(dir, name);
      const st = await stat(path, { bigint: true }).catch(() => null);
      if (st?.isFile() && String(st.ino) === ino && (dev === undefined || String(st.dev) === dev)) {
        return { id: `${st.dev}:${st.ino}`, dev: String(st.dev), ino, path, group: this.groupOf(path), size: Number(st.size), mtime: st.mtimeNs };
      }
    }
    return null;
  }

  private groupOf(path: string): string {
    const g = this.groups.find((g) => g.dir === dirOf(path) && g.matches(nameOf(path)));
    return (g ?? this.groups[0]).name;
  }

  private async reopen(s: TailStream, path: string): Promise<boolean> {
    let fh: FileHandle | undefined;
    try {
      fh = await open(path, 'r');
      const st = await fh.stat({ bigint: true });
      if (`${st.dev}:${st.ino}` !== s.id) {
        await fh.close();
        return false;
      }
      s.fh = fh;
      return true;
    } catch (e) {
      await fh?.close().catch(() => undefined);
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') this.readFail(s, e);
      return false;
    }
  }

  private async close(s: TailStream): Promise<void> {
    const fh = s.fh;
    s.fh = null;
    await fh?.close().catch(() => undefined);
  }

  private readFail(s: TailStream, e: unknown): void {
    this.env.counters.EventReadFailCount++;
    this.env.log('error', `Taildir: cannot read ${s.path}: ${(e as Error).message}; will try again`, { file: s.path, error: String(e) });
  }

  // ---------------------------------------------------------------- reading

  /** Reads what is new in one file. Returns whether it has more right now (it yielded its turn). */
  private async tail(s: TailStream, f: Found | undefined): Promise<boolean> {
    if (s.done || s.restoring || !this.running) return false;
    if (!s.fh) {
      if (s.orphan || !f || (f.size === s.lastSize && f.mtime === s.lastMtime)) return false;
      if (!(await this.reopen(s, f.path))) return false;
    }
    const fh = s.fh!;
    let st: BigIntStats;
    try {
      st = await fh.stat({ bigint: true });
    } catch (e) {
      this.readFail(s, e);
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
        await this.recover(s, this.liveCheck(s), 0);
      }
      while (this.running) {
        const n = await this.readChunk(s, fh);
        if (n < 0) {
          cut = true;
          await this.recover(s, this.liveCheck(s), 0);
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
      this.readFail(s, e);
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
    const groupHeaders = this.groupHeaders(s.group);
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

  private groupHeaders(group: string): Record<string, string> {
    return this.groups.find((g) => g.name === group)?.headers ?? {};
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
    await this.close(s);
    if (!s.orphan) return;
    s.done = true;
    this.env.log('info', `Taildir: closed ${s.path} (rotated away or deleted) after ${this.c.idleTimeout} ms without growth, at byte ${s.readPos}`, {
      file: s.path,
      inode: s.ino,
      pos: s.readPos,
    });
  }

  // ---------------------------------------------------------------- copytruncate

  private liveCheck(s: TailStream): CopyCheck {
    const at = s.readPos;
    const fp = s.fp;
    const head = s.head;
    return async (fh) => (await readAt(fh, at - fp.length, fp.length)).equals(fp) && (await readAt(fh, 0, head.length)).equals(head);
  }

  /**
   * The file was cut while `s.readPos` bytes of it were read. Reads the rest of the old content
   * from the rotated copy when one is found (else warns about the loss), then starts the file's
   * new content at physical 0 with logical offsets continuing above everything before.
   */
  private async recover(s: TailStream, check: CopyCheck, minBase: number): Promise<void> {
    const from = s.readPos;
    this.rotationNoticed = true;
    const copy = from > 0 ? await this.findCopy(s, from, check) : null;
    if (copy) {
      await this.drainCopy(s, copy);
    } else if (from > 0) {
      const lost = Math.max(0, s.maxSize - from);
      this.env.log(
        'warn',
        `Taildir: ${s.path} was truncated or replaced after ${from} bytes were read, and no rotated copy holding the rest was found in ${dirOf(s.path)}: ` +
          `${lost} bytes seen but not read are lost, plus whatever was written between the last read and the truncation. ` +
          'Rotate with a copy that keeps its name prefix (logrotate copytruncate) or by rename (create) to lose nothing.',
        { file: s.path, readBytes: from, lostBytesAtLeast: lost },
      );
    }
    await this.endContent(s, minBase, copy?.path);
  }

  /** Reads the rest of a cut file's old content, from `s.readPos` to the end of its rotated copy. */
  private async drainCopy(s: TailStream, copy: Found): Promise<void> {
    const from = s.readPos;
    s.copyPath = copy.path;
    s.restoring = false;
    await withFile(copy.path, async (fh) => {
      // A rotated copy is complete before its original is cut; one that still grows is not a
      // rotated copy (or is being rewritten): what it held when opened is read, not an endless stream.
      const end = Number((await fh.stat()).size);
      while (s.readPos < end) {
        const { bytesRead } = await fh.read(this.buf, 0, Math.min(CHUNK, end - s.readPos), s.readPos);
        if (bytesRead === 0) break;
        this.consume(s, this.buf.subarray(0, bytesRead));
        await this.putFull(s);
      }
    });
    this.claims.set(copy.id, { dev: copy.dev, ino: copy.ino, path: copy.path, size: s.readPos, owner: s.key });
    this.env.log('info', `Taildir: ${s.path} was truncated (copytruncate); read its ${s.readPos - from} unread bytes from the rotated copy ${copy.path}`, {
      file: s.path,
      copy: copy.path,
      bytes: s.readPos - from,
    });
  }

  /** Ends the current content (its unterminated last line is final) and starts the next at physical 0. */
  private async endContent(s: TailStream, minBase: number, copyPath: string | undefined): Promise<void> {
    const end = s.readPos;
    s.splitter.flush(end, this.onLine(s));
    await this.putFull(s);
    const next = Math.max(minBase, s.base + end);
    s.past.push({ base: s.base, end: next, copyPath, head: s.head, fp: s.fp, readEnd: end });
    s.copyPath = undefined;
    s.restartAt(next);
  }

  /** The newest file in the same directory, named like the cut file, holding its old content past `at`. */
  private async findCopy(s: TailStream, at: number, check: CopyCheck): Promise<Found | null> {
    const dir = dirOf(s.path);
    const stem = stemOf(nameOf(s.path));
    const names = await readdir(dir).catch(() => [] as string[]);
    const candidates: Found[] = [];
    for (const name of names) {
      if (!name.startsWith(stem)) continue;
      const path = join(dir, name);
      const st = await stat(path, { bigint: true }).catch(() => null);
      if (!st?.isFile() || Number(st.size) < at) continue;
      const id = `${st.dev}:${st.ino}`;
      const claim = this.claims.get(id);
      if (id === s.id || this.streams.has(this.keyOf(id)) || (claim && claim.owner !== s.key)) continue;
      candidates.push({ id, dev: String(st.dev), ino: String(st.ino), path, group: s.group, size: Number(st.size), mtime: st.mtimeNs });
    }
    candidates.sort((a, b) => (b.mtime > a.mtime ? 1 : b.mtime < a.mtime ? -1 : 0));
    for (const c of candidates) {
      if (await withFile(c.path, check).catch(() => false)) return c;
    }
    return null;
  }

  // ---------------------------------------------------------------- rotations never seen

  /**
   * First poll: files that were in the watched directories before the source started are not news.
   * Those changed since (renamed or written while the first poll was on its way) are looked at.
   */
  private async takeStock(): Promise<void> {
    const listed = new Map<string, Map<string, string>>();
    const since = BigInt(this.startedAt) * 1_000_000n;
    let changed = false;
    for (const dir of new Set(this.groups.map((g) => g.dir))) {
      const names = await readdir(dir).catch(() => null);
      if (!names) continue;
      const ids = await this.idsOf(dir, names, (name) => this.unwatched(dir, name), since);
      changed ||= ids.changed;
      listed.set(dir, ids.ids);
    }
    this.listed = listed;
    this.rotationNoticed = changed;
  }

  /**
   * After a rotation was noticed: a file named like a followed one (access.log.3) that appeared
   * since the last look, is neither followed nor a claimed copy, and does not begin like any content
   * the source read, holds a generation of the log that was rotated away (renamed, or copied and
   * truncated) before any poll saw it, e.g. two rotations between two polls. Its lines are not read
   * (the source cannot tell it from any other file there); a warning says so, once per file.
   */
  private async checkUnseenRotations(): Promise<void> {
    this.rotationNoticed = false;
    const listed = this.listed!;
    const stems = new Map<string, Set<string>>();
    for (const s of this.streams.values()) {
      const dir = dirOf(s.watchedPath);
      stems.set(dir, (stems.get(dir) ?? new Set()).add(stemOf(nameOf(s.watchedPath))));
    }
    for (const [dir, dirStems] of stems) {
      const names = await readdir(dir).catch(() => null);
      if (!names) continue;
      const before = listed.get(dir);
      const related = (name: string) => [...dirStems].some((stem) => name.startsWith(stem)) && this.unwatched(dir, name);
      const { ids: now } = await this.idsOf(dir, names, related);
      // Files named otherwise keep what was known of them; gone ones are forgotten.
      const present = new Set(names);
      for (const [id, name] of before ?? []) if (!now.has(id) && present.has(name) && !related(name)) now.set(id, name);
      listed.set(dir, now);
      if (!before) continue; // a directory seen for the first time: taking stock
      for (const [id, name] of now) {
        if (before.has(id) || this.streams.has(this.keyOf(id)) || this.claims.has(id) || !related(name)) continue;
        const path = join(dir, name);
        const head = await withFile(path, (fh) => readAt(fh, 0, HEAD_LEN)).catch(() => null);
        if (!head?.length) {
          now.delete(id); // empty, or a copy just begun: looked at again at the next rotation
          continue;
        }
        if (isCompressed(head) || this.readsContentLike(dir, head)) continue;
        const watched = [...this.streams.values()].find((s) => dirOf(s.watchedPath) === dir && name.startsWith(stemOf(nameOf(s.watchedPath))))?.watchedPath ?? dir;
        this.env.log(
          'warn',
          `Taildir: ${path} appeared since the last look, named like ${watched}, but holds content the source never read: a generation of ${watched} was ` +
            `rotated away (renamed, or copied and truncated) before a poll saw it, e.g. two rotations between two polls. Its lines are not read. ` +
            `Rotate less often than every pollInterval (${this.c.pollInterval} ms), or let the file group also match the rotated files.`,
          { file: watched, rotated: path },
        );
      }
    }
  }

  /** Regular files among `names` that `want`, by id → name; those changed at or after `since` (ns) are left out. */
  private async idsOf(dir: string, names: string[], want: (name: string) => boolean, since?: bigint): Promise<{ ids: Map<string, string>; changed: boolean }> {
    const ids = new Map<string, string>();
    let changed = false;
    for (const name of names) {
      if (!want(name)) continue;
      const st = await stat(join(dir, name), { bigint: true }).catch(() => null);
      if (!st?.isFile()) continue;
      if (since !== undefined && st.ctimeNs >= since) changed = true;
      else ids.set(`${st.dev}:${st.ino}`, name);
    }
    return { ids, changed };
  }

  /** Not matched by a file group (those are followed, or claimed as copies) and not the position file. */
  private unwatched(dir: string, name: string): boolean {
    return !this.groups.some((g) => g.dir === dir && g.matches(name)) && !join(dir, name).startsWith(this.posPath);
  }

  /** Whether some followed content in `dir` (current, or cut away earlier) begins like `head`. */
  private readsContentLike(dir: string, head: Buffer): boolean {
    for (const s of this.streams.values()) {
      if (dirOf(s.path) !== dir && dirOf(s.watchedPath) !== dir) continue;
      for (const h of [s.head, ...s.past.map((p) => p.head)]) {
        const k = Math.min(HEAD_LEN, head.length, h.length);
        if (k > 0 && head.compare(h, 0, k, 0, k) === 0) return true;
      }
    }
    return false;
  }

  // ---------------------------------------------------------------- new files

  private async discover(f: Found, first: boolean): Promise<TailStream | null> {
    // An empty file may be a copy being written: decide once it has content.
    if (f.size === 0) return null;
    const owner = await this.copyOwner(f);
    if (owner === 'undecided' && !this.undecided.has(f.id)) {
      this.undecided.add(f.id);
      return null;
    }
    this.undecided.delete(f.id);
    if (owner instanceof TailStream) {
      this.claims.set(f.id, { dev: f.dev, ino: f.ino, path: f.path, size: f.size, owner: owner.key });
      this.env.log('info', `Taildir: ${f.path} is a copy of ${owner.path}, which is already followed; not reading it on its own`, { file: f.path, copyOf: owner.path });
      return null;
    }
    const s = this.addStream(f, false);
    if (!(await this.reopen(s, f.path))) {
      this.streams.delete(s.key);
      return null;
    }
    const phys = first && this.c.skipToEnd ? await lastLineEnd(s.fh!, f.size, this.c.maxLineLength + 2) : 0;
    const base = this.highWater.get(f.id) ?? 0;
    await this.startAt(s, base, phys);
    s.safe = base + phys;
    if (!first) this.rotationNoticed = true;
    this.env.log('info', `Taildir: following ${f.path} from byte ${phys}`, { file: f.path, inode: f.ino, pos: phys });
    return s;
  }

  /**
   * Whether a newly seen file is a copy of content already followed in its directory (a rotated
   * copy that the group's pattern matches): same first bytes, and the same bytes at the position
   * read so far (or, for a shorter copy, at its own end).
   */
  private async copyOwner(f: Found): Promise<TailStream | 'independent' | 'undecided'> {
    const dir = dirOf(f.path);
    const owners = [...this.streams.values()].filter((s) => s.id !== f.id && dirOf(s.path) === dir);
    if (!owners.length) return 'independent';
    return withFile(f.path, async (fh) => {
      const head = await readAt(fh, 0, HEAD_LEN);
      let undecided = false;
      for (const s of owners) {
        const contents = [{ head: s.head, fp: s.fp, readEnd: s.readPos, live: s.fh }, ...s.past.map((p) => ({ ...p, live: null }))];
        for (const c of contents) {
          const k = Math.min(HEAD_LEN, head.length, c.head.length);
          if (k === 0 || head.compare(c.head, 0, k, 0, k) !== 0) continue;
          if (f.size >= c.readEnd) {
            if ((await readAt(fh, c.readEnd - c.fp.length, c.fp.length)).equals(c.fp)) return s;
          } else if (c.live) {
            const t = Math.min(FP_LEN, f.size);
            if ((await readAt(fh, f.size - t, t)).equals(await readAt(c.live, f.size - t, t))) return s;
            undecided = true;
          } else {
            return s;
          }
        }
      }
      return undecided ? 'undecided' : 'independent';
    }).catch(() => 'undecided' as const);
  }

  private addStream(f: Found, orphan: boolean): TailStream {
    const s = new TailStream(this.keyOf(f.id), f.dev, f.ino, f.path, f.group, this.c.maxLineLength);
    s.orphan = orphan;
    this.streams.set(s.key, s);
    return s;
  }

  /** Positions a freshly opened stream at physical `phys` of content whose byte 0 is logical `base`. */
  private async startAt(s: TailStream, base: number, phys: number): Promise<void> {
    const fh = s.fh!;
    s.base = base;
    s.readPos = s.linePos = phys;
    s.fp = await tailBefore(fh, phys);
    s.head = await readAt(fh, 0, Math.min(phys, HEAD_LEN));
    s.maxSize = phys;
    s.mark = phys ? { at: base + phys, hash: hashBytes(s.fp), head: hashBytes(s.head) } : { at: base };
    s.restoring = false;
  }

  // ---------------------------------------------------------------- restart

  /**
   * First poll: resume every file known from the position file or from the sink's committed
   * offsets at max(both), whether it is still at a watched path or was rotated away meanwhile.
   */
  private async restore(found: Map<string, Found>): Promise<void> {
    const prefix = `${this.nodeId}|`;
    const resume = new Map<string, number>();
    for (const [key, offset] of this.ctx!.resumePositions) {
      if (!key.startsWith(prefix)) continue;
      resume.set(key.slice(prefix.length), offset);
      this.highWater.set(key.slice(prefix.length), offset);
    }

    const byIno = new Map<string, Found[]>();
    for (const f of found.values()) byIno.set(f.ino, [...(byIno.get(f.ino) ?? []), f]);
    const entries = new Map<string, { e: PositionEntry; f: Found; orphan: boolean }>();
    for (const e of this.loaded) {
      const same = (byIno.get(e.inode) ?? []).filter((f) => e.dev === undefined || f.dev === e.dev);
      let f: Found | null = same.find((x) => x.path === e.file) ?? same[0] ?? null;
      let orphan = false;
      if (!f) {
        f = await this.locate(e);
        orphan = f !== null;
      }
      if (!f) {
        this.env.log('info', `Taildir: ${e.file} (inode ${e.inode}) from the position file no longer exists; forgetting it`, { file: e.file, inode: e.inode });
        continue;
      }
      if (e.copyOf !== undefined) {
        this.claims.set(f.id, { dev: f.dev, ino: f.ino, path: f.path, size: e.pos, owner: e.copyOf });
        continue;
      }
      entries.set(f.id, { e, f, orphan });
    }
    const failed: PositionEntry[] = [];
    for (const { e, f, orphan } of entries.values()) {
      if (!(await this.resume(f, orphan, e, resume.get(f.id)))) failed.push(e);
      resume.delete(f.id);
    }
    for (const [id, offset] of resume) {
      if (this.claims.has(id)) continue;
      const f = found.get(id) ?? (await this.findInWatchedDirs(id));
      if (f) await this.resume(f, !found.has(id), undefined, offset);
    }
    this.loaded = failed;
  }

  /** A position-file entry's file that is not at a watched path: at its old path, or renamed in its directory. */
  private async locate(e: PositionEntry): Promise<Found | null> {
    const st = await stat(e.file, { bigint: true }).catch(() => null);
    if (st?.isFile() && String(st.ino) === e.inode && (e.dev === undefined || String(st.dev) === e.dev)) {
      const id = `${st.dev}:${st.ino}`;
      return { id, dev: String(st.dev), ino: e.inode, path: e.file, group: this.groupOf(e.file), size: Number(st.size), mtime: st.mtimeNs };
    }
    return this.findInode(dirOf(e.file), e.inode, e.dev);
  }

  private async findInWatchedDirs(id: string): Promise<Found | null> {
    for (const dir of new Set(this.groups.map((g) => g.dir))) {
      const [dev, ino] = id.split(':');
      const f = await this.findInode(dir, ino, dev);
      if (f) return f;
    }
    return null;
  }

  /** Returns false when the file could not be positioned (its entry is then kept as it was). */
  private async resume(f: Found, orphan: boolean, e: PositionEntry | undefined, committed: number | undefined): Promise<boolean> {
    if (this.streams.has(this.keyOf(f.id))) return true;
    const s = this.addStream(f, orphan);
    s.restoring = true;
    if (e && orphan) s.watchedPath = e.file;
    try {
      if (!(await this.reopen(s, f.path))) throw new Error(`cannot open ${f.path}`);
      await this.position(s, f, orphan, e, committed);
      return true;
    } catch (err) {
      const positioned = !s.restoring;
      if (!positioned) {
        this.streams.delete(s.key);
        await this.close(s);
      }
      if (err instanceof Stopping) throw err;
      this.env.counters.EventReadFailCount++;
      this.env.log('error', `Taildir: cannot resume ${f.path}: ${(err as Error).message}; ${positioned ? 'will go on reading it' : 'keeping its saved position'}`, { file: f.path, error: String(err) });
      // A stream that failed while reading its rotated copy finds the copy again on its next read.
      return positioned;
    }
  }

  private async position(s: TailStream, f: Found, orphan: boolean, e: PositionEntry | undefined, committed: number | undefined): Promise<void> {
    const fh = s.fh!;
    const size = f.size;
    const eBase = e?.base ?? 0;
    const fromFile = e ? eBase + e.pos : -1;
    const L = Math.max(fromFile, committed ?? -1);
    s.floor = L;
    s.safe = Math.max(L, 0);
    const unmappable = async (base: number) => {
      this.env.log('warn', `Taildir: resume offset ${L} of ${f.path} does not fall on a line of the file as it is now; reading its current content from the start (lines may repeat)`, {
        file: f.path,
        offset: L,
      });
      await this.startAt(s, base, 0);
    };
    if (!e) {
      // Only the sink's offset (no position file): it is physical unless the file was ever cut.
      if (await isLineStart(fh, L, size)) await this.startAt(s, 0, L);
      else await unmappable(L);
    } else if (e.cur !== undefined && L >= e.cur) {
      if (await isLineStart(fh, L - e.cur, size)) await this.startAt(s, e.cur, L - e.cur);
      else await unmappable(L);
    } else {
      const same = e.cur === undefined && (await holds(fh, e, size));
      if (same) {
        const phys = L > fromFile && (await isLineStart(fh, L - eBase, size)) ? L - eBase : e.pos;
        await this.startAt(s, eBase, phys);
      } else {
        await this.resumeCut(s, e, L, size);
      }
    }
    this.env.log('info', `Taildir: resuming ${f.path}${orphan ? ' (rotated away)' : ''} at byte ${s.readPos}`, { file: f.path, inode: f.ino, pos: s.readPos, offset: L });
  }

  /**
   * The content at the saved position is gone: the file was cut (copytruncate) or replaced while
   * the source was stopped. The rotated copy holding that content (same bytes before the saved
   * position) gives what was not yet delivered, and tells where the current content starts.
   */
  private async resumeCut(s: TailStream, e: PositionEntry, L: number, size: number): Promise<void> {
    const fh = s.fh!;
    const eBase = e.base ?? 0;
    s.base = eBase;
    s.readPos = s.linePos = e.pos;
    const check: CopyCheck = (cfh) => holds(cfh, e, Number.MAX_SAFE_INTEGER);
    const copy = await this.findCopy(s, e.pos, check);
    if (!copy) {
      this.env.log(
        'warn',
        `Taildir: ${s.path} was truncated or replaced while the source was stopped, and no rotated copy holding its content after byte ${e.pos} was found in ${dirOf(s.path)}; ` +
          'reading its current content from the start (what was written to the old content after the last delivered line is lost; lines may repeat if the position file was stale)',
        { file: s.path, pos: e.pos },
      );
      await this.startAt(s, Math.max(e.cur ?? 0, L), 0);
      return;
    }
    const next = e.cur ?? eBase + copy.size;
    if (L >= next) {
      // Everything in the copy was delivered: go on in the current content.
      this.claims.set(copy.id, { dev: copy.dev, ino: copy.ino, path: copy.path, size: copy.size, owner: s.key });
      if (await isLineStart(fh, L - next, size)) {
        await this.startAt(s, next, L - next);
      } else {
        this.env.log('warn', `Taildir: resume offset ${L} of ${s.path} does not fall on a line of its current content; reading it from the start (lines may repeat)`, { file: s.path, offset: L });
        await this.startAt(s, Math.max(next, L), 0);
      }
      return;
    }
    // Lines up to L are skipped by the floor; the rest of the copy is read, then the current content.
    await this.drainCopy(s, copy);
    await this.endContent(s, next, copy.path);
    await this.warnNewerCopies(s, copy);
  }

  /**
   * Copies newer than the one read at a restart hold content written between two truncations the
   * source did not see (two rotations while it was stopped): their lines are not read.
   */
  private async warnNewerCopies(s: TailStream, read: Found): Promise<void> {
    const dir = dirOf(s.path);
    const stem = stemOf(nameOf(s.path));
    const newer: string[] = [];
    for (const name of await readdir(dir).catch(() => [] as string[])) {
      const path = join(dir, name);
      if (!name.startsWith(stem) || path === read.path || path === s.path) continue;
      const st = await stat(path, { bigint: true }).catch(() => null);
      const id = st ? `${st.dev}:${st.ino}` : '';
      if (st?.isFile() && st.mtimeNs > read.mtime && !this.streams.has(this.keyOf(id)) && !this.claims.has(id)) newer.push(path);
    }
    if (!newer.length) return;
    this.env.log(
      'warn',
      `Taildir: ${s.path} was rotated by copytruncate more than once while the source was stopped; its position was in ${read.path}, ` +
        `and the newer copies ${newer.join(', ')} may hold lines written in between, which are not read. Add them to a file group to read them.`,
      { file: s.path, copy: read.path, newer },
    );
  }

  // ---------------------------------------------------------------- position file

  /** Writes the safe positions (only those) when they changed; one write at a time. */
  private savePositions(): Promise<void> {
    if (this.writing) return this.writing;
    this.writing = (async () => {
      try {
        const entries = await this.positionEntries();
        const text = JSON.stringify(entries);
        if (text === this.lastWritten) return;
        await writePositionFile(this.posPath, entries);
        this.lastWritten = text;
      } catch (e) {
        this.env.counters.GenericProcessingFail++;
        this.env.log('error', `Taildir: cannot write the position file ${this.posPath}: ${(e as Error).message}`, { positionFile: this.posPath, error: String(e) });
      } finally {
        this.writing = undefined;
      }
    })();
    return this.writing;
  }

  private async positionEntries(): Promise<PositionEntry[]> {
    const entries: PositionEntry[] = [];
    // Entries of a restart interrupted by stop() are kept as they were.
    for (const e of this.loaded) {
      if (![...this.streams.values()].some((s) => !s.restoring && s.ino === e.inode && (e.dev === undefined || s.dev === e.dev))) entries.push(e);
    }
    for (const s of [...this.streams.values()]) {
      if (s.restoring) continue;
      s.past = s.past.filter((p) => p.end > s.safe);
      if (s.done && !s.past.length && s.safe >= s.base + s.linePos) {
        this.streams.delete(s.key);
        this.highWater.set(s.id, Math.max(this.highWater.get(s.id) ?? 0, s.base + s.readPos));
        continue;
      }
      entries.push(await this.entryOf(s));
    }
    for (const [id, c] of [...this.claims]) {
      const st = await stat(c.path, { bigint: true }).catch(() => null);
      if (!st || `${st.dev}:${st.ino}` !== id) {
        this.claims.delete(id);
        continue;
      }
      entries.push({ inode: c.ino, pos: c.size, file: c.path, dev: c.dev, copyOf: c.owner });
    }
    return entries;
  }

  private async entryOf(s: TailStream): Promise<PositionEntry> {
    const S = s.safe;
    if (S >= s.base || !s.past.length) {
      const mark = await this.currentMark(s, Math.max(S, s.base));
      return { inode: s.ino, pos: mark.at - s.base, file: s.path, dev: s.dev, base: s.base, fp: mark.hash, head: mark.head };
    }
    // Not all of the content cut away by a copytruncate is safe yet: its copy holds the bytes.
    const p = s.past.find((p) => p.base <= S && S < p.end) ?? s.past[0];
    const pos = Math.max(0, S - p.base);
    let mark: Mark | undefined;
    if (p.copyPath && pos > 0) mark = await withFile(p.copyPath, (fh) => markOf(fh, S, pos)).catch(() => undefined);
    return { inode: s.ino, pos, file: s.path, dev: s.dev, base: p.base, fp: mark?.hash, head: mark?.head, cur: s.base };
  }

  /**
   * A position at or below `at` in the current content with the hash of the bytes before it, read
   * from the file and checked to still be the content this stream read: a file cut and rewritten
   * meanwhile must not lend its bytes to the old position (the last checked mark is used then).
   */
  private async currentMark(s: TailStream, at: number): Promise<Mark> {
    const known = s.mark && s.mark.at >= s.base ? s.mark : { at: s.base };
    if (known.at === at) return known;
    const { base, readPos, fp, head, copyPath } = s;
    const pos = at - base;
    if (pos > readPos) return known;
    if (copyPath) {
      // Being read from its rotated copy, which does not change.
      const m = await withFile(copyPath, (cfh) => markOf(cfh, at, pos)).catch(() => undefined);
      return m === undefined || s.base !== base ? known : (s.mark = m);
    }
    const check = async (h: FileHandle) => {
      const m = await markOf(h, at, pos);
      const still = (await readAt(h, 0, head.length)).equals(head) && (await readAt(h, readPos - fp.length, fp.length)).equals(fp);
      return still ? m : undefined;
    };
    const m = s.fh
      ? await check(s.fh).catch(() => undefined)
      : await withFile(s.path, async (h) => {
          const st = await h.stat({ bigint: true });
          return `${st.dev}:${st.ino}` === s.id ? check(h) : undefined;
        }).catch(() => undefined);
    if (m === undefined || s.base !== base) return known;
    return (s.mark = m);
  }
}

/** The fingerprints of physical `pos` (logical `at`) in an open file. */
async function markOf(fh: FileHandle, at: number, pos: number): Promise<Mark> {
  if (pos === 0) return { at };
  return { at, hash: hashBytes(await tailBefore(fh, pos)), head: hashBytes(await headBefore(fh, pos)) };
}

/** Whether an open file holds the content a position-file entry describes, as far as its `pos`. */
async function holds(fh: FileHandle, e: PositionEntry, size: number): Promise<boolean> {
  if (e.pos > size) return false;
  if (e.head !== undefined && hashBytes(await headBefore(fh, e.pos)) !== e.head) return false;
  return e.fp !== undefined ? hashBytes(await tailBefore(fh, e.pos)) === e.fp : isLineStart(fh, e.pos, size);
}

/** gzip, bzip2, xz, zstd, lz4, zip: a compressed rotated file (logrotate compress), not unread log lines. */
const COMPRESSED = [[0x1f, 0x8b], [0x42, 0x5a, 0x68], [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00], [0x28, 0xb5, 0x2f, 0xfd], [0x04, 0x22, 0x4d, 0x18], [0x50, 0x4b, 0x03, 0x04]];
function isCompressed(head: Buffer): boolean {
  return COMPRESSED.some((magic) => head.length >= magic.length && magic.every((b, i) => head[i] === b));
}

function lastBytes(b: Buffer, n: number): Buffer {
  return b.length <= n ? b : b.subarray(b.length - n);
}
