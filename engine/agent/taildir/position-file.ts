import { open, readFile, rename, mkdir, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { AgentLog } from '../types';

/**
 * One entry of the position file. `inode`, `pos` and `file` are Apache Flume's (TaildirSource reads
 * and writes exactly these, keyed by inode); the rest are Weir's and Flume ignores them.
 * `pos` is the physical byte position in the file's current content (Flume's meaning).
 */
export interface PositionEntry {
  /** Decimal digits: inodes can exceed 2^53, so they are never parsed as JS numbers. */
  inode: string;
  pos: number;
  file: string;
  /** Device (decimal digits); absent in Flume's files, then any device matches. */
  dev?: string;
  /** Logical offset of byte 0 of the content `pos` refers to (grows at each copytruncate). */
  base?: number;
  /** Hash of the (up to) 64 bytes before `pos`: tells whether the file still holds that content. */
  fp?: string;
  /** Hash of the first (up to) 256 bytes of that content, below `pos`: the same, from its start. */
  head?: string;
  /** When `pos` refers to content already truncated away: the logical base of the file's current content. */
  cur?: number;
  /** A rotated copy whose bytes were read as part of another file's stream (origin key); never read on its own. */
  copyOf?: string;
}

export class PositionFileError extends Error {}

/** Quotes the digits of "inode" and "dev" so that JSON.parse keeps every digit. */
const BIG_FIELDS = /"(inode|dev)"\s*:\s*(\d+)/g;

export function parsePositionFile(text: string): PositionEntry[] {
  if (!text.trim()) throw new PositionFileError('it is empty (a writer may have been interrupted)');
  let data: unknown;
  try {
    data = JSON.parse(text.replace(BIG_FIELDS, '"$1":"$2"'));
  } catch (e) {
    throw new PositionFileError(`it is not valid JSON (${(e as Error).message})`);
  }
  if (!Array.isArray(data)) throw new PositionFileError('it is not a JSON array of {"inode","pos","file"} objects');
  return data.map((raw, i) => {
    const where = `entry ${i}`;
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new PositionFileError(`${where} is not an object`);
    const o = raw as Record<string, unknown>;
    if (typeof o.inode !== 'string' || !/^\d+$/.test(o.inode)) throw new PositionFileError(`${where} has no numeric "inode"`);
    if (!isOffset(o.pos)) throw new PositionFileError(`${where} has no non-negative integer "pos"`);
    if (typeof o.file !== 'string') throw new PositionFileError(`${where} has no "file" path`);
    const e: PositionEntry = { inode: o.inode, pos: o.pos, file: o.file };
    if (typeof o.dev === 'string' && /^\d+$/.test(o.dev)) e.dev = o.dev;
    if (isOffset(o.base)) e.base = o.base;
    if (typeof o.fp === 'string' && /^[0-9a-f]{1,64}$/.test(o.fp)) e.fp = o.fp;
    if (typeof o.head === 'string' && /^[0-9a-f]{1,64}$/.test(o.head)) e.head = o.head;
    if (isOffset(o.cur)) e.cur = o.cur;
    if (typeof o.copyOf === 'string') e.copyOf = o.copyOf;
    return e;
  });
}

const isOffset = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;

/** Flume's layout (Gson, one line), numbers written digit for digit. */
export function formatPositionFile(entries: readonly PositionEntry[]): string {
  const parts = entries.map((e) => {
    let s = `{"inode":${e.inode},"pos":${e.pos},"file":${JSON.stringify(e.file)}`;
    if (e.dev !== undefined) s += `,"dev":${e.dev}`;
    if (e.base !== undefined) s += `,"base":${e.base}`;
    if (e.fp !== undefined) s += `,"fp":"${e.fp}"`;
    if (e.head !== undefined) s += `,"head":"${e.head}"`;
    if (e.cur !== undefined) s += `,"cur":${e.cur}`;
    if (e.copyOf !== undefined) s += `,"copyOf":${JSON.stringify(e.copyOf)}`;
    return `${s}}`;
  });
  return `[${parts.join(',')}]`;
}

/**
 * Reads the position file. Missing: no positions. Unreadable or corrupt: a warning naming the file
 * and the problem, the file is moved aside to `<file>.corrupt-<ts>`, and the source starts as if
 * there were none (never stops the agent).
 */
export async function loadPositionFile(path: string, log: AgentLog): Promise<PositionEntry[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return [];
    await setAside(path, `it cannot be read (${code ?? (e as Error).message})`, log);
    return [];
  }
  try {
    return parsePositionFile(text);
  } catch (e) {
    if (!(e instanceof PositionFileError)) throw e;
    await setAside(path, e.message, log);
    return [];
  }
}

async function setAside(path: string, problem: string, log: AgentLog): Promise<void> {
  const aside = `${path}.corrupt-${Date.now()}`;
  let moved = true;
  try {
    await rename(path, aside);
  } catch {
    moved = false;
  }
  log(
    'warn',
    `Taildir position file ${path} is unusable: ${problem}. ${moved ? `Moved it to ${aside}; ` : 'Could not move it aside; '}` +
      'starting from the positions the sink committed, or else from each file\'s start (end with skipToEnd).',
    { positionFile: path, problem, movedTo: moved ? aside : null },
  );
}

/** Atomic: a crash leaves either the old or the new file, never a torn one. */
export async function writePositionFile(path: string, entries: readonly PositionEntry[]): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.tmp-${process.pid}`;
  const fh = await open(tmp, 'w');
  try {
    await fh.writeFile(formatPositionFile(entries), 'utf8');
    await fh.sync();
  } finally {
    await fh.close();
  }
  try {
    await rename(tmp, path);
  } catch (e) {
    await unlink(tmp).catch(() => undefined);
    throw e;
  }
}
