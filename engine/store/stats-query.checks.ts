/**
 * Stats query checks as fixtures (counts in → series / breakdowns out), run on the embedded store
 * by stats-query.test.ts and on real Redis by stats-query.integration.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Store } from './types';
import { countIncrements, type WindowCount } from './view-increments';
import { pipelinePrefix } from './view-keys';
import { queryStats, type BreakdownResult, type SeriesResult, type StatsQuery } from './stats-query';

const MIN = 60_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;
const D = Date.UTC(2024, 4, 1); // 2024-05-01T00:00Z

const wc = (windowStart: number, module: string, dim: WindowCount['dim'], value: string, n: number): WindowCount => ({
  windowStart,
  module,
  dim,
  value,
  n,
});

/** Each event counted once in `t` and once under its country. */
const visits = (t: number, module: string, country: string, n: number) => [
  wc(t, module, 't', '', n),
  wc(t, module, 'country', country, n),
];

/** Powers of two, so any wrong inclusion or double count shows in the sums. */
const MAIN: WindowCount[] = [
  ...visits(D - 45 * MIN, 'blog', 'CN', 1), // prev day 23:15
  ...visits(D - 30 * MIN, 'blog', 'CN', 2), // prev day 23:30
  ...visits(D, 'blog', 'US', 4), // 00:00
  ...visits(D + 10 * HOUR + 17 * MIN, 'shop', 'CN', 8),
  ...visits(D + 23 * HOUR + 59 * MIN, 'blog', 'CN', 16),
  ...visits(D + DAY + 44 * MIN, 'shop', 'US', 32),
  ...visits(D + DAY + 45 * MIN, 'blog', 'CN', 64),
  wc(D + 12 * HOUR, 'a|b', 'browser', 'Fire|fox', 5), // no `t` field: not in module groupings
];

const HOURS: WindowCount[] = [
  wc(D + 10 * HOUR + 16 * MIN, 'm', 't', '', 100), // just before the range
  wc(D + 10 * HOUR + 17 * MIN, 'm', 't', '', 1),
  wc(D + 11 * HOUR, 'm', 't', '', 2),
  wc(D + 12 * HOUR + 59 * MIN, 'm', 't', '', 4),
  wc(D + 13 * HOUR + 4 * MIN, 'm', 't', '', 8),
  wc(D + 13 * HOUR + 5 * MIN, 'm', 't', '', 200), // at `to`: excluded
];

/** mulberry32: a seeded PRNG so the randomized exactness check is reproducible. */
function prng(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function withReadCounter(store: Store) {
  const calls: string[][] = [];
  const spy = new Proxy(store, {
    get(target, prop) {
      if (prop === 'unionSortedSets' || prop === 'readSortedSets' || prop === 'scoresOf' || prop === 'readHashes') {
        return (keys: string[], ...rest: unknown[]) => {
          calls.push(keys);
          return (target[prop] as (...a: unknown[]) => unknown).call(target, keys, ...rest);
        };
      }
      const v = Reflect.get(target, prop);
      return typeof v === 'function' ? v.bind(target) : v;
    },
  });
  return { spy, calls };
}

export function statsQueryChecks(name: string, makeStore: () => Store | Promise<Store>) {
  describe(`queryStats on ${name}`, () => {
    let store: Store;
    const pid = `statstest-${Math.random().toString(36).slice(2, 10)}`;
    const rand = prng(42);
    const RANDOM: WindowCount[] = [];
    for (let i = 0; i < 400; i++) {
      const minute = Math.floor(rand() * 3 * 24 * 60) - 24 * 60; // D-1d .. D+2d
      RANDOM.push(wc(D + minute * MIN, `mod${Math.floor(rand() * 3)}`, 't', '', 1 + Math.floor(rand() * 5)));
    }

    const q = (over: Partial<StatsQuery>): StatsQuery => ({
      pipelineId: pid,
      viewId: 'main',
      from: D - 30 * MIN,
      to: D + DAY + 45 * MIN,
      groupBy: 'module',
      ...over,
    });
    const breakdown = async (over: Partial<StatsQuery>) => (await queryStats(store, q(over))) as BreakdownResult;
    const series = async (over: Partial<StatsQuery>) => (await queryStats(store, q(over))) as SeriesResult;

    beforeAll(async () => {
      store = await makeStore();
      for (const [viewId, counts] of [
        ['main', MAIN],
        ['hours', HOURS],
        ['rand', RANDOM],
      ] as const) {
        const batch = countIncrements(pid, viewId, counts);
        const { applied } = await store.applyAtomic({ checkpoints: [], ...batch });
        expect(applied).toBe(true);
      }
    });
    afterAll(async () => {
      await store.deletePrefix(pipelinePrefix(pid));
      await store.close();
    });

    describe('breakdowns', () => {
      it('covers days, hours and minutes exactly across day boundaries, in one read', async () => {
        const { spy, calls } = withReadCounter(store);
        const r = (await queryStats(spy, q({}))) as BreakdownResult;
        expect(r).toEqual({
          groupBy: 'module',
          from: D - 30 * MIN,
          to: D + DAY + 45 * MIN,
          breakdown: [
            { key: 'shop', count: 8 + 32 },
            { key: 'blog', count: 2 + 4 + 16 },
          ],
          total: 62,
          other: 0,
        });
        expect(calls).toHaveLength(1);
        // 30 minutes before midnight + 1 whole day + the 45 minutes after the next midnight read as
        // their hour minus its last 15 minutes.
        expect(calls[0]).toHaveLength(30 + 1 + 1 + 15);
        expect(calls[0].filter((k) => k.includes(':d:'))).toEqual([`weir:{${pid}}:main:d:${D}:t`]);
        expect(calls[0].filter((k) => k.includes(':h:'))).toEqual([`weir:{${pid}}:main:h:${D + DAY}:t`]);
      });

      it('covers whole hours from hour buckets and the edges from minutes, or from their hour minus the other minutes', async () => {
        const { spy, calls } = withReadCounter(store);
        const r = (await queryStats(
          spy,
          q({ viewId: 'hours', from: D + 10 * HOUR + 17 * MIN, to: D + 13 * HOUR + 5 * MIN }),
        )) as BreakdownResult;
        expect(r.breakdown).toEqual([{ key: 'm', count: 1 + 2 + 4 + 8 }]);
        expect(r.total).toBe(15);
        // 10:17–11:00 as the 10:00 hour minus 10:00–10:17, then 2 whole hours, then 13:00–13:05.
        expect(calls[0]).toHaveLength(1 + 17 + 2 + 5);
        expect(calls[0].filter((k) => k.includes(':h:'))).toHaveLength(3);
      });

      it('rounds from down and to up to whole minutes', async () => {
        const r = await breakdown({ viewId: 'hours', from: D + 10 * HOUR + 17 * MIN + 59_999, to: D + 13 * HOUR + 4 * MIN + 1 });
        expect(r.from).toBe(D + 10 * HOUR + 17 * MIN);
        expect(r.to).toBe(D + 13 * HOUR + 5 * MIN);
        expect(r.total).toBe(15);
      });

      it('matches a naive sum of the counts for random ranges', async () => {
        const r = prng(7);
        for (let i = 0; i < 40; i++) {
          const a = D - DAY + Math.floor(r() * 3 * DAY);
          const b = a + 1 + Math.floor(r() * (D + 2 * DAY - a));
          const lo = Math.floor(a / MIN) * MIN;
          const hi = Math.ceil(b / MIN) * MIN;
          const expected = new Map<string, number>();
          for (const c of RANDOM) {
            if (c.windowStart >= lo && c.windowStart < hi) expected.set(c.module, (expected.get(c.module) ?? 0) + c.n);
          }
          const got = await breakdown({ viewId: 'rand', from: a, to: b });
          expect(Object.fromEntries(got.breakdown.map((x) => [x.key, x.count])), `range ${a}..${b}`).toEqual(
            Object.fromEntries(expected),
          );
        }
      });

      it('reads one sorted set of the asked dimension per bucket: the module\'s, or the all-modules rollup', async () => {
        const { spy, calls } = withReadCounter(store);
        await queryStats(spy, q({ groupBy: 'country', from: D, to: D + DAY }));
        await queryStats(spy, q({ groupBy: 'country', from: D, to: D + DAY, filter: { module: 'a|b' } }));
        await queryStats(spy, q({ groupBy: 'module', from: D, to: D + DAY, granularity: 'day' }));
        expect(calls).toEqual([[`weir:{${pid}}:main:d:${D}:country`], [`weir:{${pid}}:main:d:${D}:country:a¦b`], [`weir:{${pid}}:main:d:${D}:t`]]);
      });

      it('groups by a dimension, across modules or within one (filter)', async () => {
        expect(await breakdown({ groupBy: 'country' })).toMatchObject({
          breakdown: [
            { key: 'US', count: 4 + 32 },
            { key: 'CN', count: 2 + 8 + 16 },
          ],
          total: 62,
        });
        expect(await breakdown({ groupBy: 'country', filter: { module: 'blog' } })).toMatchObject({
          breakdown: [
            { key: 'CN', count: 2 + 16 },
            { key: 'US', count: 4 },
          ],
          total: 22,
        });
        expect(await breakdown({ filter: { module: 'shop' } })).toMatchObject({ breakdown: [{ key: 'shop', count: 40 }], total: 40 });
        expect(await breakdown({ filter: { module: 'nope' } })).toMatchObject({ breakdown: [], total: 0 });
      });

      it('finds values and modules that needed encoding', async () => {
        expect(await breakdown({ groupBy: 'browser', filter: { module: 'a|b' } })).toMatchObject({
          breakdown: [{ key: 'Fire¦fox', count: 5 }],
        });
      });

      it('accepts ISO dates and digit strings, and limits to the top N', async () => {
        expect(await breakdown({ from: '2024-05-01T00:00:00Z', to: '2024-05-02T00:00:00Z' })).toMatchObject({
          from: D,
          to: D + DAY,
          breakdown: [
            { key: 'blog', count: 20 },
            { key: 'shop', count: 8 },
          ],
        });
        expect(await breakdown({ from: String(D), to: String(D + DAY), limit: 1 })).toMatchObject({
          breakdown: [{ key: 'blog', count: 20 }],
          total: 28,
          other: 8,
        });
        expect(await breakdown({ from: String(D), to: String(D + DAY), limit: 2 })).toMatchObject({ total: 28, other: 0 });
      });
    });

    describe('time series', () => {
      it('gives one point per day, sorted by total', async () => {
        expect(await series({ granularity: 'day', from: D - DAY, to: D + 2 * DAY })).toEqual({
          groupBy: 'module',
          granularity: 'day',
          from: D - DAY,
          to: D + 2 * DAY,
          series: [
            { key: 'blog', points: [[D - DAY, 3], [D, 20], [D + DAY, 64]] },
            { key: 'shop', points: [[D - DAY, 0], [D, 8], [D + DAY, 32]] },
          ],
        });
      });

      it('fills empty buckets with zeros and aligns the range out to whole buckets', async () => {
        expect(
          await series({ granularity: 'hour', groupBy: 'country', filter: { module: 'shop' }, from: D + 9 * HOUR + 30 * MIN, to: D + 11 * HOUR + 10 * MIN }),
        ).toEqual({
          groupBy: 'country',
          granularity: 'hour',
          from: D + 9 * HOUR,
          to: D + 12 * HOUR,
          series: [{ key: 'CN', points: [[D + 9 * HOUR, 0], [D + 10 * HOUR, 8], [D + 11 * HOUR, 0]] }],
        });
      });

      it('reads minute buckets across midnight', async () => {
        const { spy, calls } = withReadCounter(store);
        const r = (await queryStats(spy, q({ granularity: 'minute', from: D + 23 * HOUR + 58 * MIN, to: D + DAY + MIN }))) as SeriesResult;
        expect(r.series).toEqual([
          { key: 'blog', points: [[D + 23 * HOUR + 58 * MIN, 0], [D + 23 * HOUR + 59 * MIN, 16], [D + DAY, 0]] },
        ]);
        expect(calls).toEqual([[
          `weir:{${pid}}:main:m:${D + 23 * HOUR + 58 * MIN}:t`,
          `weir:{${pid}}:main:m:${D + 23 * HOUR + 59 * MIN}:t`,
          `weir:{${pid}}:main:m:${D + DAY}:t`,
        ]]);
      });

      it('ranks series in the store when limited, then reads only the top keys per bucket', async () => {
        const { spy, calls } = withReadCounter(store);
        const r = (await queryStats(spy, q({ granularity: 'day', groupBy: 'country', from: D - DAY, to: D + 2 * DAY, limit: 1 }))) as SeriesResult;
        expect(r.series).toEqual([{ key: 'CN', points: [[D - DAY, 3], [D, 24], [D + DAY, 64]] }]);
        expect(calls).toHaveLength(2);
        const filtered = (await queryStats(store, q({ granularity: 'day', from: D - DAY, to: D + 2 * DAY, filter: { module: 'shop' } }))) as SeriesResult;
        expect(filtered.series).toEqual([{ key: 'shop', points: [[D - DAY, 0], [D, 8], [D + DAY, 32]] }]);
        expect(((await queryStats(store, q({ granularity: 'day', from: D - DAY, to: D + 2 * DAY, filter: { module: 'nope' } }))) as SeriesResult).series).toEqual([]);
      });

      it('gives no series when nothing was counted', async () => {
        expect((await series({ granularity: 'hour', from: D + 5 * DAY, to: D + 6 * DAY })).series).toEqual([]);
      });
    });

    describe('bad queries', () => {
      const rejects = async (over: Record<string, unknown>, code: string, message: RegExp) => {
        const err = await queryStats(store, { ...q({}), ...over } as StatsQuery).catch((e: unknown) => e);
        expect(err).toMatchObject({ code, status: 400 });
        expect((err as Error).message).toMatch(message);
      };

      it('names the bad parameter and the allowed values', async () => {
        await rejects({ groupBy: 'referrer' }, 'invalid_stats_query', /groupBy.*module, country, region, city, browser, os, device.*referrer/);
        await rejects({ granularity: 'week' }, 'invalid_stats_query', /granularity.*minute, hour, day.*week/);
        await rejects({ from: 'yesterday' }, 'invalid_stats_query', /from.*ISO-8601.*yesterday/);
        await rejects({ to: undefined }, 'invalid_stats_query', /^to: /);
        await rejects({ to: D - HOUR }, 'invalid_stats_query', /to must be after from/);
        await rejects({ filter: { country: 'CN' } }, 'invalid_stats_query', /filter.*module.*country/);
        await rejects({ groupby: 'module' }, 'invalid_stats_query', /Unknown parameter "groupby"/);
        await rejects({ viewId: 'ckpt' }, 'invalid_stats_query', /viewId/);
        await rejects({ pipelineId: '' }, 'invalid_stats_query', /pipelineId/);
        await rejects({ limit: 0 }, 'invalid_stats_query', /limit.*positive integer/);
      });

      it('refuses ranges needing more than 5,000 buckets', async () => {
        await rejects({ granularity: 'minute', from: D, to: D + 4 * DAY }, 'range_too_large', /5760 minute buckets.*coarser granularity \(hour or day\)/);
        await rejects({ granularity: 'hour', from: D, to: D + 300 * DAY }, 'range_too_large', /coarser granularity \(day\)/);
        await rejects({ from: D - 20 * 365 * DAY, to: D }, 'range_too_large', /shorter range/);
        // The limit is about buckets, not time: three days in minutes is fine, so are 10 years in days.
        await expect(queryStats(store, q({ granularity: 'minute', from: D, to: D + 3 * DAY }))).resolves.toBeTruthy();
        await expect(queryStats(store, q({ from: D - 10 * 365 * DAY, to: D }))).resolves.toBeTruthy();
      });
    });
  });
}
