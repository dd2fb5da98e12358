import type { FileHandle } from 'node:fs/promises';
import { stat } from 'node:fs/promises';
import type { AgentEnv } from '../types';
import { hashBytes, headBefore, readAt, tailBefore, withFile } from './file-bytes';
import type { Followed } from './followed';
import { loadPositionFile, writePositionFile, type PositionEntry } from './position-file';
import type { Mark, TailStream } from './tail-stream';

/**
 * The position file as the source keeps it: loaded at start, then rewritten when it changes, with
 * only the offsets the agent reported safe.
 */
export class PositionSaver {
  /** Entries loaded at start and not (yet) restored: written back as they were. */
  loaded: PositionEntry[] = [];
  private writing?: Promise<void>;
  private lastWritten?: string;

  constructor(
    readonly posPath: string,
    private readonly followed: Followed,
    private readonly env: Pick<AgentEnv, 'counters' | 'log'>,
  ) {}

  async load(): Promise<void> {
    this.loaded = await loadPositionFile(this.posPath, this.env.log);
  }

  /** At stop: waits for a write in progress, then writes once more. */
  async saveLast(): Promise<void> {
    await this.writing;
    await this.savePositions();
  }

  /** Writes the safe positions (only those) when they changed; one write at a time. */
  savePositions(): Promise<void> {
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
    const { streams, claims, highWater } = this.followed;
    const entries: PositionEntry[] = [];
    // Entries of a restart interrupted by stop() are kept as they were.
    for (const e of this.loaded) {
      if (![...streams.values()].some((s) => !s.restoring && s.ino === e.inode && (e.dev === undefined || s.dev === e.dev))) entries.push(e);
    }
    for (const s of [...streams.values()]) {
      if (s.restoring) continue;
      s.past = s.past.filter((p) => p.end > s.safe);
      if (s.done && !s.past.length && s.safe >= s.base + s.linePos) {
        streams.delete(s.key);
        highWater.set(s.id, Math.max(highWater.get(s.id) ?? 0, s.base + s.readPos));
        continue;
      }
      entries.push(await this.entryOf(s));
    }
    for (const [id, c] of [...claims]) {
      const st = await stat(c.path, { bigint: true }).catch(() => null);
      if (!st || `${st.dev}:${st.ino}` !== id) {
        claims.delete(id);
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
