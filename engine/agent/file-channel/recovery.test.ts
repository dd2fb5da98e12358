import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { bodies, channelIn, contents, ev, removeDir, testEnv, tmpDir } from './test-support';

let dir: string;
beforeEach(async () => (dir = await tmpDir()));
afterEach(async () => removeDir(dir));

const range = (a: number, b: number) => Array.from({ length: b - a }, (_, i) => ev(a + i));
const lines = (a: number, b: number) => bodies(range(a, b));

describe('file channel: recovery', () => {
  for (const checkpointOnClose of [true, false]) {
    it(`restores exact contents and positions after close (checkpointOnClose ${checkpointOnClose})`, async () => {
      const ch = channelIn(dir, { checkpointOnClose });
      await ch.open();
      await ch.put(range(0, 10));
      await ch.put(range(10, 20));
      const t1 = await ch.take(3, 0);
      await t1.commit();
      const t2 = await ch.take(4, 0);
      await t2.rollback();
      const t3 = await ch.take(5, 0); // 3..7 taken, never committed: back at the front after restart
      const t4 = await ch.take(5, 0); // 8..12 committed
      await t4.commit();
      await ch.put(range(20, 22));
      expect(bodies(t3.events)).toEqual(lines(3, 8));
      await ch.close();

      const env = testEnv();
      const again = channelIn(dir, { checkpointOnClose }, env);
      await again.open();
      expect(bodies(await contents(again))).toEqual([...lines(3, 8), ...lines(13, 22)]);
      expect(again.size).toBe(14);
      expect(again.putPositions()).toEqual(new Map([['src|f1', 220]]));
      expect(env.counters.ChannelSize).toBe(14);
      expect(env.logs.filter((l) => l.level !== 'info')).toEqual([]);
      await again.close();
    });
  }

  it('survives many restarts, rolls and deletes consumed log files', async () => {
    const opts = { maxFileSize: 4096, checkpointOnClose: false };
    let next = 0;
    let expected: string[] = [];
    for (let round = 0; round < 6; round++) {
      const ch = channelIn(dir, opts);
      await ch.open();
      expect(bodies(await contents(ch))).toEqual(expected);
      for (let k = 0; k < 20; k++) {
        await ch.put(range(next, next + 7));
        expected.push(...lines(next, next + 7));
        next += 7;
        const t = await ch.take(5, 0);
        expect(bodies(t.events)).toEqual(expected.slice(0, 5));
        await t.commit();
        expected = expected.slice(5);
      }
      await ch.close();
    }
    const ids = (await readdir(path.join(dir, 'data'))).map((f) => Number(f.slice(4))).sort((a, b) => a - b);
    // Still live: 240 events, put in the last two rounds; files before those are gone.
    expect(ids[ids.length - 1]).toBeGreaterThanOrEqual(10);
    expect(ids[0]).toBeGreaterThan(ids[ids.length - 1] / 2);
    const ch = channelIn(dir);
    await ch.open();
    expect(bodies(await contents(ch))).toEqual(expected);
    expect(ch.putPositions().get('src|f1')).toBe(next * 10);
    await ch.close();
  });

  it('keeps a periodic checkpoint consistent with puts and commits in flight', async () => {
    const ch = channelIn(dir, { checkpointInterval: 100, checkpointOnClose: false, maxFileSize: 8192 });
    await ch.open();
    const committed: string[] = [];
    const deadline = Date.now() + 600;
    let n = 0;
    const producer = (async () => {
      while (Date.now() < deadline) {
        await ch.put(range(n, n + 5));
        n += 5;
      }
    })();
    const consumer = (async () => {
      while (Date.now() < deadline) {
        const t = await ch.take(4, 5);
        await t.commit();
        committed.push(...bodies(t.events));
      }
    })();
    await Promise.all([producer, consumer]);
    expect(ch.stats().checkpointFileId).toBeGreaterThan(1);
    await ch.close();
    const again = channelIn(dir);
    await again.open();
    expect([...committed, ...bodies(await contents(again))]).toEqual(lines(0, n));
    await again.close();
  });
});
