import { readFile, stat, truncate, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { bodies, channelIn, contents, ev, removeDir, sleep, testEnv, tmpDir } from './test-support';

let dir: string;
beforeEach(async () => (dir = await tmpDir()));
afterEach(async () => removeDir(dir));

const range = (a: number, b: number) => Array.from({ length: b - a }, (_, i) => ev(a + i));
const lines = (a: number, b: number) => bodies(range(a, b));
const log1 = () => path.join(dir, 'data', 'log-1');

describe('file channel: damaged files', () => {
  it('ignores a torn record at the tail of the log and truncates it', async () => {
    const ch = channelIn(dir, { checkpointOnClose: false });
    await ch.open();
    await ch.put(range(0, 3));
    await ch.put(range(3, 6));
    await ch.close();
    await truncate(log1(), (await stat(log1())).size - 5);

    const env = testEnv();
    const again = channelIn(dir, { checkpointOnClose: false }, env);
    await again.open();
    expect(bodies(await contents(again))).toEqual(lines(0, 3));
    expect(again.putPositions().get('src|f1')).toBe(30);
    expect(env.logs.map((l) => l.details?.code)).toContain('channel_torn_tail');
    expect(env.logs.filter((l) => l.level === 'error')).toEqual([]);
    await again.put(range(10, 12));
    await again.close();

    const env3 = testEnv();
    const third = channelIn(dir, {}, env3);
    await third.open();
    expect(bodies(await contents(third))).toEqual([...lines(0, 3), ...lines(10, 12)]);
    expect(env3.logs.filter((l) => l.level !== 'info')).toEqual([]);
    await third.close();
  });

  it('skips a corrupt record in the middle of the log, names file and offset, keeps the rest', async () => {
    const ch = channelIn(dir, { checkpointOnClose: false });
    await ch.open();
    await ch.put(range(0, 3));
    await ch.put(range(3, 6));
    await ch.put(range(6, 9));
    await ch.close();
    const buf = await readFile(log1());
    const at = buf.indexOf('line 4');
    buf[at] ^= 0x20;
    await writeFile(log1(), buf);

    const env = testEnv();
    const again = channelIn(dir, {}, env);
    await again.open();
    expect(bodies(await contents(again))).toEqual([...lines(0, 3), ...lines(6, 9)]);
    const error = env.logs.find((l) => l.details?.code === 'channel_log_corrupt');
    expect(error?.level).toBe('error');
    expect(error?.message).toContain(log1());
    expect(error?.details?.offset).toBeGreaterThan(16);
    expect(env.counters.CorruptRecordCount).toBe(1);
    expect(env.counters.CorruptBytesSkipped).toBeGreaterThan(100);
    await again.close();
  });

  for (const damage of ['flip', 'cut'] as const) {
    it(`falls back to a full log replay when the checkpoint is corrupt (${damage})`, async () => {
      const ch = channelIn(dir);
      await ch.open();
      await ch.put(range(0, 3));
      await ch.put(range(3, 6));
      await (await ch.take(2, 0)).commit();
      const t = await ch.take(1, 0);
      void t; // taken, not committed
      await ch.close();
      const file = path.join(dir, 'cp', 'checkpoint');
      const cp = await readFile(file);
      if (damage === 'flip') cp[cp.length - 3] ^= 0xff;
      await writeFile(file, damage === 'flip' ? cp : cp.subarray(0, cp.length >> 1));

      const env = testEnv();
      const again = channelIn(dir, {}, env);
      await again.open();
      expect(env.logs.find((l) => l.details?.code === 'channel_checkpoint_corrupt')?.level).toBe('warn');
      expect(bodies(await contents(again))).toEqual(lines(2, 6));
      expect(again.putPositions().get('src|f1')).toBe(60);
      await again.close();
    });
  }

  it('makes puts wait at maxDiskBytes, reports channel_disk_full once, resumes when sinks drain', async () => {
    const env = testEnv();
    const ch = channelIn(dir, { maxDiskBytes: 8192 }, env);
    await ch.open();
    let n = 0;
    let blocked: Promise<void> | undefined;
    while (!blocked) {
      const p = ch.put(range(n, n + 10));
      n += 10;
      const settled = await Promise.race([p.then(() => true), sleep(200).then(() => false)]);
      if (!settled) blocked = p;
      expect(n).toBeLessThan(500);
    }
    expect(ch.stats().diskBytes).toBeLessThanOrEqual(8192);
    await sleep(1200); // waits through a free-space refresh without a second report
    const reports = env.logs.filter((l) => l.details?.code === 'channel_disk_full');
    expect(reports).toHaveLength(1);
    expect(reports[0].level).toBe('error');
    expect(reports[0].message).toMatch(/maxDiskBytes/);
    expect(env.counters.DiskFullCount).toBe(1);

    const got: string[] = [];
    for (let i = 0; i < 3; i++) {
      const t = await ch.take(1000, 0);
      got.push(...bodies(t.events));
      await t.commit();
    }
    await blocked;
    expect(env.logs.map((l) => l.details?.code)).toContain('channel_disk_ok');
    got.push(...bodies(await contents(ch)));
    expect(got).toEqual(lines(0, n));
    await ch.close();
  });

  it('makes puts wait while free space is under minimumRequiredSpace', async () => {
    const env = testEnv();
    const ch = channelIn(dir, { minimumRequiredSpace: Number.MAX_SAFE_INTEGER }, env);
    await ch.open();
    const p = ch.put([ev(1)]);
    const settled = await Promise.race([p.then(() => true, () => true), sleep(100).then(() => false)]);
    expect(settled).toBe(false);
    const report = env.logs.find((l) => l.details?.code === 'channel_disk_full');
    expect(report?.message).toMatch(/minimumRequiredSpace/);
    await ch.close();
    await expect(p).rejects.toMatchObject({ code: 'channel_closed' });
    expect(ch.size).toBe(0);
  });
});
