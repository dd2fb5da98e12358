import { appendFileSync, copyFileSync, renameSync, truncateSync } from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import type { FlumeEvent } from '../types';
import { FakeContext, exactlyOnce, makeSource, offsetsIncrease, sleep, testEnv, tmpDir, waitFor, type LogRecord } from './test-harness';
import { TaildirSource } from './taildir-source';

const dirs: { cleanup(): void }[] = [];
afterAll(() => dirs.forEach((d) => d.cleanup()));
afterEach(() => vi.restoreAllMocks());

function fresh(label: string): string {
  const t = tmpDir(label);
  dirs.push(t);
  return t.dir;
}

/** Counts polls, to tell a source that spins (polls back to back) from one that waits pollInterval. */
function countPolls(): { readonly count: number } {
  const proto = TaildirSource.prototype as unknown as { poll(first: boolean): Promise<boolean> };
  const poll = proto.poll;
  const counter = { count: 0 };
  vi.spyOn(proto, 'poll').mockImplementation(function (this: unknown, first: boolean) {
    counter.count++;
    return poll.call(this, first);
  });
  return counter;
}

/** The source is idle: over `ms`, no event arrives and it polls about every pollInterval, not back to back. */
async function expectIdle(polls: { readonly count: number }, events: FlumeEvent[], pollInterval: number, ms = 600): Promise<void> {
  const p0 = polls.count;
  const e0 = events.length;
  await sleep(ms);
  expect(events.length).toBe(e0);
  expect(polls.count - p0).toBeLessThanOrEqual(Math.ceil(ms / pollInterval) + 3);
}

const unseenWarnings = (logs: LogRecord[]) => logs.filter((l) => l.level === 'warn' && l.message.includes('never read'));

describe('taildir under rotations faster than its polls', () => {
  /**
   * The pace of the field report: 1,000 lines every 2 ms, rotated every 18,000 lines, alternately by
   * rename-and-create and copytruncate, so that several rotations fall between two polls and some
   * generations of access.log are created and rotated away before any poll saw them. Those may be
   * lost (with a warning naming the file holding them); everything else arrives exactly once, and the
   * source goes on following access.log without spinning.
   */
  it('never stalls or spins, delivers every generation it saw exactly once, and warns about the ones it never saw', async () => {
    const dir = fresh('fast');
    const log = path.join(dir, 'access.log');
    const { env, logs } = testEnv(path.join(dir, 'data'));
    const ctx = new FakeContext();
    const polls = countPolls();
    const pollInterval = 50;
    const source = makeSource({ filegroups: { f1: log }, pollInterval, idleTimeout: 400, writePosInterval: 100, batchSize: 1_000 }, env);
    await source.start(ctx);

    const TOTAL = 200_000;
    const EVERY = 18_000;
    const ROTATIONS = 10;
    const lineOf = (i: number) => `line ${i} ${'x'.repeat(64)}`;
    // Segment k: the lines written between rotation k and k+1, which rotation k+1 moved to access.log.<k+1>.
    const segmentOf = (i: number) => Math.min(Math.floor(i / EVERY), ROTATIONS);
    let rotations = 0;
    for (let i = 0; i < TOTAL; ) {
      const chunk: string[] = [];
      for (let j = 0; j < 1_000 && i < TOTAL; j++, i++) chunk.push(lineOf(i));
      appendFileSync(log, `${chunk.join('\n')}\n`);
      if (i % EVERY === 0 && rotations < ROTATIONS) {
        rotations++;
        if (rotations % 2) {
          renameSync(log, `${log}.${rotations}`);
        } else {
          copyFileSync(log, `${log}.${rotations}`);
          truncateSync(log, 0);
        }
      }
      await sleep(2);
    }
    expect(rotations).toBe(ROTATIONS);

    const seen = (i: number) => ctx.events.some((e) => e.body === lineOf(i));
    // No stall: what came after the last rotation arrives, and so do lines written later.
    await waitFor('the last generation', () => seen(TOTAL - 1), 15_000);
    await sleep(300);
    appendFileSync(log, 'after the storm 1\nafter the storm 2\n');
    await waitFor('lines written after the rotations', () => ctx.events.some((e) => e.body === 'after the storm 2'), 5_000);
    await sleep(500); // idle closes; any late or repeated line would show here
    await expectIdle(polls, ctx.events, pollInterval);
    await source.stop();

    const bodies = ctx.events.map((e) => e.body);
    const all = [...Array.from({ length: TOTAL }, (_, i) => lineOf(i)), 'after the storm 1', 'after the storm 2'];
    const diff = exactlyOnce(all, bodies);
    expect({ repeated: diff.repeated, unexpected: diff.unexpected }).toEqual({ repeated: [], unexpected: [] });
    expect(bodies.length).toBe(new Set(bodies).size);
    expect(offsetsIncrease(ctx.events)).toBeNull();

    // Per generation: all of it or none of it; none only for a file the source warned about.
    const arrived = new Array<number>(ROTATIONS + 1).fill(0);
    for (const b of bodies) {
      const m = /^line (\d+) /.exec(b);
      if (m) arrived[segmentOf(Number(m[1]))]++;
    }
    const warned = new Set(unseenWarnings(logs).map((l) => l.details?.rotated));
    const report = arrived.map((n, k) => `segment ${k}: ${n} lines${warned.has(`${log}.${k + 1}`) ? ' (warned)' : ''}`).join('\n');
    for (let k = 0; k <= ROTATIONS; k++) {
      const size = k === ROTATIONS ? TOTAL - ROTATIONS * EVERY : EVERY;
      expect([0, size], `${report}\n${logs.map((l) => `${l.level} ${l.message}`).join('\n')}`).toContain(arrived[k]);
      if (k < ROTATIONS) expect(warned.has(`${log}.${k + 1}`), report).toBe(arrived[k] === 0);
    }
    expect(arrived[ROTATIONS]).toBe(TOTAL - ROTATIONS * EVERY);
    // The only warnings are about generations never seen.
    expect(logs.filter((l) => l.level !== 'info')).toEqual(unseenWarnings(logs));
    expect(env.counters.GenericProcessingFail).toBe(0);
    expect(env.counters.EventReadFailCount).toBe(0);
  }, 40_000);

  it('warns about each generation renamed away or copytruncated between two polls, and reads on', async () => {
    const dir = fresh('unseen');
    const log = path.join(dir, 'access.log');
    const { env, logs } = testEnv(path.join(dir, 'data'));
    const ctx = new FakeContext();
    const polls = countPolls();
    const pollInterval = 1_000;
    const source = makeSource({ filegroups: { f1: log }, pollInterval, idleTimeout: 200, batchSize: 100 }, env);
    const lines = (tag: string, n = 50) => Array.from({ length: n }, (_, i) => `${tag} ${String(i).padStart(3, '0')} ${'y'.repeat(i % 7)}`);
    const write = (tag: string) => appendFileSync(log, `${lines(tag).join('\n')}\n`);
    const copytruncate = (to: string) => {
      copyFileSync(log, to);
      truncateSync(log, 0);
    };
    const got = (tag: string) => ctx.events.filter((e) => e.body.startsWith(`${tag} `)).length;
    const nextPoll = async (tag: string) => {
      await waitFor(`${tag} lines`, () => got(tag) === 50, 5_000);
      await sleep(50); // that poll has finished; the next one is pollInterval away
    };

    write('A');
    await source.start(ctx);
    await nextPoll('A');
    // Between two polls: A renamed away (followed: read to its end); B created, copytruncated
    // (B1 only in access.log.2) and renamed away (B2 only in access.log.3); C created and
    // copytruncated (C1 only in access.log.4).
    renameSync(log, `${log}.1`);
    write('B1');
    copytruncate(`${log}.2`);
    write('B2');
    renameSync(log, `${log}.3`);
    write('C1');
    copytruncate(`${log}.4`);
    write('C2');
    await nextPoll('C2');
    // Followed C copytruncated twice between two polls: C3 comes from access.log.5, C4 only in access.log.6.
    write('C3');
    copytruncate(`${log}.5`);
    write('C4');
    copytruncate(`${log}.6`);
    write('C5');
    await nextPoll('C5');
    write('C6');
    await nextPoll('C6');
    await expectIdle(polls, ctx.events, pollInterval, 1_500);
    await source.stop();

    expect(['A', 'B1', 'B2', 'C1', 'C2', 'C3', 'C4', 'C5', 'C6'].map((tag) => `${tag}:${got(tag)}`)).toEqual(['A:50', 'B1:0', 'B2:0', 'C1:0', 'C2:50', 'C3:50', 'C4:0', 'C5:50', 'C6:50']);
    expect(ctx.events.length).toBe(new Set(ctx.events.map((e) => e.body)).size);
    expect(offsetsIncrease(ctx.events)).toBeNull();
    const warned = unseenWarnings(logs);
    expect(warned.map((l) => l.details?.rotated).sort()).toEqual([2, 3, 4, 6].map((n) => `${log}.${n}`));
    expect(warned.every((l) => l.details?.file === log)).toBe(true);
    expect(logs.filter((l) => l.level !== 'info')).toEqual(warned);
    expect(logs.some((l) => l.message.includes(`read its`) && l.message.includes(`${log}.5`))).toBe(true);
  }, 20_000);
});
