import type { FileHandle } from 'node:fs/promises';
import { stat } from 'node:fs/promises';
import type { AgentEnv } from '../types';
import type { CopyCheck, CopyTruncate } from './copytruncate';
import { hashBytes, headBefore, isLineStart, tailBefore } from './file-bytes';
import type { FileGroups, Found } from './file-groups';
import { Stopping, startAt, type Followed } from './followed';
import type { PositionEntry } from './position-file';
import { dirOf, type TailStream } from './tail-stream';

/**
 * The restart: at the first poll, every file known from the position file or from the sink's
 * committed offsets is resumed where its delivered lines end, also when it was rotated (renamed,
 * or cut by copytruncate) while the source was stopped.
 */
export class Restorer {
  constructor(
    private readonly followed: Followed,
    private readonly groups: FileGroups,
    private readonly copies: CopyTruncate,
    private readonly env: Pick<AgentEnv, 'counters' | 'log'>,
  ) {}

  /**
   * First poll: resume every file known from the position file or from the sink's committed
   * offsets at max(both), whether it is still at a watched path or was rotated away meanwhile.
   * Returns the entries of `loaded` that could not be positioned (the position file keeps them as they were).
   */
  async restore(found: Map<string, Found>, resumePositions: ReadonlyMap<string, number>, loaded: readonly PositionEntry[]): Promise<PositionEntry[]> {
    const { claims, highWater } = this.followed;
    const prefix = `${this.followed.nodeId}|`;
    const resume = new Map<string, number>();
    for (const [key, offset] of resumePositions) {
      if (!key.startsWith(prefix)) continue;
      resume.set(key.slice(prefix.length), offset);
      highWater.set(key.slice(prefix.length), offset);
    }

    const byIno = new Map<string, Found[]>();
    for (const f of found.values()) byIno.set(f.ino, [...(byIno.get(f.ino) ?? []), f]);
    const entries = new Map<string, { e: PositionEntry; f: Found; orphan: boolean }>();
    for (const e of loaded) {
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
        claims.set(f.id, { dev: f.dev, ino: f.ino, path: f.path, size: e.pos, owner: e.copyOf });
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
      if (claims.has(id)) continue;
      const f = found.get(id) ?? (await this.groups.findInWatchedDirs(id));
      if (f) await this.resume(f, !found.has(id), undefined, offset);
    }
    return failed;
  }

  /** A position-file entry's file that is not at a watched path: at its old path, or renamed in its directory. */
  private async locate(e: PositionEntry): Promise<Found | null> {
    const st = await stat(e.file, { bigint: true }).catch(() => null);
    if (st?.isFile() && String(st.ino) === e.inode && (e.dev === undefined || String(st.dev) === e.dev)) {
      const id = `${st.dev}:${st.ino}`;
      return { id, dev: String(st.dev), ino: e.inode, path: e.file, group: this.groups.groupOf(e.file), size: Number(st.size), mtime: st.mtimeNs };
    }
    return this.groups.findInode(dirOf(e.file), e.inode, e.dev);
  }

  /** Returns false when the file could not be positioned (its entry is then kept as it was). */
  private async resume(f: Found, orphan: boolean, e: PositionEntry | undefined, committed: number | undefined): Promise<boolean> {
    const followed = this.followed;
    if (followed.streams.has(followed.keyOf(f.id))) return true;
    const s = followed.addStream(f, orphan);
    s.restoring = true;
    if (e && orphan) s.watchedPath = e.file;
    try {
      if (!(await followed.reopen(s, f.path))) throw new Error(`cannot open ${f.path}`);
      await this.position(s, f, orphan, e, committed);
      return true;
    } catch (err) {
      const positioned = !s.restoring;
      if (!positioned) {
        followed.streams.delete(s.key);
        await followed.close(s);
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
      await startAt(s, base, 0);
    };
    if (!e) {
      // Only the sink's offset (no position file): it is physical unless the file was ever cut.
      if (await isLineStart(fh, L, size)) await startAt(s, 0, L);
      else await unmappable(L);
    } else if (e.cur !== undefined && L >= e.cur) {
      if (await isLineStart(fh, L - e.cur, size)) await startAt(s, e.cur, L - e.cur);
      else await unmappable(L);
    } else {
      const same = e.cur === undefined && (await holds(fh, e, size));
      if (same) {
        const phys = L > fromFile && (await isLineStart(fh, L - eBase, size)) ? L - eBase : e.pos;
        await startAt(s, eBase, phys);
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
    const copy = await this.copies.findCopy(s, e.pos, check);
    if (!copy) {
      this.env.log(
        'warn',
        `Taildir: ${s.path} was truncated or replaced while the source was stopped, and no rotated copy holding its content after byte ${e.pos} was found in ${dirOf(s.path)}; ` +
          'reading its current content from the start (what was written to the old content after the last delivered line is lost; lines may repeat if the position file was stale)',
        { file: s.path, pos: e.pos },
      );
      await startAt(s, Math.max(e.cur ?? 0, L), 0);
      return;
    }
    const next = e.cur ?? eBase + copy.size;
    if (L >= next) {
      // Everything in the copy was delivered: go on in the current content.
      this.followed.claims.set(copy.id, { dev: copy.dev, ino: copy.ino, path: copy.path, size: copy.size, owner: s.key });
      if (await isLineStart(fh, L - next, size)) {
        await startAt(s, next, L - next);
      } else {
        this.env.log('warn', `Taildir: resume offset ${L} of ${s.path} does not fall on a line of its current content; reading it from the start (lines may repeat)`, { file: s.path, offset: L });
        await startAt(s, Math.max(next, L), 0);
      }
      return;
    }
    // Lines up to L are skipped by the floor; the rest of the copy is read, then the current content.
    await this.copies.drainCopy(s, copy);
    await this.copies.endContent(s, next, copy.path);
    await this.copies.warnNewerCopies(s, copy);
  }
}

/** Whether an open file holds the content a position-file entry describes, as far as its `pos`. */
async function holds(fh: FileHandle, e: PositionEntry, size: number): Promise<boolean> {
  if (e.pos > size) return false;
  if (e.head !== undefined && hashBytes(await headBefore(fh, e.pos)) !== e.head) return false;
  return e.fp !== undefined ? hashBytes(await tailBefore(fh, e.pos)) === e.fp : isLineStart(fh, e.pos, size);
}
