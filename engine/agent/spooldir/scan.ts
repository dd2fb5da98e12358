import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';

/** Suffix given to a file that changed after it was picked up (never ingested again, never deleted). */
export const CHANGED_SUFFIX = '.CHANGED';

export interface SpoolCandidate {
  path: string;
  name: string;
  dev: number;
  ino: number;
  size: number;
  mtimeMs: number;
}

export interface ScanRules {
  fileSuffix: string;
  /** Whole-name matches, as Java's Matcher.matches() in Flume. */
  include: RegExp;
  ignore: RegExp;
}

/** Java's matches(): the whole name. */
export const wholeName = (pattern: string) => new RegExp(`^(?:${pattern})$`);

/**
 * The files waiting in the spooling directory (Flume's rules): regular files (symlinks followed),
 * not hidden, not completed (`fileSuffix`) nor marked changed, matching `include` and not `ignore`.
 */
export async function scanSpoolDir(dir: string, rules: ScanRules): Promise<SpoolCandidate[]> {
  const names = await readdir(dir);
  const out: SpoolCandidate[] = [];
  for (const name of names) {
    if (name.startsWith('.') || name.endsWith(rules.fileSuffix) || name.endsWith(CHANGED_SUFFIX)) continue;
    if (!rules.include.test(name) || rules.ignore.test(name)) continue;
    const path = join(dir, name);
    try {
      const s = await stat(path);
      if (s.isFile()) out.push({ path, name, dev: s.dev, ino: s.ino, size: s.size, mtimeMs: s.mtimeMs });
    } catch {
      // gone since readdir
    }
  }
  return out;
}

/** The next file by Flume's consumeOrder; equal times go by name, so the order is deterministic. */
export function pickNext(candidates: SpoolCandidate[], order: 'oldest' | 'youngest' | 'random'): SpoolCandidate | undefined {
  if (candidates.length === 0) return undefined;
  if (order === 'random') return candidates[Math.floor(Math.random() * candidates.length)];
  const sign = order === 'oldest' ? 1 : -1;
  let best = candidates[0];
  for (const c of candidates) {
    const d = sign * (c.mtimeMs - best.mtimeMs) || (c.name < best.name ? -1 : c.name > best.name ? 1 : 0);
    if (d < 0) best = c;
  }
  return best;
}
