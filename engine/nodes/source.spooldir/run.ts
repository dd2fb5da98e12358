import { existsSync } from 'node:fs';
import { open, rename, stat, unlink } from 'node:fs/promises';
import { basename, isAbsolute, join, resolve } from 'node:path';
import { nodeConfig } from '../../agent/interceptors/node-config';
import { LineReader } from '../../agent/spooldir/line-reader';
import { CHANGED_SUFFIX, pickNext, scanSpoolDir, wholeName, type ScanRules } from '../../agent/spooldir/scan';
import { SpoolTracker, type TrackedFile } from '../../agent/spooldir/tracker';
import type { AgentEnv, FlumeEvent, Source, SourceContext, SourceFactory } from '../../agent/types';
import type { NodeRef } from '../../spec/plan';
import { maxLineLengthOf, spooldirSourceSpec, type SpooldirConfig } from './spec';

const PUT_RETRY_MS = 1_000;

/** The agent is stopping: leave the current file where it is; it resumes at the next start. */
class Stopping extends Error {}

/**
 * Flume SpoolDirectorySource. One file at a time, line by line; every event's origin is
 * `<node id>|<dev>:<ino>` at the byte position after its line (plus the file's base, see
 * TrackedFile). A file is completed (renamed with fileSuffix, or deleted) once the positions the
 * agent reports safe reach its last event, so a crash before that re-reads only what was not
 * delivered. Files read to the end but not yet safe stay in place, and the next file is read
 * meanwhile.
 */
export class SpooldirSource implements Source {
  private readonly c: SpooldirConfig;
  private readonly rules: ScanRules;
  private readonly tracker: SpoolTracker;
  private readonly maxLineLength: number;
  private readonly name: string;
  /** Picked-up files not completed yet, by origin key. */
  private readonly tracked = new Map<string, TrackedFile>();
  /** Read to the end; completed once safe. */
  private readonly readToEnd = new Set<string>();
  private readonly changed = new Set<string>();
  /** Highest offset handed on in this run, per key. */
  private readonly emitted = new Map<string, number>();
  /** Highest offset known safe, per key (resume positions, then what the agent reports). */
  private readonly safe = new Map<string, number>();
  private readonly completing = new Set<string>();
  private readonly logged = new Set<string>();
  private running = false;
  private stopped = false;
  /** The tracker was read: from then on it may be written. */
  private loaded = false;
  private loop?: Promise<void>;
  private completions: Promise<void> = Promise.resolve();
  private readonly stopping = new AbortController();

  constructor(
    private readonly node: NodeRef,
    private readonly env: AgentEnv,
  ) {
    this.c = nodeConfig(spooldirSourceSpec, node);
    this.rules = { fileSuffix: this.c.fileSuffix, include: wholeName(this.c.includePattern), ignore: wholeName(this.c.ignorePattern) };
    const trackerDir = isAbsolute(this.c.trackerDir) ? this.c.trackerDir : join(this.c.spoolDir, this.c.trackerDir);
    this.tracker = new SpoolTracker(trackerDir, node.id);
    this.maxLineLength = maxLineLengthOf(this.c);
    this.name = `spooldir source "${node.id}"`;
    for (const k of ['EventReceivedCount', 'EventAcceptedCount', 'AppendBatchReceivedCount', 'AppendBatchAcceptedCount', 'FilesCompletedCount', 'FilesChangedCount', 'LinesTruncatedCount']) {
      env.counters[k] ??= 0;
    }
  }

  start(ctx: SourceContext): void {
    this.running = true;
    for (const [key, offset] of ctx.resumePositions) if (key.startsWith(`${this.node.id}|`)) this.raise(this.safe, key, offset);
    ctx.onSafePositions((positions) => {
      if (this.stopped) return;
      let any = false;
      for (const [key, offset] of positions) {
        this.raise(this.safe, key, offset);
        const t = this.tracked.get(key);
        if (t && offset > t.safe) {
          t.safe = offset;
          any = true;
        }
      }
      if (any) void this.saveTracker();
      this.completeReady();
    });
    this.loop = this.run(ctx);
  }

  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.stopping.abort();
    await this.loop;
    this.stopped = true;
    await this.completions;
    await this.saveTracker();
  }

  private async run(ctx: SourceContext) {
    if (!(await this.loadTracker())) return;
    while (this.running) {
      try {
        this.completeReady();
        const file = await this.nextFile();
        if (!file) {
          await this.sleep(this.c.pollDelay);
          continue;
        }
        await this.ingest(file, ctx);
      } catch (e) {
        if (e instanceof Stopping) break;
        this.logOnce('error', `${this.name}: ${(e as Error).message}`);
        await this.sleep(this.c.pollDelay);
      }
    }
  }

  private async loadTracker(): Promise<boolean> {
    while (this.running) {
      try {
        // Flume needs the folder to exist; creating a relative tracker folder must not create it.
        if (!(await stat(this.c.spoolDir)).isDirectory()) throw new Error(`spoolDir "${this.c.spoolDir}" is not a folder`);
        for (const t of await this.tracker.load()) {
          const key = this.key(t.dev, t.ino);
          this.tracked.set(key, t);
          this.raise(this.safe, key, t.safe);
        }
        this.loaded = true;
        return true;
      } catch (e) {
        if (e instanceof SyntaxError || /unknown tracker format/.test((e as Error).message)) {
          // Unreadable progress: start over. Files in progress are read again from their start
          // (duplicates, which exactly-once sinks drop by offset), never skipped.
          this.env.log('error', `${this.name}: the progress file ${this.tracker.file} is unreadable (${(e as Error).message}); starting without it.`);
          await rename(this.tracker.file, `${this.tracker.file}.unreadable`).catch(() => undefined);
          this.loaded = true;
          return true;
        }
        this.logOnce('error', `${this.name}: cannot start on spoolDir "${this.c.spoolDir}" (tracker folder ${this.tracker.dir}): ${(e as Error).message}`);
        await this.sleep(this.c.pollDelay);
      }
    }
    return false;
  }

  /** A file picked up before (this run or the last) and not read to the end, else the next new one. */
  private async nextFile(): Promise<TrackedFile | undefined> {
    for (const [key, t] of this.tracked) {
      if (this.readToEnd.has(key)) continue;
      const s = await stat(t.path).catch(() => undefined);
      if (s && s.dev === t.dev && s.ino === t.ino) return t;
      this.env.log('warn', `${this.name}: "${t.path}" was moved or deleted by someone else before it was fully ingested; forgetting it.`);
      this.forget(key);
    }
    const candidates = await scanSpoolDir(this.c.spoolDir, this.rules).catch((e: Error) => {
      throw new Error(`cannot read spoolDir "${this.c.spoolDir}": ${e.message}`);
    });
    // The folder is readable again: report its next problem afresh.
    for (const m of this.logged) if (m.includes('cannot read spoolDir')) this.logged.delete(m);
    const next = pickNext(
      candidates.filter((f) => !this.tracked.has(this.key(f.dev, f.ino))),
      this.c.consumeOrder,
    );
    if (!next) return undefined;
    const key = this.key(next.dev, next.ino);
    // A device:inode seen before belongs to a deleted file whose inode was reused: continue above it.
    const base = Math.max(0, this.safe.get(key) ?? 0, this.emitted.get(key) ?? 0);
    const t: TrackedFile = { path: next.path, dev: next.dev, ino: next.ino, size: next.size, mtimeMs: next.mtimeMs, base, safe: base };
    this.tracked.set(key, t);
    await this.saveTracker(); // before any event of it leaves, so a restart knows its base
    return t;
  }

  private async ingest(t: TrackedFile, ctx: SourceContext) {
    const key = this.key(t.dev, t.ino);
    const fh = await open(t.path, 'r');
    let truncated = 0;
    try {
      const s = await fh.stat();
      if (s.dev !== t.dev || s.ino !== t.ino) return; // replaced since the scan: next round sees the new file
      const changedBefore = s.size !== t.size || s.mtimeMs !== t.mtimeMs;
      const from = Math.min(t.size, Math.max(0, Math.max(t.safe, this.safe.get(key) ?? 0) - t.base));
      const reader = new LineReader(fh, from, Math.min(t.size, s.size), this.c.inputCharset, this.maxLineLength);
      const headers: Record<string, string> = {};
      if (this.c.fileHeader) headers[this.c.fileHeaderKey] = resolve(t.path);
      if (this.c.basenameHeader) headers[this.c.basenameHeaderKey] = basename(t.path);
      for (;;) {
        if (!this.running) throw new Stopping();
        const lines = await reader.next(this.c.batchSize);
        if (lines.length === 0) break;
        const events: FlumeEvent[] = [];
        for (const line of lines) {
          if (line.text === '') continue;
          const h = { ...headers };
          if (line.truncated) {
            h.truncated = 'true';
            truncated++;
          }
          events.push({ headers: h, body: line.text, origin: { key, offset: t.base + line.end } });
        }
        if (events.length) {
          await this.put(ctx, events);
          this.raise(this.emitted, key, events[events.length - 1].origin!.offset);
        }
      }
      const after = await fh.stat();
      if (changedBefore || after.size !== t.size || after.mtimeMs !== t.mtimeMs) this.markChanged(key, t, after.size);
      this.readToEnd.add(key);
    } finally {
      await fh.close();
      if (truncated) {
        this.env.counters.LinesTruncatedCount += truncated;
        this.env.log('warn', `${this.name}: ${truncated} lines of "${t.path}" were longer than ${this.maxLineLength} characters and were cut (header truncated=true).`);
      }
    }
    this.completeReady();
  }

  private async put(ctx: SourceContext, events: FlumeEvent[]) {
    const counters = this.env.counters;
    counters.EventReceivedCount += events.length;
    counters.AppendBatchReceivedCount++;
    for (;;) {
      try {
        await ctx.put(events);
        counters.EventAcceptedCount += events.length;
        counters.AppendBatchAcceptedCount++;
        return;
      } catch (e) {
        if (!this.running || ctx.signal.aborted) throw new Stopping();
        this.env.log('error', `${this.name}: handing ${events.length} events to the channel failed, retrying in ${PUT_RETRY_MS} ms: ${(e as Error).message}`);
        await this.sleep(PUT_RETRY_MS);
      }
    }
  }

  private markChanged(key: string, t: TrackedFile, sizeNow: number) {
    if (this.changed.has(key)) return;
    this.changed.add(key);
    this.env.log(
      'error',
      `${this.name}: "${t.path}" changed after it was picked up (size ${t.size} → ${sizeNow} bytes, or modified in place); spooled files must be complete ` +
        `and unchanged once moved in. Its first ${t.size} bytes were ingested; it will be renamed with ${CHANGED_SUFFIX}, not ${this.c.fileSuffix}.`,
      { file: t.path },
    );
  }

  /** Completes the files read to the end whose last event is safe (or that had nothing to send). */
  private completeReady() {
    for (const key of this.readToEnd) {
      if (this.completing.has(key)) continue;
      const last = this.emitted.get(key);
      const t = this.tracked.get(key);
      if (!t || (last !== undefined && last > t.base && (this.safe.get(key) ?? -1) < last)) continue;
      this.completing.add(key);
      this.completions = this.completions.then(() => this.complete(key, t)).finally(() => this.completing.delete(key));
    }
  }

  private async complete(key: string, t: TrackedFile) {
    if (this.stopped) return;
    try {
      const s = await stat(t.path).catch(() => undefined);
      if (!s || s.dev !== t.dev || s.ino !== t.ino) {
        this.env.log('warn', `${this.name}: "${t.path}" was moved or deleted by someone else before it could be completed.`);
      } else {
        if (s.size !== t.size || s.mtimeMs !== t.mtimeMs) this.markChanged(key, t, s.size);
        if (this.changed.has(key)) {
          await rename(t.path, this.freeName(t.path, CHANGED_SUFFIX));
          this.env.counters.FilesChangedCount++;
        } else if (this.c.deletePolicy === 'immediate') {
          await unlink(t.path);
          this.env.counters.FilesCompletedCount++;
        } else {
          await rename(t.path, this.freeName(t.path, this.c.fileSuffix));
          this.env.counters.FilesCompletedCount++;
        }
      }
      this.forget(key);
      await this.saveTracker();
    } catch (e) {
      // Stays read-to-end: tried again on the next poll.
      this.logOnce('error', `${this.name}: cannot complete "${t.path}": ${(e as Error).message}`);
    }
  }

  /** `path + suffix`, or with a number before the suffix when that name is taken (never overwrite). */
  private freeName(path: string, suffix: string): string {
    let target = path + suffix;
    for (let i = 1; existsSync(target); i++) target = `${path}.${i}${suffix}`;
    if (target !== path + suffix) {
      this.env.log('warn', `${this.name}: "${path}${suffix}" already exists (a file name was reused); "${path}" becomes "${target}".`);
    }
    return target;
  }

  private forget(key: string) {
    this.tracked.delete(key);
    this.readToEnd.delete(key);
    this.changed.delete(key);
  }

  private async saveTracker() {
    if (!this.loaded) return;
    try {
      await this.tracker.save(() => [...this.tracked.values()].map((t) => ({ ...t })));
    } catch (e) {
      this.logOnce('error', `${this.name}: cannot write the progress file ${this.tracker.file}: ${(e as Error).message}`);
    }
  }

  private key(dev: number, ino: number) {
    return `${this.node.id}|${dev}:${ino}`;
  }

  private raise(map: Map<string, number>, key: string, offset: number) {
    if ((map.get(key) ?? -Infinity) < offset) map.set(key, offset);
  }

  /** The same problem is logged once until things work again. */
  private logOnce(level: 'warn' | 'error', message: string) {
    if (this.logged.has(message)) return;
    this.logged.add(message);
    this.env.log(level, message);
  }

  private sleep(ms: number) {
    const signal = this.stopping.signal;
    return new Promise<void>((done) => {
      if (signal.aborted) return done();
      const onAbort = () => (clearTimeout(t), done());
      const t = setTimeout(() => (signal.removeEventListener('abort', onAbort), done()), ms);
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }
}

export const createSpooldirSource: SourceFactory = (node, env) => new SpooldirSource(node, env);
