import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { TaildirConfig } from '../../nodes/source.taildir/spec';
import { parseFilegroupPath } from '../../nodes/source.taildir/pattern';
import { WeirError } from '../../spec/errors';
import type { AgentEnv } from '../types';
import { dirOf, nameOf } from './tail-stream';

/** A watched file as the directory scan saw it. */
export interface Found {
  id: string;
  dev: string;
  ino: string;
  path: string;
  group: string;
  size: number;
  mtime: bigint;
}

export interface Group {
  name: string;
  dir: string;
  matches(fileName: string): boolean;
  headers: Record<string, string>;
}

/** The configured file groups: which files of which directories are watched, and which are there now. */
export class FileGroups {
  private readonly groups: Group[] = [];
  private readonly warnedDirs = new Set<string>();

  constructor(
    c: Pick<TaildirConfig, 'filegroups' | 'headers'>,
    private readonly posPath: string,
    private readonly env: Pick<AgentEnv, 'log'>,
  ) {
    for (const [name, path] of Object.entries(c.filegroups)) {
      const p = parseFilegroupPath(path);
      if (!p.ok) throw new WeirError('taildir_bad_filegroup', `filegroups.${name}: ${p.message}`, { details: { group: name, path } });
      this.groups.push({ name, dir: p.dir, matches: p.matches, headers: c.headers[name] ?? {} });
    }
  }

  /** The watched directories, each once. */
  dirs(): Set<string> {
    return new Set(this.groups.map((g) => g.dir));
  }

  /** The group whose directory and pattern match `path`, if any. */
  groupAt(path: string): Group | undefined {
    return this.groups.find((g) => g.dir === dirOf(path) && g.matches(nameOf(path)));
  }

  groupOf(path: string): string {
    const g = this.groupAt(path);
    return (g ?? this.groups[0]).name;
  }

  groupHeaders(group: string): Record<string, string> {
    return this.groups.find((g) => g.name === group)?.headers ?? {};
  }

  /** Not matched by a file group (those are followed, or claimed as copies) and not the position file. */
  unwatched(dir: string, name: string): boolean {
    return !this.groups.some((g) => g.dir === dir && g.matches(name)) && !join(dir, name).startsWith(this.posPath);
  }

  /** The regular files the groups match now, by id (device:inode); a file matched by two groups goes to the first. */
  async scan(): Promise<Map<string, Found>> {
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

  /** The file with this inode (and device, if given) in `dir`, whatever its name now. */
  async findInode(dir: string, ino: string, dev?: string): Promise<Found | null> {
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

  /** The file with this id in any watched directory, whatever its name now. */
  async findInWatchedDirs(id: string): Promise<Found | null> {
    for (const dir of this.dirs()) {
      const [dev, ino] = id.split(':');
      const f = await this.findInode(dir, ino, dev);
      if (f) return f;
    }
    return null;
  }
}
