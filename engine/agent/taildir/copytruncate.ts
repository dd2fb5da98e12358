import type { FileHandle } from 'node:fs/promises';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { AgentEnv } from '../types';
import { CHUNK, readAt, withFile } from './file-bytes';
import type { Found } from './file-groups';
import type { Followed } from './followed';
import type { OnLine } from './line-splitter';
import { dirOf, nameOf, stemOf, type TailStream } from './tail-stream';
import type { UnseenRotations } from './unseen-rotations';

/** Decides whether an open candidate copy holds the content a stream lost to a truncation. */
export type CopyCheck = (fh: FileHandle) => Promise<boolean>;

/** The source's read path, through which the rest of a cut content, read from its copy, becomes lines and batches. */
export interface LineFeed {
  /** The source's read buffer (CHUNK + FP_LEN bytes). */
  readonly buf: Buffer;
  /** Splits `data` (read at `s.readPos`) into events; `data` may be reused afterwards. */
  consume(s: TailStream, data: Buffer): void;
  /** Hands over the full batches. */
  putFull(s: TailStream): Promise<void>;
  onLine(s: TailStream): OnLine;
}

/** For a cut noticed while reading: the copy holding the lost rest has the first bytes and the bytes before the position that the stream read. */
export function liveCheck(s: TailStream): CopyCheck {
  const at = s.readPos;
  const fp = s.fp;
  const head = s.head;
  return async (fh) => (await readAt(fh, at - fp.length, fp.length)).equals(fp) && (await readAt(fh, 0, head.length)).equals(head);
}

/**
 * Copytruncate: a followed file was cut (a copy of it was made, then it was truncated in place).
 * The rest of its old content is read from the rotated copy, and its new content continues the
 * logical offsets above everything before.
 */
export class CopyTruncate {
  constructor(
    private readonly followed: Followed,
    private readonly feed: LineFeed,
    private readonly rotations: Pick<UnseenRotations, 'rotationNoticed'>,
    private readonly env: Pick<AgentEnv, 'log'>,
  ) {}

  /**
   * The file was cut while `s.readPos` bytes of it were read. Reads the rest of the old content
   * from the rotated copy when one is found (else warns about the loss), then starts the file's
   * new content at physical 0 with logical offsets continuing above everything before.
   */
  async recover(s: TailStream, check: CopyCheck, minBase: number): Promise<void> {
    const from = s.readPos;
    this.rotations.rotationNoticed = true;
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
  async drainCopy(s: TailStream, copy: Found): Promise<void> {
    const from = s.readPos;
    const feed = this.feed;
    s.copyPath = copy.path;
    s.restoring = false;
    await withFile(copy.path, async (fh) => {
      // A rotated copy is complete before its original is cut; one that still grows is not a
      // rotated copy (or is being rewritten): what it held when opened is read, not an endless stream.
      const end = Number((await fh.stat()).size);
      while (s.readPos < end) {
        const { bytesRead } = await fh.read(feed.buf, 0, Math.min(CHUNK, end - s.readPos), s.readPos);
        if (bytesRead === 0) break;
        feed.consume(s, feed.buf.subarray(0, bytesRead));
        await feed.putFull(s);
      }
    });
    this.followed.claims.set(copy.id, { dev: copy.dev, ino: copy.ino, path: copy.path, size: s.readPos, owner: s.key });
    this.env.log('info', `Taildir: ${s.path} was truncated (copytruncate); read its ${s.readPos - from} unread bytes from the rotated copy ${copy.path}`, {
      file: s.path,
      copy: copy.path,
      bytes: s.readPos - from,
    });
  }

  /** Ends the current content (its unterminated last line is final) and starts the next at physical 0. */
  async endContent(s: TailStream, minBase: number, copyPath: string | undefined): Promise<void> {
    const end = s.readPos;
    s.splitter.flush(end, this.feed.onLine(s));
    await this.feed.putFull(s);
    const next = Math.max(minBase, s.base + end);
    s.past.push({ base: s.base, end: next, copyPath, head: s.head, fp: s.fp, readEnd: end });
    s.copyPath = undefined;
    s.restartAt(next);
  }

  /** The newest file in the same directory, named like the cut file, holding its old content past `at`. */
  async findCopy(s: TailStream, at: number, check: CopyCheck): Promise<Found | null> {
    const { streams, claims } = this.followed;
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
      const claim = claims.get(id);
      if (id === s.id || streams.has(this.followed.keyOf(id)) || (claim && claim.owner !== s.key)) continue;
      candidates.push({ id, dev: String(st.dev), ino: String(st.ino), path, group: s.group, size: Number(st.size), mtime: st.mtimeNs });
    }
    candidates.sort((a, b) => (b.mtime > a.mtime ? 1 : b.mtime < a.mtime ? -1 : 0));
    for (const c of candidates) {
      if (await withFile(c.path, check).catch(() => false)) return c;
    }
    return null;
  }

  /**
   * Copies newer than the one read at a restart hold content written between two truncations the
   * source did not see (two rotations while it was stopped): their lines are not read.
   */
  async warnNewerCopies(s: TailStream, read: Found): Promise<void> {
    const { streams, claims } = this.followed;
    const dir = dirOf(s.path);
    const stem = stemOf(nameOf(s.path));
    const newer: string[] = [];
    for (const name of await readdir(dir).catch(() => [] as string[])) {
      const path = join(dir, name);
      if (!name.startsWith(stem) || path === read.path || path === s.path) continue;
      const st = await stat(path, { bigint: true }).catch(() => null);
      const id = st ? `${st.dev}:${st.ino}` : '';
      if (st?.isFile() && st.mtimeNs > read.mtime && !streams.has(this.followed.keyOf(id)) && !claims.has(id)) newer.push(path);
    }
    if (!newer.length) return;
    this.env.log(
      'warn',
      `Taildir: ${s.path} was rotated by copytruncate more than once while the source was stopped; its position was in ${read.path}, ` +
        `and the newer copies ${newer.join(', ')} may hold lines written in between, which are not read. Add them to a file group to read them.`,
      { file: s.path, copy: read.path, newer },
    );
  }
}
