import { describe, expect, it } from 'vitest';
import { EmbeddedStore } from './embedded';
import { countIncrements, type WindowCount } from './view-increments';

const D = Date.UTC(2024, 4, 1); // a UTC day start
const MIN = 60_000;
const HOUR = 3_600_000;
const key = (res: string, t: number, suffix = 't') => `weir:{p1}:visits:${res}:${t}:${suffix}`;

/** Sorted-set increments as a sorted "key member by" list: order inside a batch carries no meaning. */
const lines = (zincrs: { key: string; members: { member: string; by: number }[] }[]) =>
  zincrs.flatMap((z) => z.members.map((m) => `${z.key} ${m.member} ${m.by}`)).sort();

describe('countIncrements', () => {
  it('writes each count to its minute bucket and rolls it up into hour and day', () => {
    const counts: WindowCount[] = [{ windowStart: D + 10 * HOUR + 17 * MIN, module: 'blog', dim: 't', value: '', n: 3 }];
    const { zincrs, expire } = countIncrements('p1', 'visits', counts);
    expect(lines(zincrs)).toEqual(
      [
        `${key('m', D + 10 * HOUR + 17 * MIN)} blog 3`,
        `${key('h', D + 10 * HOUR)} blog 3`,
        `${key('d', D)} blog 3`,
      ].sort(),
    );
    expect(expire).toEqual([
      { key: key('m', D + 10 * HOUR + 17 * MIN), seconds: 2 * 86_400 },
      { key: key('h', D + 10 * HOUR), seconds: 90 * 86_400 },
      { key: key('d', D), seconds: 3 * 365 * 86_400 },
    ]);
  });

  it('merges duplicate (key, field) pairs into one minimal batch', () => {
    const m1 = D + 10 * HOUR + 1 * MIN;
    const m2 = D + 10 * HOUR + 2 * MIN;
    const m3 = D + 11 * HOUR; // next hour, same day
    const counts: WindowCount[] = [
      { windowStart: m1, module: 'blog', dim: 'city', value: 'Shanghai', n: 2 },
      { windowStart: m1, module: 'blog', dim: 'city', value: 'Shanghai', n: 5 },
      { windowStart: m2, module: 'blog', dim: 'city', value: 'Shanghai', n: 1 },
      { windowStart: m3, module: 'blog', dim: 'city', value: 'Shanghai', n: 4 },
      { windowStart: m3, module: 'shop', dim: 'browser', value: 'Fire|fox', n: 1 },
      { windowStart: m3, module: 'shop', dim: 't', value: 'ignored', n: 1 },
      { windowStart: m3, module: 'shop', dim: 't', value: '', n: 0 },
    ];
    const { zincrs, expire } = countIncrements('p1', 'visits', counts);
    // Each dimension count goes to its module's hash and to the all-modules rollup of the dimension.
    const expected = [
      ['m', m1, 'city', 'blog', 'Shanghai', 7],
      ['m', m2, 'city', 'blog', 'Shanghai', 1],
      ['m', m3, 'city', 'blog', 'Shanghai', 4],
      ['m', m3, 'browser', 'shop', 'Fire¦fox', 1],
      ['h', D + 10 * HOUR, 'city', 'blog', 'Shanghai', 8],
      ['h', D + 11 * HOUR, 'city', 'blog', 'Shanghai', 4],
      ['h', D + 11 * HOUR, 'browser', 'shop', 'Fire¦fox', 1],
      ['d', D, 'city', 'blog', 'Shanghai', 12],
      ['d', D, 'browser', 'shop', 'Fire¦fox', 1],
    ] as const;
    expect(lines(zincrs)).toEqual(
      [
        ...expected.flatMap(([res, t, dim, mod, value, n]) => [`${key(res, t, `${dim}:${mod}`)} ${value} ${n}`, `${key(res, t, dim)} ${value} ${n}`]),
        `${key('m', m3)} shop 1`,
        `${key('h', D + 11 * HOUR)} shop 1`,
        `${key('d', D)} shop 1`,
      ].sort(),
    );
    // One expiry per distinct key.
    expect(expire.map((e) => e.key)).toEqual(zincrs.map((z) => z.key));
    expect(new Set(zincrs.map((z) => z.key)).size).toBe(zincrs.length);
  });

  it('floors a non-aligned windowStart to its minute and honours custom retention', () => {
    const { zincrs, expire } = countIncrements(
      'p1',
      'visits',
      [{ windowStart: D + 5 * MIN + 30_000, module: 'm', dim: 't', value: '', n: 1 }],
      { m: 3600, d: 86_400 * 400 },
    );
    expect(zincrs[0].key).toBe(key('m', D + 5 * MIN));
    expect(expire).toEqual([
      { key: key('m', D + 5 * MIN), seconds: 3600 },
      { key: key('h', D), seconds: 90 * 86_400 },
      { key: key('d', D), seconds: 400 * 86_400 },
    ]);
  });

  it('gives an empty batch for no counts', () => {
    expect(countIncrements('p1', 'visits', [])).toEqual({ zincrs: [], expire: [] });
  });

  it('refuses ids that would break the key layout', () => {
    expect(() => countIncrements('p{1}', 'visits', [])).toThrow(expect.objectContaining({ code: 'invalid_view_key' }));
    expect(() => countIncrements('p1', 'ckpt', [])).toThrow(expect.objectContaining({ code: 'invalid_view_key' }));
    expect(() => countIncrements('p1', 'a:b', [])).toThrow(expect.objectContaining({ code: 'invalid_view_key' }));
  });

  it('applies to a store as one batch', async () => {
    const store = new EmbeddedStore();
    const counts: WindowCount[] = [];
    for (let i = 0; i < 10_000; i++) {
      counts.push({ windowStart: D + (i % 120) * MIN, module: `mod${i % 7}`, dim: 'country', value: `C${i % 50}`, n: 1 });
    }
    const batch = countIncrements('p1', 'visits', counts);
    expect((await store.applyAtomic({ checkpoints: [], ...batch })).applied).toBe(true);
    const [all, mod3] = await store.readSortedSets([key('d', D, 'country'), key('d', D, 'country:mod3')]);
    expect(Object.values(all).reduce((a, b) => a + b, 0)).toBe(10_000);
    expect(Object.keys(all)).toHaveLength(50);
    expect(Object.values(mod3).reduce((a, b) => a + b, 0)).toBe(Math.ceil((10_000 - 3) / 7));
    await store.close();
  });
});
