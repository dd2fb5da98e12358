import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { nodeRef, testEnv, testSourceContext, until } from '../../agent/interceptors/test-env';
import type { FlumeEvent } from '../../agent/types';
import { createSpooldirSource } from './run';
import { spooldirSourceSpec } from './spec';

const root = mkdtempSync(join(tmpdir(), 'weir-spool-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const freshDir = () => {
  const d = join(root, `s${n++}`);
  mkdirSync(d);
  return d;
};
const lines = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => `line ${from + i}`);
const write = (dir: string, name: string, content: string | Buffer, mtimeSec?: number) => {
  const p = join(dir, name);
  writeFileSync(p, content);
  if (mtimeSec !== undefined) utimesSync(p, mtimeSec, mtimeSec);
  return p;
};
const keyOf = (id: string, path: string) => {
  const s = statSync(path);
  return `${id}|${s.dev}:${s.ino}`;
};

const start = (dir: string, config: Record<string, unknown> = {}, resume = new Map<string, number>()) => {
  const { env, logs } = testEnv();
  const source = createSpooldirSource(nodeRef('r1', 'source.spooldir', spooldirSourceSpec.config.parse({ spoolDir: dir, pollDelay: 20, ...config })), env);
  const t = testSourceContext(resume);
  source.start(t.ctx);
  return { source, env, logs, ...t };
};
const bodies = (events: FlumeEvent[]) => events.map((e) => e.body);

describe('source.spooldir', () => {
  it('ingests files oldest first, line by line, and completes each once its events are safe', async () => {
    const dir = freshDir();
    const b = write(dir, 'b.log', lines(3, 4).join('\n') + '\n', 1_000);
    const a = write(dir, 'a.log', lines(1, 2).join('\r\n') + '\r\n', 2_000);
    const c = write(dir, 'c.log', 'line 5\n\nline 6', 3_000); // empty line skipped; last line without newline
    const keyB = keyOf('r1', b);
    const s = start(dir, { batchSize: 2, fileHeader: true, basenameHeader: true });
    await until(() => s.events.length === 6);
    expect(bodies(s.events)).toEqual(['line 3', 'line 4', 'line 1', 'line 2', 'line 5', 'line 6']);
    expect(s.events[0]).toEqual({ headers: { file: b, basename: 'b.log' }, body: 'line 3', origin: { key: keyB, offset: 7 } });
    expect(s.events[1].origin).toEqual({ key: keyB, offset: 14 });
    expect(s.events.at(-1)!.origin!.offset).toBe(statSync(c).size);
    // Not completed before the agent says the events are safe.
    await new Promise((r) => setTimeout(r, 60));
    expect(readdirSync(dir).sort()).toEqual(['.flumespool', 'a.log', 'b.log', 'c.log']);
    s.safeAll();
    await until(() => readdirSync(dir).filter((f) => f.endsWith('.COMPLETED')).length === 3);
    expect(existsSync(a)).toBe(false);
    expect(readFileSync(`${b}.COMPLETED`, 'utf8')).toBe('line 3\nline 4\n');
    await new Promise((r) => setTimeout(r, 60)); // a few more polls: nothing ingested again
    await s.source.stop();
    expect(s.events).toHaveLength(6);
    expect(s.env.counters).toMatchObject({ EventReceivedCount: 6, EventAcceptedCount: 6, AppendBatchAcceptedCount: 4, FilesCompletedCount: 3 });
  });

  it('deletes completed files with deletePolicy immediate, and completes an empty file at once', async () => {
    const dir = freshDir();
    write(dir, 'empty.log', '');
    write(dir, 'x.log', 'one\ntwo\n');
    const s = start(dir, { deletePolicy: 'immediate' });
    await until(() => s.events.length === 2);
    await until(() => !existsSync(join(dir, 'empty.log')));
    expect(existsSync(join(dir, 'x.log'))).toBe(true);
    s.safeAll();
    await until(() => !existsSync(join(dir, 'x.log')));
    await s.source.stop();
    expect(readdirSync(dir)).toEqual(['.flumespool']);
  });

  it('never ingests completed, hidden, ignored or not-included files', async () => {
    const dir = freshDir();
    write(dir, 'done.log.COMPLETED', 'old\n');
    write(dir, 'odd.log.CHANGED', 'old\n');
    write(dir, '.hidden.log', 'old\n');
    write(dir, 'skip.tmp', 'old\n');
    write(dir, 'notes.txt', 'old\n');
    write(dir, 'new.log', 'new\n');
    const s = start(dir, { includePattern: '.*\\.(log|tmp)', ignorePattern: '.*\\.tmp' });
    await until(() => s.events.length === 1);
    await new Promise((r) => setTimeout(r, 60));
    await s.source.stop();
    expect(bodies(s.events)).toEqual(['new']);
  });

  it('resumes exactly after a restart mid-file: what was safe is not sent again, nothing is lost', async () => {
    const dir = freshDir();
    const p = write(dir, 'big.log', lines(1, 10).join('\n') + '\n');
    const key = keyOf('r1', p);
    const s1 = start(dir, { batchSize: 3 });
    // The agent takes two batches, then stalls (a full channel) until it stops.
    const put = s1.ctx.put;
    s1.ctx.put = async (batch) => {
      if (s1.events.length >= 6) await new Promise((r) => s1.ctx.signal.addEventListener('abort', r));
      return put(batch);
    };
    await until(() => s1.events.length === 6);
    s1.safe(new Map([[key, s1.events[3].origin!.offset]])); // the sink delivered lines 1-4
    s1.abort.abort();
    await s1.source.stop();
    expect(existsSync(p)).toBe(true);

    // Restart with only the tracker (e.g. a sink that keeps no positions).
    const s2 = start(dir, { batchSize: 3 });
    await until(() => s2.events.length === 6);
    s2.safeAll();
    await until(() => existsSync(`${p}.COMPLETED`));
    await s2.source.stop();
    expect(bodies(s2.events)).toEqual(lines(5, 10));
    expect(s2.events[0].origin).toEqual(s1.events[4].origin);
    expect(s2.events[0].origin!.key).toBe(key);
  });

  it('resumes from ctx.resumePositions when they are ahead of its tracker', async () => {
    const dir = freshDir();
    const p = write(dir, 'f.log', lines(1, 8).join('\n') + '\n');
    const key = keyOf('r1', p);
    const s1 = start(dir, { batchSize: 2 });
    const put = s1.ctx.put;
    s1.ctx.put = async (batch) => {
      if (s1.events.length >= 6) await new Promise((r) => s1.ctx.signal.addEventListener('abort', r));
      return put(batch);
    };
    await until(() => s1.events.length === 6);
    s1.abort.abort();
    await s1.source.stop(); // the tracker knows nothing safe

    // The sink's Kafka transactions committed up to line 6.
    const s2 = start(dir, { batchSize: 2 }, new Map([[key, s1.events[5].origin!.offset]]));
    await until(() => s2.events.length === 2);
    s2.safeAll();
    await until(() => existsSync(`${p}.COMPLETED`));
    await s2.source.stop();
    expect(bodies(s2.events)).toEqual(['line 7', 'line 8']);
  });

  it('reads a file that was read to the end but not yet safe at stop again, from its safe position', async () => {
    const dir = freshDir();
    const p = write(dir, 'f.log', lines(1, 4).join('\n') + '\n');
    const key = keyOf('r1', p);
    const s1 = start(dir, { batchSize: 2 });
    await until(() => s1.events.length === 4);
    s1.safe(new Map([[key, s1.events[1].origin!.offset]]));
    await s1.source.stop();
    expect(existsSync(p)).toBe(true);
    const tracker = JSON.parse(readFileSync(join(dir, '.flumespool', 'weir-spooldir-r1.json'), 'utf8'));
    expect(tracker.files).toMatchObject([{ path: p, base: 0, safe: s1.events[1].origin!.offset, size: 28 }]);

    const s2 = start(dir, { batchSize: 2 });
    await until(() => s2.events.length === 2);
    s2.safeAll();
    await until(() => existsSync(`${p}.COMPLETED`));
    await s2.source.stop();
    expect(bodies(s2.events)).toEqual(['line 3', 'line 4']);
  });

  it('starts over, with a logged error, when its progress file is unreadable', async () => {
    const dir = freshDir();
    mkdirSync(join(dir, '.flumespool'));
    writeFileSync(join(dir, '.flumespool', 'weir-spooldir-r1.json'), '{ not json');
    write(dir, 'f.log', 'x\n');
    const s = start(dir);
    await until(() => s.events.length === 1);
    await s.source.stop();
    expect(s.logs.find((l) => l.level === 'error')?.message).toMatch(/progress file .*weir-spooldir-r1.json is unreadable/);
    expect(existsSync(join(dir, '.flumespool', 'weir-spooldir-r1.json.unreadable'))).toBe(true);
  });

  it('does not skip a new file whose device:inode had offsets before (inode reused)', async () => {
    const dir = freshDir();
    const p = write(dir, 'reused.log', 'a\nb\n');
    const key = keyOf('r1', p);
    const s = start(dir, {}, new Map([[key, 1_000]])); // a deleted file once had this inode
    await until(() => s.events.length === 2);
    await s.source.stop();
    expect(s.events.map((e) => e.origin)).toEqual([
      { key, offset: 1_002 },
      { key, offset: 1_004 },
    ]);
  });

  it('reads a file that changes after pickup as it was, logs an error naming it and renames it .CHANGED', async () => {
    const dir = freshDir();
    const p = write(dir, 'grows.log', 'one\ntwo\n');
    const s = start(dir, { batchSize: 1 });
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    const put = s.ctx.put;
    s.ctx.put = async (batch) => (await held, put(batch));
    await until(() => s.env.counters.AppendBatchReceivedCount === 1);
    appendFileSync(p, 'three\n');
    release();
    await until(() => s.logs.some((l) => l.level === 'error'));
    const error = s.logs.find((l) => l.level === 'error')!;
    expect(error.message).toContain(`"${p}" changed after it was picked up (size 8 → 14 bytes`);
    s.safeAll();
    await until(() => existsSync(`${p}.CHANGED`));
    await new Promise((r) => setTimeout(r, 60));
    await s.source.stop();
    expect(bodies(s.events)).toEqual(['one', 'two']);
    expect(existsSync(`${p}.COMPLETED`)).toBe(false);
    expect(s.env.counters.FilesChangedCount).toBe(1);
  });

  it('decodes invalid UTF-8 with replacement characters, and other charsets', async () => {
    const dir = freshDir();
    write(dir, 'a.log', Buffer.from([0x6f, 0x6b, 0xff, 0x0a, 0xe4, 0xb8, 0x0a, 0xe4, 0xb8, 0xad, 0x0a]), 1);
    const s = start(dir);
    await until(() => s.events.length === 3);
    await s.source.stop();
    expect(bodies(s.events)).toEqual(['ok\uFFFD', '\uFFFD', '中']);
    expect(s.events.map((e) => e.origin!.offset)).toEqual([4, 7, 11]);

    const gbkDir = freshDir();
    write(gbkDir, 'g.log', Buffer.from([0xd6, 0xd0, 0xce, 0xc4, 0x0a]));
    const g = start(gbkDir, { inputCharset: 'GBK' });
    await until(() => g.events.length === 1);
    await g.source.stop();
    expect(g.events[0].body).toBe('中文');
  });

  it('cuts lines longer than maxLineLength and marks them truncated, keeping byte offsets exact', async () => {
    const dir = freshDir();
    const long = '中'.repeat(5_000);
    write(dir, 'long.log', `short\n${long}\nafter\n${'x'.repeat(30)}`);
    const s = start(dir, { 'deserializer.maxLineLength': 10 });
    await until(() => s.events.length === 4);
    await s.source.stop();
    expect(bodies(s.events)).toEqual(['short', '中'.repeat(10), 'after', 'x'.repeat(10)]);
    expect(s.events.map((e) => e.headers.truncated)).toEqual([undefined, 'true', undefined, 'true']);
    expect(s.events.map((e) => e.origin!.offset)).toEqual([6, 6 + 15_001, 6 + 15_001 + 6, 6 + 15_001 + 6 + 30]);
    expect(s.env.counters.LinesTruncatedCount).toBe(2);
    expect(s.logs.some((l) => /2 lines of .* were longer than 10 characters/.test(l.message))).toBe(true);
  });

  it('logs a missing spoolDir once, without crashing, and stops cleanly', async () => {
    const dir = join(root, 'missing');
    const s = start(dir);
    await new Promise((r) => setTimeout(r, 100));
    await s.source.stop();
    const errors = s.logs.filter((l) => l.level === 'error');
    expect(errors).toHaveLength(1);
    expect(errors[0].message).toMatch(/spooldir source "r1": cannot start on spoolDir ".*missing".*ENOENT/);
    expect(existsSync(dir)).toBe(false);
  });

  it('refuses bad configs with clear messages', () => {
    const issue = (config: Record<string, unknown>) => spooldirSourceSpec.config.safeParse({ spoolDir: '/x', ...config }).error?.issues[0];
    expect(spooldirSourceSpec.config.safeParse({}).success).toBe(false);
    expect(issue({ includePattern: '(' })?.message).toMatch(/"\(" is not a valid regular expression/);
    expect(issue({ inputCharset: 'UTF-16LE' })?.message).toMatch(/UTF-16 is not supported/);
    expect(issue({ inputCharset: 'nope' })?.message).toMatch(/not a known charset/);
    expect(issue({ maxLineLength: 5, 'deserializer.maxLineLength': 6 })?.message).toMatch(/differs/);
    expect(issue({ deletePolicy: 'later' })?.path).toEqual(['deletePolicy']);
  });
});
