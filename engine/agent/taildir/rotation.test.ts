import { copyFile, open, rename, truncate } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FakeContext, exactlyOnce, makeSource, offsetsIncrease, sleep, testEnv, tmpDir, waitFor } from './test-harness';

const dirs: { cleanup(): void }[] = [];
afterAll(() => dirs.forEach((d) => d.cleanup()));

const lineOf = (i: number) => `line ${String(i).padStart(6, '0')} GET /news/${i} ${'x'.repeat(i % 60)}`;

/**
 * Writes `total` numbered lines to `log` in bursts while rotating it `rotations` times, alternating
 * rename-and-create (the writer keeps writing to the renamed file for a moment, and leaves it with an
 * unterminated last line) and copytruncate (copy, then truncate; the writer pauses only for that).
 */
async function writeWithRotations(log: string, total: number, rotations: number): Promise<string[]> {
  const expected: string[] = [];
  const every = Math.floor(total / (rotations + 1));
  let fh = await open(log, 'a');
  let rotated = 0;
  for (let i = 0; i < total; ) {
    const chunk: string[] = [];
    for (let j = 0; j < 400 && i < total; j++, i++) chunk.push(lineOf(i));
    await fh.write(`${chunk.join('\n')}\n`);
    expected.push(...chunk);
    if (i % every < 400 && i >= every && rotated < rotations) {
      rotated++;
      await sleep(20); // mostly, the source has read the file when it rotates
      const to = `${log}.${rotated}`;
      if (rotated % 2) {
        await rename(log, to);
        const late = [`late ${rotated} a`, `late ${rotated} b`];
        await fh.write(`${late.join('\n')}\nunterminated ${rotated}`);
        expected.push(...late, `unterminated ${rotated}`);
        await fh.close();
        fh = await open(log, 'a');
      } else {
        await copyFile(log, to);
        await truncate(log, 0);
      }
    }
    if (i % 2_000 === 0) await sleep(1);
  }
  await fh.close();
  expect(rotated).toBe(rotations);
  return expected;
}

async function run(label: string, pattern: string, total: number, rotations: number) {
  const t = tmpDir(label);
  dirs.push(t);
  const log = path.join(t.dir, 'access.log');
  const { env, logs } = testEnv(path.join(t.dir, 'data'));
  const ctx = new FakeContext();
  const source = makeSource({ filegroups: { f1: path.join(t.dir, pattern) }, pollInterval: 10, idleTimeout: 400, writePosInterval: 200, batchSize: 500 }, env);
  await source.start(ctx);
  const started = Date.now();
  const expected = await writeWithRotations(log, total, rotations);
  // On a timeout, fall through: the comparison below says which lines are missing.
  await waitFor(`${expected.length} lines`, () => ctx.events.length >= expected.length, 20_000).catch(() => undefined);
  await sleep(600); // idle closes and any late duplicate would show up here
  await source.stop();
  const elapsed = Date.now() - started;
  const bodies = ctx.events.map((e) => e.body);
  const diff = exactlyOnce(expected, bodies);
  // On a failure, the source's own account of what happened.
  if (diff.missing.length + diff.repeated.length + diff.unexpected.length) console.log(logs.map((l) => `${l.level} ${l.message}`).join('\n'));
  expect(diff).toEqual({ missing: [], repeated: [], unexpected: [] });
  expect(bodies.length).toBe(expected.length);
  expect(offsetsIncrease(ctx.events)).toBeNull();
  expect(logs.filter((l) => l.level !== 'info')).toEqual([]);
  expect(env.counters.EventAcceptedCount).toBe(expected.length);
  return { logs, elapsed, events: ctx.events };
}

describe('taildir rotation', () => {
  it('receives 200,000 lines exactly once through 5 rename and 5 copytruncate rotations', async () => {
    const { logs } = await run('rotate', 'access\\.log', 200_000, 10);
    expect(logs.filter((l) => l.message.includes('copytruncate'))).toHaveLength(5);
    expect(logs.filter((l) => /was renamed (away|to)/.test(l.message))).toHaveLength(5);
  }, 40_000);

  it('does not read a rotated copy twice when the pattern also matches the copies (access\\.log.*)', async () => {
    const { events, logs } = await run('rotate-glob', 'access\\.log.*', 30_000, 6);
    // The renamed files stay matched and are followed under their new names; copies are not read again.
    expect(new Set(events.map((e) => e.origin!.key)).size).toBeGreaterThanOrEqual(4);
  }, 30_000);
});
