import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** A spooled file that was picked up and is not yet completed (renamed or deleted). */
export interface TrackedFile {
  path: string;
  dev: number;
  ino: number;
  /** Size and modification time when picked up: only these bytes are read; a change is detected. */
  size: number;
  mtimeMs: number;
  /**
   * Added to byte positions to make origin offsets. 0 unless the file's device:inode was used
   * before (a deleted file's inode reused by a new file): then it continues above the offsets the
   * old file had, so origin offsets keep growing along the key and nothing of the new file is
   * taken as already delivered.
   */
  base: number;
  /** Highest origin offset known to be safe (delivered, or in a durable channel). */
  safe: number;
}

interface TrackerState {
  version: 1;
  files: TrackedFile[];
}

/**
 * The spooling directory source's own progress, a JSON file in the tracker folder (Flume keeps an
 * Avro `.flumespool-main.meta` there; this file has another name so neither misreads the other).
 * Written atomically (temp file + rename); writes are serialized and coalesced.
 */
export class SpoolTracker {
  private writing: Promise<void> = Promise.resolve();
  private pending = false;

  constructor(
    readonly dir: string,
    private readonly nodeId: string,
  ) {}

  get file(): string {
    return join(this.dir, `weir-spooldir-${this.nodeId.replace(/[^A-Za-z0-9_.-]/g, '_')}.json`);
  }

  /** The tracked files, or [] when there is no tracker yet; throws on an unreadable one. */
  async load(): Promise<TrackedFile[]> {
    await mkdir(this.dir, { recursive: true });
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw e;
    }
    const state = JSON.parse(text) as TrackerState;
    if (state.version !== 1 || !Array.isArray(state.files)) throw new Error(`unknown tracker format in ${this.file}`);
    return state.files;
  }

  /** Saves `snapshot()` soon; resolves once a save that includes the current state is done. */
  save(snapshot: () => TrackedFile[]): Promise<void> {
    if (this.pending) return this.writing;
    this.pending = true;
    // A failed save must not stop later ones; its caller gets the error.
    this.writing = this.writing.catch(() => undefined).then(async () => {
      this.pending = false;
      const state: TrackerState = { version: 1, files: snapshot() };
      const tmp = `${this.file}.tmp`;
      await writeFile(tmp, JSON.stringify(state));
      await rename(tmp, this.file);
    });
    return this.writing;
  }
}
