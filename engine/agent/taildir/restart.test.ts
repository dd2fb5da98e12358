import { existsSync, readFileSync } from 'node:fs';
import { appendFile, copyFile, open, rename, rm, truncate, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import type { FlumeEvent } from '../types';
import { FakeContext, exactlyOnce, makeSource, offsetsIncrease, sleep, testEnv, tmpDir, waitFor } from './test-harness';

const t = tmpDir('restart');
afterAll(() => t.cleanup());

const lineOf = (i: number) => `restart line ${String(i).padStart(6, '0')} ${'y'.repeat(i % 37)}`;

/**
 * Stops and restarts the source again and again while the log is written and rotated (also while
 * the source is stopped), resuming from the position file, from the sink's committed offsets, from
 * both, and from a stale position file with the sink ahead of it. Every line arrives exactly once.
 */
it('delivers every line exactly once across restarts, rotations while stopped, and every resume source', async () => {
  const log = path.join(t.dir, 'access.log');
  const posFile = path.join(t.dir, 'data', 'taildir_position.json');
  const expected: string[] = [];
  const all: FlumeEvent[] = [];
  /** The sink's committed offsets, as Kafka would keep them across restarts. */
  const committed = new Map<string, number>();
  const warnings: string[] = [];
  let next = 0;

  const write = async (n: number, file = log) => {
    const lines = Array.from({ length: n }, () => lineOf(next++));
    await appendFile(file, `${lines.join('\n')}\n`);
    expected.push(...lines);
  };

  /** Runs one incarnation of the source until it has put `atLeast` more events (or caught up), then stops it. */
  const incarnation = async (opts: { resume: boolean; atLeast: number; during?: (ctx: FakeContext) => Promise<void>; until?: (events: FlumeEvent[]) => boolean }) => {
    const { env, logs } = testEnv(path.join(t.dir, 'data'));
    const ctx = new FakeContext(opts.resume ? new Map(committed) : new Map());
    ctx.delayMs = 1;
    const source = makeSource({ filegroups: { f1: path.join(t.dir, 'access\\.log') }, pollInterval: 5, idleTimeout: 300, writePosInterval: 50, batchSize: 100 }, env);
    await source.start(ctx);
    const during = opts.during?.(ctx);
    const ok = await waitFor(`${opts.atLeast} events`, () => (opts.until ? opts.until(ctx.events) : ctx.events.length >= opts.atLeast) || all.length + ctx.events.length >= expected.length, 10_000).then(
      () => true,
      () => false,
    );
    await during;
    await source.stop();
    all.push(...ctx.events);
    for (const [k, v] of ctx.committed) if (v > (committed.get(k) ?? -1)) committed.set(k, v);
    warnings.push(...logs.filter((l) => l.level !== 'info').map((l) => l.message));
    if (!ok) console.log(logs.map((l) => `${l.level} ${l.message}`).join('\n'));
    return ok ? ctx.events.length : -1;
  };

  await write(10_000);
  // 1. First start: no positions at all. Stopped mid-stream.
  expect(await incarnation({ resume: false, atLeast: 3_000 })).toBeLessThan(10_000);
  await write(5_000);
  // 2. The position file is lost: resume from the sink's offsets alone.
  await rm(posFile);
  await incarnation({ resume: true, atLeast: 2_000 });
  // 3. Rotated by rename while stopped; the old file got more lines before the writer reopened.
  await rename(log, `${log}.1`);
  await write(300, `${log}.1`);
  await write(5_000);
  const firstKey = all[0].origin!.key;
  // (until it has begun the new file too, so that the position file knows it)
  await incarnation({ resume: true, atLeast: 0, until: (events) => events.filter((e) => e.origin!.key !== firstKey).length >= 500 });
  const stale = readFileSync(posFile, 'utf8');
  // 4. Normal restart (position file and sink offsets agree).
  await write(3_000);
  await incarnation({ resume: true, atLeast: 2_000 });
  // 5. Copytruncate while stopped, and the position file is stale (the sink is ahead of it).
  await write(2_000);
  await copyFile(log, `${log}.2`);
  await truncate(log, 0);
  await write(3_000);
  await writeFile(posFile, stale);
  await incarnation({ resume: true, atLeast: 2_000 });
  // 6. Position file only (the sink kept nothing), with a copytruncate while running.
  await incarnation({
    resume: false,
    atLeast: 1_000,
    during: async (ctx) => {
      await waitFor('caught up', () => all.length + ctx.events.length >= expected.length);
      await write(4_000);
      await sleep(30);
      await copyFile(log, `${log}.3`);
      await truncate(log, 0);
      await write(4_000);
    },
  });
  // 7. Until the end, restarting every few hundred events.
  for (let i = 0; all.length < expected.length && i < 40; i++) if ((await incarnation({ resume: i % 2 === 0, atLeast: 700 })) < 0) break;

  expect(existsSync(posFile)).toBe(true);
  expect(exactlyOnce(expected, all.map((e) => e.body))).toEqual({ missing: [], repeated: [], unexpected: [] });
  expect(all.length).toBe(expected.length);
  expect(offsetsIncrease(all)).toBeNull();
  expect(warnings).toEqual([]);
}, 40_000);

it('stop() finishes the put in flight, then writes only delivered positions', async () => {
  const d = tmpDir('stop');
  try {
    const log = path.join(d.dir, 'a.log');
    await writeFile(log, Array.from({ length: 1_000 }, (_, i) => `l${i}`).join('\n') + '\n');
    const { env } = testEnv(path.join(d.dir, 'data'));
    const ctx = new FakeContext();
    let release!: () => void;
    ctx.gate = new Promise<void>((r) => (release = r));
    const source = makeSource({ filegroups: { f1: log }, pollInterval: 5, batchSize: 100 }, env);
    await source.start(ctx);
    await waitFor('a put in flight', () => ctx.putsStarted === 1);
    const stopping = source.stop();
    await sleep(20);
    expect(ctx.events).toHaveLength(0);
    release();
    await stopping;
    expect(ctx.events).toHaveLength(100); // the batch in flight, and no more
    const pos = JSON.parse(readFileSync(path.join(d.dir, 'data', 'taildir_position.json'), 'utf8'));
    expect(pos).toHaveLength(1);
    expect(pos[0].pos).toBe(ctx.committed.values().next().value);
    expect(pos[0].file).toBe(log);
  } finally {
    d.cleanup();
  }
});

it('skipToEnd starts files without a position at their last complete line', async () => {
  const d = tmpDir('skip');
  try {
    const log = path.join(d.dir, 'a.log');
    await writeFile(log, 'old 1\nold 2\nhalf');
    const { env, logs } = testEnv(path.join(d.dir, 'data'));
    const ctx = new FakeContext();
    const source = makeSource({ filegroups: { f1: log }, pollInterval: 5, skipToEnd: true }, env);
    await source.start(ctx);
    await waitFor('the first poll', () => logs.some((l) => l.message.includes('following')));
    expect(logs.find((l) => l.message.includes('following'))!.details).toMatchObject({ pos: 12 });
    const fh = await open(log, 'a');
    await fh.write(' done\nnew\n');
    await fh.close();
    await waitFor('2 events', () => ctx.events.length >= 2);
    await source.stop();
    expect(ctx.events.map((e) => e.body)).toEqual(['half done', 'new']);
  } finally {
    d.cleanup();
  }
});
