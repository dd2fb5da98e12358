import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { bodies, channelIn, contents, ev, removeDir, sleep, testEnv, tmpDir } from './test-support';

let dir: string;
beforeEach(async () => (dir = await tmpDir()));
afterEach(async () => removeDir(dir));

describe('file channel: transactions', () => {
  it('gives events in put order and removes them on commit', async () => {
    const ch = channelIn(dir);
    await ch.open();
    await ch.put([ev(1), ev(2)]);
    await ch.put([ev(3)]);
    const t = await ch.take(2, 0);
    expect(bodies(t.events)).toEqual(['line 1', 'line 2']);
    expect(t.events[0]).toEqual(ev(1));
    expect(ch.size).toBe(3);
    await t.commit();
    expect(ch.size).toBe(1);
    expect(bodies((await ch.take(10, 0)).events)).toEqual(['line 3']);
    await ch.close();
  });

  it('closed while it is still opening: the open finishes, then the close lets go of its folders', async () => {
    const ch = channelIn(dir);
    const opened = ch.open();
    await ch.close();
    await opened;
    await expect(ch.put([ev(1)])).rejects.toThrow();
    // A channel still holding the folders would make this open fail with "in use".
    const again = channelIn(dir);
    await again.open();
    await again.put([ev(2)]);
    expect(bodies((await again.take(10, 0)).events)).toEqual(['line 2']);
    await again.close();
  });

  it('makes a put wait while full (back-pressure) and loses nothing', async () => {
    const ch = channelIn(dir, { capacity: 3, transactionCapacity: 3 });
    await ch.open();
    await ch.put([ev(1), ev(2), ev(3)]);
    let done = false;
    const p = ch.put([ev(4)]).then(() => (done = true));
    await sleep(30);
    expect(done).toBe(false);
    const t = await ch.take(2, 0);
    await sleep(30);
    expect(done).toBe(false); // a take holds its capacity until it commits
    await t.commit();
    await p;
    const rest = await ch.take(10, 0);
    expect(bodies([...t.events, ...rest.events])).toEqual(['line 1', 'line 2', 'line 3', 'line 4']);
    await ch.close();
  });

  it('gives a rolled-back take again, first and in order', async () => {
    const ch = channelIn(dir);
    await ch.open();
    await ch.put([ev(1), ev(2), ev(3)]);
    const t = await ch.take(2, 0);
    await t.rollback();
    expect(bodies((await ch.take(10, 0)).events)).toEqual(['line 1', 'line 2', 'line 3']);
    await ch.close();
  });

  it('puts concurrent takes that roll back back in channel order', async () => {
    const ch = channelIn(dir);
    await ch.open();
    await ch.put([1, 2, 3, 4, 5, 6].map((i) => ev(i)));
    const a = await ch.take(2, 0);
    const b = await ch.take(2, 0);
    await a.rollback();
    await b.rollback();
    expect(bodies(await contents(ch))).toEqual([1, 2, 3, 4, 5, 6].map((i) => `line ${i}`));
    const c = await ch.take(2, 0);
    const d = await ch.take(2, 0);
    await c.commit();
    await d.rollback();
    expect(bodies(await contents(ch))).toEqual(['line 3', 'line 4', 'line 5', 'line 6']);
    await ch.close();
  });

  it('splits puts and caps takes at transactionCapacity', async () => {
    const ch = channelIn(dir, { transactionCapacity: 4 });
    await ch.open();
    await ch.put(Array.from({ length: 10 }, (_, i) => ev(i)));
    const t = await ch.take(100, 0);
    expect(t.events).toHaveLength(4);
    expect(ch.size).toBe(10);
    await ch.close();
  });

  it('refuses a put larger than the capacity with a clear error', async () => {
    const ch = channelIn(dir, { capacity: 2, transactionCapacity: 5 });
    await ch.open();
    await expect(ch.put([ev(1), ev(2), ev(3)])).rejects.toMatchObject({ code: 'channel_put_too_large' });
    await ch.close();
  });

  it('makes an empty take wait up to waitMs for a put', async () => {
    const ch = channelIn(dir);
    await ch.open();
    const started = Date.now();
    expect((await ch.take(10, 30)).events).toEqual([]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(25);
    const waiting = ch.take(10, 5_000);
    await ch.put([ev(1)]);
    expect(bodies((await waiting).events)).toEqual(['line 1']);
    await ch.close();
  });

  it('stops a waiting put when the source aborts', async () => {
    const ch = channelIn(dir, { capacity: 1 });
    await ch.open();
    await ch.put([ev(1)]);
    const ac = new AbortController();
    const p = ch.put([ev(2)], ac.signal);
    ac.abort();
    await expect(p).rejects.toMatchObject({ code: 'channel_put_aborted' });
    expect(ch.size).toBe(1);
    await ch.close();
  });

  it('keeps Flume counters and the highest put position per origin key', async () => {
    const env = testEnv();
    const ch = channelIn(dir, { capacity: 10 }, env);
    await ch.open();
    await ch.put([ev(1), ev(2, 'src|f2'), ev(3)]);
    const t = await ch.take(2, 0);
    await t.commit();
    await (await ch.take(5, 0)).rollback();
    expect(env.counters).toMatchObject({
      EventPutAttemptCount: 3,
      EventPutSuccessCount: 3,
      EventTakeSuccessCount: 2,
      ChannelSize: 1,
      ChannelCapacity: 10,
      ChannelFillPercentage: 10,
      CheckpointWriteErrorCount: 0,
      DiskFullCount: 0,
    });
    expect(env.counters.EventTakeAttemptCount).toBe(2 + 2); // 2 events, then 1 event + the empty attempt
    expect(ch.putPositions()).toEqual(new Map([['src|f1', 40], ['src|f2', 30]]));
    await ch.close();
  });

  it('reads events back from the log when they do not fit the memory bound', async () => {
    const ch = channelIn(dir, { cacheBytes: 0 });
    await ch.open();
    const all = Array.from({ length: 50 }, (_, i) => ({ ...ev(i), headers: { n: String(i), 'ü': 'ünïcode ✓' } }));
    for (let i = 0; i < 50; i += 7) await ch.put(all.slice(i, i + 7));
    expect(ch.stats().cacheBytes).toBe(0);
    const t = await ch.take(10, 0);
    await t.rollback();
    const got = [];
    for (;;) {
      const x = await ch.take(9, 0);
      if (!x.events.length) break;
      got.push(...x.events);
      await x.commit();
    }
    expect(got).toEqual(all);
    expect(ch.size).toBe(0);
    await ch.close();
  });

  it('refuses a second channel on the same folders', async () => {
    const a = channelIn(dir);
    await a.open();
    await expect(channelIn(dir).open()).rejects.toMatchObject({ code: 'channel_dir_in_use' });
    await a.close();
    const b = channelIn(dir);
    await b.open();
    await b.close();
  });
});
