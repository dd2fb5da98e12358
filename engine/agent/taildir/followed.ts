import type { FileHandle } from 'node:fs/promises';
import { open } from 'node:fs/promises';
import type { AgentEnv } from '../types';
import { HEAD_LEN, hashBytes, readAt, tailBefore } from './file-bytes';
import type { Found } from './file-groups';
import { TailStream } from './tail-stream';

/** A rotated copy whose content belongs to another file's stream: never read on its own. */
export interface Claim {
  dev: string;
  ino: string;
  path: string;
  size: number;
  owner: string;
}

/** Thrown out of a read or a put once the source stops: ends the pass, it is not a failure. */
export class Stopping extends Error {}

/**
 * What the source follows, shared by its parts (reading, discovery, copytruncate, restart, position
 * file): a stream per file by origin key `<node>|<dev>:<ino>`, the rotated copies claimed by those
 * streams, and the highest offset per file identity.
 */
export class Followed {
  readonly streams = new Map<string, TailStream>();
  readonly claims = new Map<string, Claim>();
  /**
   * Per file identity, the highest offset ever handed out or committed. A new file that reuses the
   * inode of a deleted one continues above it, or the sink would drop its lines as duplicates.
   */
  readonly highWater = new Map<string, number>();

  constructor(
    readonly nodeId: string,
    private readonly maxLineLength: number,
    private readonly env: Pick<AgentEnv, 'counters' | 'log'>,
  ) {}

  keyOf(id: string): string {
    return `${this.nodeId}|${id}`;
  }

  addStream(f: Found, orphan: boolean): TailStream {
    const s = new TailStream(this.keyOf(f.id), f.dev, f.ino, f.path, f.group, this.maxLineLength);
    s.orphan = orphan;
    this.streams.set(s.key, s);
    return s;
  }

  async reopen(s: TailStream, path: string): Promise<boolean> {
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

  async close(s: TailStream): Promise<void> {
    const fh = s.fh;
    s.fh = null;
    await fh?.close().catch(() => undefined);
  }

  readFail(s: TailStream, e: unknown): void {
    this.env.counters.EventReadFailCount++;
    this.env.log('error', `Taildir: cannot read ${s.path}: ${(e as Error).message}; will try again`, { file: s.path, error: String(e) });
  }
}

/** Positions a freshly opened stream at physical `phys` of content whose byte 0 is logical `base`. */
export async function startAt(s: TailStream, base: number, phys: number): Promise<void> {
  const fh = s.fh!;
  s.base = base;
  s.readPos = s.linePos = phys;
  s.fp = await tailBefore(fh, phys);
  s.head = await readAt(fh, 0, Math.min(phys, HEAD_LEN));
  s.maxSize = phys;
  s.mark = phys ? { at: base + phys, hash: hashBytes(s.fp), head: hashBytes(s.head) } : { at: base };
  s.restoring = false;
}
