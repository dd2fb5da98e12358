import type { TaildirConfig } from '../../nodes/source.taildir/spec';
import type { AgentEnv } from '../types';
import { FP_LEN, HEAD_LEN, lastLineEnd, readAt, withFile } from './file-bytes';
import type { Found } from './file-groups';
import { startAt, type Followed } from './followed';
import { TailStream, dirOf } from './tail-stream';
import type { UnseenRotations } from './unseen-rotations';

/** New files at watched paths: followed from their start (or end, with skipToEnd), unless they are copies of content already followed. */
export class Discovery {
  private readonly undecided = new Set<string>();

  constructor(
    private readonly followed: Followed,
    private readonly rotations: Pick<UnseenRotations, 'rotationNoticed'>,
    private readonly c: Pick<TaildirConfig, 'skipToEnd' | 'maxLineLength'>,
    private readonly env: Pick<AgentEnv, 'log'>,
  ) {}

  async discover(f: Found, first: boolean): Promise<TailStream | null> {
    // An empty file may be a copy being written: decide once it has content.
    if (f.size === 0) return null;
    const owner = await this.copyOwner(f);
    if (owner === 'undecided' && !this.undecided.has(f.id)) {
      this.undecided.add(f.id);
      return null;
    }
    this.undecided.delete(f.id);
    if (owner instanceof TailStream) {
      this.followed.claims.set(f.id, { dev: f.dev, ino: f.ino, path: f.path, size: f.size, owner: owner.key });
      this.env.log('info', `Taildir: ${f.path} is a copy of ${owner.path}, which is already followed; not reading it on its own`, { file: f.path, copyOf: owner.path });
      return null;
    }
    const s = this.followed.addStream(f, false);
    if (!(await this.followed.reopen(s, f.path))) {
      this.followed.streams.delete(s.key);
      return null;
    }
    const phys = first && this.c.skipToEnd ? await lastLineEnd(s.fh!, f.size, this.c.maxLineLength + 2) : 0;
    const base = this.followed.highWater.get(f.id) ?? 0;
    await startAt(s, base, phys);
    s.safe = base + phys;
    if (!first) this.rotations.rotationNoticed = true;
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
    const owners = [...this.followed.streams.values()].filter((s) => s.id !== f.id && dirOf(s.path) === dir);
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
}
