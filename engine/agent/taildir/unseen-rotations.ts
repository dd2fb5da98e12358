import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { AgentEnv } from '../types';
import { HEAD_LEN, readAt, withFile } from './file-bytes';
import type { FileGroups } from './file-groups';
import type { Followed } from './followed';
import { dirOf, nameOf, stemOf } from './tail-stream';

/**
 * Rotations the source never saw: generations of a followed log rotated away (renamed, or copied and
 * truncated) before any poll saw them. Their lines cannot be read; a warning names the file holding them.
 */
export class UnseenRotations {
  /**
   * Per watched directory, the files in it as last listed (id → name), to tell a rotated file that
   * appeared without the source ever having followed its content (see checkUnseenRotations).
   * Undefined until the first poll took stock of what was already there.
   */
  private listed?: Map<string, Map<string, string>>;
  /** A rotation (rename, truncation, new file at a watched path) was noticed since the last check. */
  rotationNoticed = false;

  constructor(
    private readonly groups: FileGroups,
    private readonly followed: Followed,
    private readonly pollInterval: number,
    private readonly env: Pick<AgentEnv, 'log'>,
  ) {}

  get stockTaken(): boolean {
    return this.listed !== undefined;
  }

  /**
   * First poll: files that were in the watched directories before the source started are not news.
   * Those changed since (renamed or written while the first poll was on its way) are looked at.
   */
  async takeStock(startedAt: number): Promise<void> {
    const listed = new Map<string, Map<string, string>>();
    const since = BigInt(startedAt) * 1_000_000n;
    let changed = false;
    for (const dir of this.groups.dirs()) {
      const names = await readdir(dir).catch(() => null);
      if (!names) continue;
      const ids = await this.idsOf(dir, names, (name) => this.groups.unwatched(dir, name), since);
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
  async checkUnseenRotations(): Promise<void> {
    this.rotationNoticed = false;
    const listed = this.listed!;
    const { streams, claims } = this.followed;
    const stems = new Map<string, Set<string>>();
    for (const s of streams.values()) {
      const dir = dirOf(s.watchedPath);
      stems.set(dir, (stems.get(dir) ?? new Set()).add(stemOf(nameOf(s.watchedPath))));
    }
    for (const [dir, dirStems] of stems) {
      const names = await readdir(dir).catch(() => null);
      if (!names) continue;
      const before = listed.get(dir);
      const related = (name: string) => [...dirStems].some((stem) => name.startsWith(stem)) && this.groups.unwatched(dir, name);
      const { ids: now } = await this.idsOf(dir, names, related);
      // Files named otherwise keep what was known of them; gone ones are forgotten.
      const present = new Set(names);
      for (const [id, name] of before ?? []) if (!now.has(id) && present.has(name) && !related(name)) now.set(id, name);
      listed.set(dir, now);
      if (!before) continue; // a directory seen for the first time: taking stock
      for (const [id, name] of now) {
        if (before.has(id) || streams.has(this.followed.keyOf(id)) || claims.has(id) || !related(name)) continue;
        const path = join(dir, name);
        const head = await withFile(path, (fh) => readAt(fh, 0, HEAD_LEN)).catch(() => null);
        if (!head?.length) {
          now.delete(id); // empty, or a copy just begun: looked at again at the next rotation
          continue;
        }
        if (isCompressed(head) || this.readsContentLike(dir, head)) continue;
        const watched = [...streams.values()].find((s) => dirOf(s.watchedPath) === dir && name.startsWith(stemOf(nameOf(s.watchedPath))))?.watchedPath ?? dir;
        this.env.log(
          'warn',
          `Taildir: ${path} appeared since the last look, named like ${watched}, but holds content the source never read: a generation of ${watched} was ` +
            `rotated away (renamed, or copied and truncated) before a poll saw it, e.g. two rotations between two polls. Its lines are not read. ` +
            `Rotate less often than every pollInterval (${this.pollInterval} ms), or let the file group also match the rotated files.`,
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

  /** Whether some followed content in `dir` (current, or cut away earlier) begins like `head`. */
  private readsContentLike(dir: string, head: Buffer): boolean {
    for (const s of this.followed.streams.values()) {
      if (dirOf(s.path) !== dir && dirOf(s.watchedPath) !== dir) continue;
      for (const h of [s.head, ...s.past.map((p) => p.head)]) {
        const k = Math.min(HEAD_LEN, head.length, h.length);
        if (k > 0 && head.compare(h, 0, k, 0, k) === 0) return true;
      }
    }
    return false;
  }
}

/** gzip, bzip2, xz, zstd, lz4, zip: a compressed rotated file (logrotate compress), not unread log lines. */
const COMPRESSED = [[0x1f, 0x8b], [0x42, 0x5a, 0x68], [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00], [0x28, 0xb5, 0x2f, 0xfd], [0x04, 0x22, 0x4d, 0x18], [0x50, 0x4b, 0x03, 0x04]];
function isCompressed(head: Buffer): boolean {
  return COMPRESSED.some((magic) => head.length >= magic.length && magic.every((b, i) => head[i] === b));
}
