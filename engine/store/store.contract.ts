/**
 * The one behaviour both stores must show. Run by embedded.test.ts and redis.integration.test.ts.
 * Every test works under its own random hash-tagged prefix, so the suite can share a Redis with
 * other data and runs leave nothing behind.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AtomicBatch, CheckpointWrite, Store } from './types';

export function storeContract(name: string, makeStore: () => Store | Promise<Store>) {
  describe(`Store contract: ${name}`, () => {
    let store: Store;
    const run = Math.random().toString(36).slice(2, 10);
    let n = 0;
    /** A fresh prefix per test; the hash tag keeps a batch on one Redis Cluster slot. */
    const ns = () => `weirtest:{${run}-${++n}}:`;

    beforeAll(async () => {
      store = await makeStore();
    });
    afterAll(async () => {
      await store.deletePrefix(`weirtest:{${run}-`);
      await store.close();
    });

    const ckpt = (key: string, offset: number, expectedOffset: number | null, state: string | null = null): CheckpointWrite => ({
      key,
      field: 'logs:0',
      offset,
      expectedOffset,
      state,
    });

    it('applies every part of a batch atomically', async () => {
      const p = ns();
      const batch: AtomicBatch = {
        checkpoints: [ckpt(`${p}ckpt`, 10, null)],
        increments: [
          { key: `${p}a`, field: 'x', by: 2 },
          { key: `${p}a`, field: 'x', by: 3 },
          { key: `${p}a`, field: 'y', by: 1 },
          { key: `${p}b`, field: 'x', by: 7 },
          { key: `${p}b`, field: 'f', by: 0.5 },
        ],
        pushes: [{ key: `${p}dead`, values: ['one', 'two'], max: 10 }],
      };
      expect(await store.applyAtomic(batch)).toEqual({ applied: true });
      expect(await store.readHashes([`${p}a`, `${p}b`])).toEqual([{ x: 5, y: 1 }, { x: 7, f: 0.5 }]);
      // LPUSH order: the last value pushed is the head.
      expect(await store.readList(`${p}dead`, 0, -1)).toEqual(['two', 'one']);
      expect(await store.readCheckpoints(`${p}ckpt`)).toEqual({
        'logs:0': { key: `${p}ckpt`, field: 'logs:0', offset: 10, state: null },
      });

      // The next batch expects the offset just written, and adds to the counters.
      const next = await store.applyAtomic({
        checkpoints: [ckpt(`${p}ckpt`, 25, 10)],
        increments: [
          { key: `${p}a`, field: 'x', by: 1 },
          { key: `${p}b`, field: 'f', by: 0.25 },
        ],
      });
      expect(next.applied).toBe(true);
      expect(await store.readHashes([`${p}a`, `${p}b`])).toEqual([{ x: 6, y: 1 }, { x: 7, f: 0.75 }]);
      expect((await store.readCheckpoints(`${p}ckpt`))['logs:0'].offset).toBe(25);
    });

    it('first write of a checkpoint must expect null', async () => {
      const p = ns();
      const refused = await store.applyAtomic({
        checkpoints: [ckpt(`${p}ckpt`, 5, 0)],
        increments: [{ key: `${p}a`, field: 'x', by: 1 }],
      });
      expect(refused.applied).toBe(false);
      expect(await store.readHashes([`${p}a`])).toEqual([{}]);
      expect(await store.readCheckpoints(`${p}ckpt`)).toEqual({});

      expect((await store.applyAtomic({ checkpoints: [ckpt(`${p}ckpt`, 5, null)], increments: [] })).applied).toBe(true);
      // And once it exists, expecting null is stale.
      expect((await store.applyAtomic({ checkpoints: [ckpt(`${p}ckpt`, 9, null)], increments: [] })).applied).toBe(false);
      expect((await store.readCheckpoints(`${p}ckpt`))['logs:0'].offset).toBe(5);
    });

    it('fences a stale expectedOffset: nothing of the batch is applied', async () => {
      const p = ns();
      const key = `${p}ckpt`;
      await store.applyAtomic({
        checkpoints: [ckpt(key, 100, null, '{"wm":1}'), { ...ckpt(key, 7, null), field: 'logs:1' }],
        increments: [{ key: `${p}a`, field: 'x', by: 1 }],
        pushes: [{ key: `${p}dead`, values: ['d0'], max: 5 }],
      });
      const before = {
        hashes: await store.readHashes([`${p}a`, `${p}new`]),
        list: await store.readList(`${p}dead`, 0, -1),
        ckpts: await store.readCheckpoints(key),
      };

      // Partition 1 matches, partition 0 does not (a zombie at offset 50): the whole batch is refused.
      const zombie = await store.applyAtomic({
        checkpoints: [{ ...ckpt(key, 9, 7), field: 'logs:1' }, ckpt(key, 120, 50, '{"wm":2}')],
        increments: [
          { key: `${p}a`, field: 'x', by: 100 },
          { key: `${p}new`, field: 'y', by: 1 },
        ],
        pushes: [{ key: `${p}dead`, values: ['zombie'], max: 5 }],
        expire: [{ key: `${p}a`, seconds: 1 }],
        notice: { channel: `${p}changes`, message: 'zombie' },
      });
      expect(zombie.applied).toBe(false);
      expect({
        hashes: await store.readHashes([`${p}a`, `${p}new`]),
        list: await store.readList(`${p}dead`, 0, -1),
        ckpts: await store.readCheckpoints(key),
      }).toEqual(before);
      expect(before.hashes).toEqual([{ x: 1 }, {}]);
      expect(before.ckpts['logs:0']).toMatchObject({ offset: 100, state: '{"wm":1}' });
      expect(before.ckpts['logs:1']).toMatchObject({ offset: 7, state: null });
    });

    it('round-trips checkpoint state exactly', async () => {
      const p = ns();
      const state = JSON.stringify({ watermark: 1_700_000_000_000, open: [1, 2], text: 'quote " back\\ |pipe| ünï 😀\n' });
      const big = Number.MAX_SAFE_INTEGER - 1;
      await store.applyAtomic({ checkpoints: [ckpt(`${p}ckpt`, big, null, state)], increments: [] });
      expect(await store.readCheckpoints(`${p}ckpt`)).toEqual({
        'logs:0': { key: `${p}ckpt`, field: 'logs:0', offset: big, state },
      });
      // The large offset still fences exactly.
      expect((await store.applyAtomic({ checkpoints: [ckpt(`${p}ckpt`, big + 1, big - 1)], increments: [] })).applied).toBe(false);
      expect((await store.applyAtomic({ checkpoints: [ckpt(`${p}ckpt`, big + 1, big)], increments: [] })).applied).toBe(true);
    });

    it('applies 50,000 increments in one batch', async () => {
      const p = ns();
      const increments = [];
      for (let i = 0; i < 50_000; i++) {
        // 50 keys × 25,000 distinct fields, each field incremented twice within the batch.
        increments.push({ key: `${p}h${i % 50}`, field: `f${i % 25_000}|x`, by: 1 + (i % 3) });
      }
      const res = await store.applyAtomic({ checkpoints: [ckpt(`${p}ckpt`, 50_000, null)], increments });
      expect(res.applied).toBe(true);
      const keys = Array.from({ length: 50 }, (_, i) => `${p}h${i}`);
      const hashes = await store.readHashes(keys);
      let total = 0;
      let fields = 0;
      for (const h of hashes) {
        for (const v of Object.values(h)) {
          total += v;
          fields++;
        }
      }
      const expected = increments.reduce((s, i) => s + i.by, 0);
      expect(total).toBe(expected);
      expect(fields).toBe(25_000);
      expect(hashes[0]['f0|x']).toBe(1 + 2); // i = 0 and i = 25,000
    }, 60_000);

    it('caps pushed lists at max, newest first', async () => {
      const p = ns();
      await store.applyAtomic({ checkpoints: [], increments: [], pushes: [{ key: `${p}dead`, values: ['a', 'b', 'c'], max: 4 }] });
      await store.applyAtomic({ checkpoints: [], increments: [], pushes: [{ key: `${p}dead`, values: ['d', 'e'], max: 4 }] });
      expect(await store.readList(`${p}dead`, 0, -1)).toEqual(['e', 'd', 'c', 'b']);
      expect(await store.readList(`${p}dead`, 1, 2)).toEqual(['d', 'c']);
      expect(await store.readList(`${p}dead`, -2, -1)).toEqual(['c', 'b']);
      expect(await store.readList(`${p}dead`, 5, 10)).toEqual([]);
      expect(await store.readList(`${p}none`, 0, -1)).toEqual([]);
    });

    it('readHashes of missing keys gives {} in order', async () => {
      const p = ns();
      await store.applyAtomic({ checkpoints: [], increments: [{ key: `${p}b`, field: 'n', by: 3 }] });
      expect(await store.readHashes([`${p}a`, `${p}b`, `${p}c`])).toEqual([{}, { n: 3 }, {}]);
      expect(await store.readHashes([])).toEqual([]);
    });

    it('deletePrefix removes exactly the keys under the prefix', async () => {
      const p = ns();
      const other = ns();
      const increments = [];
      for (let i = 0; i < 2_500; i++) increments.push({ key: `${p}views:${i}`, field: 'n', by: 1 });
      await store.applyAtomic({ checkpoints: [ckpt(`${p}ckpt`, 1, null)], increments });
      await store.applyAtomic({
        checkpoints: [],
        increments: [
          { key: `${other}views:0`, field: 'n', by: 1 },
          // Starts like the prefix minus its last character: must survive.
          { key: `${p.slice(0, -1)}x`, field: 'n', by: 1 },
        ],
        pushes: [{ key: `${p}dead`, values: ['x'], max: 3 }],
      });
      expect(await store.deletePrefix(`${p}views:`)).toBe(2_500);
      expect(await store.readHashes([`${p}views:0`, `${p}views:2499`])).toEqual([{}, {}]);
      expect(await store.readList(`${p}dead`, 0, -1)).toEqual(['x']);
      expect(await store.deletePrefix(p)).toBe(2); // ckpt + dead
      expect(await store.readCheckpoints(`${p}ckpt`)).toEqual({});
      expect(await store.readHashes([`${other}views:0`, `${p.slice(0, -1)}x`])).toEqual([{ n: 1 }, { n: 1 }]);
      expect(await store.deletePrefix(`${p}nothing`)).toBe(0);
      await store.deletePrefix(`${p.slice(0, -1)}x`);
    });

    it('deletePrefix treats glob characters literally', async () => {
      const p = ns();
      await store.applyAtomic({
        checkpoints: [],
        increments: [
          { key: `${p}a*b?[c]\\:1`, field: 'n', by: 1 },
          { key: `${p}aXXb:1`, field: 'n', by: 1 },
        ],
      });
      expect(await store.deletePrefix(`${p}a*b?[c]\\`)).toBe(1);
      expect(await store.readHashes([`${p}aXXb:1`])).toEqual([{ n: 1 }]);
    });

    it('publishes the notice after apply; unsubscribe stops delivery', async () => {
      const p = ns();
      const channel = `${p}changes`;
      const got: string[] = [];
      const also: string[] = [];
      // What a subscriber reads the moment a notice arrives: the write must already be visible.
      const readOnNotice: Promise<Record<string, number>[]>[] = [];
      const unsubscribe = await store.subscribe(channel, (m) => {
        got.push(m);
        readOnNotice.push(store.readHashes([`${p}a`]));
      });
      const unsubscribeAlso = await store.subscribe(channel, (m) => also.push(m));

      await store.applyAtomic({
        checkpoints: [],
        increments: [{ key: `${p}a`, field: 'n', by: 1 }],
        notice: { channel, message: 'n1' },
      });
      await waitFor(() => got.length === 1 && also.length === 1);
      expect(got).toEqual(['n1']);
      expect(await readOnNotice[0]).toEqual([{ n: 1 }]);

      await store.publish(channel, 'direct');
      await waitFor(() => got.length === 2);
      expect(got).toEqual(['n1', 'direct']);

      await unsubscribe();
      await store.applyAtomic({ checkpoints: [], increments: [], notice: { channel, message: 'n2' } });
      await waitFor(() => also.length === 3);
      expect(also).toEqual(['n1', 'direct', 'n2']);
      expect(got).toEqual(['n1', 'direct']);

      await unsubscribeAlso();
      await store.publish(channel, 'n3');
      await sleep(100);
      expect(also).toHaveLength(3);

      // A refused batch publishes nothing.
      const again = await store.subscribe(channel, (m) => got.push(m));
      await store.applyAtomic({ checkpoints: [ckpt(`${p}ckpt`, 1, 42)], increments: [], notice: { channel, message: 'fenced' } });
      await store.publish(channel, 'after');
      await waitFor(() => got.length === 3);
      expect(got).toEqual(['n1', 'direct', 'after']);
      await again();
    });

    it('sets TTLs on keys', async () => {
      const p = ns();
      await store.applyAtomic({
        checkpoints: [],
        increments: [
          { key: `${p}short`, field: 'n', by: 1 },
          { key: `${p}long`, field: 'n', by: 1 },
        ],
        pushes: [{ key: `${p}list`, values: ['x'], max: 2 }],
        expire: [
          { key: `${p}short`, seconds: 1 },
          { key: `${p}list`, seconds: 1 },
          { key: `${p}long`, seconds: 3600 },
          { key: `${p}missing`, seconds: 1 },
        ],
      });
      expect(await store.readHashes([`${p}short`, `${p}long`])).toEqual([{ n: 1 }, { n: 1 }]);
      await sleep(1_300);
      expect(await store.readHashes([`${p}short`, `${p}long`, `${p}missing`])).toEqual([{}, { n: 1 }, {}]);
      expect(await store.readList(`${p}list`, 0, -1)).toEqual([]);
    });

    it('refuses a malformed batch before writing anything', async () => {
      const p = ns();
      await expect(
        store.applyAtomic({
          checkpoints: [],
          increments: [
            { key: `${p}a`, field: 'ok', by: 1 },
            { key: `${p}a`, field: 'bad', by: Number.NaN },
          ],
        }),
      ).rejects.toMatchObject({ code: 'invalid_store_batch' });
      expect(await store.readHashes([`${p}a`])).toEqual([{}]);
    });

    it('refuses a batch that would write a hash onto a list, writing nothing', async () => {
      const p = ns();
      await store.applyAtomic({ checkpoints: [], increments: [], pushes: [{ key: `${p}list`, values: ['x'], max: 2 }] });
      await expect(
        store.applyAtomic({
          checkpoints: [],
          increments: [
            { key: `${p}a`, field: 'n', by: 1 },
            { key: `${p}list`, field: 'n', by: 1 },
          ],
        }),
      ).rejects.toMatchObject({ code: 'store_wrong_type' });
      expect(await store.readHashes([`${p}a`])).toEqual([{}]);
    });

    it('adds to HyperLogLogs and counts the union of several', async () => {
      const p = ns();
      const values = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => `v${from + i}`);
      await store.applyAtomic({ checkpoints: [], increments: [], hllAdds: [{ key: `${p}u1`, values: values(0, 3000) }, { key: `${p}u2`, values: values(1000, 5000) }] });
      await store.applyAtomic({ checkpoints: [], increments: [], hllAdds: [{ key: `${p}u1`, values: values(0, 3000) }] }); // again: no change
      const one = await store.countUnique([`${p}u1`]);
      const both = await store.countUnique([`${p}u1`, `${p}u2`]);
      expect(Math.abs(one - 3000)).toBeLessThan(3000 * 0.03);
      expect(Math.abs(both - 5000)).toBeLessThan(5000 * 0.03);
      expect(await store.countUnique([`${p}missing`])).toBe(0);
    });

    it('increments sorted sets and reads the top N of many in one call', async () => {
      const p = ns();
      await store.applyAtomic({ checkpoints: [], increments: [], zincrs: [{ key: `${p}top`, members: [{ member: 'news', by: 5 }, { member: 'shop', by: 2 }, { member: 'home', by: 9 }] }] });
      await store.applyAtomic({ checkpoints: [], increments: [], zincrs: [{ key: `${p}top`, members: [{ member: 'shop', by: 10 }] }] });
      expect(await store.readTop([`${p}top`, `${p}none`], 2)).toEqual([
        [{ member: 'shop', score: 12 }, { member: 'home', score: 9 }],
        [],
      ]);
    });

    it('reads sorted sets whole, sums their union in one call, and reads chosen scores', async () => {
      const p = ns();
      await store.applyAtomic({
        checkpoints: [],
        zincrs: [
          { key: `${p}a`, members: [{ member: 'CN', by: 5 }, { member: 'US', by: 2 }, { member: 'a b|c', by: 1 }] },
          { key: `${p}b`, members: [{ member: 'US', by: 4 }, { member: 'JP', by: 0.5 }] },
        ],
        expire: [{ key: `${p}a`, seconds: 60 }],
      });
      expect(await store.readSortedSets([`${p}a`, `${p}none`, `${p}b`])).toEqual([{ CN: 5, US: 2, 'a b|c': 1 }, {}, { US: 4, JP: 0.5 }]);
      expect(await store.readSortedSets([])).toEqual([]);
      expect(new Map([...(await store.unionSortedSets([`${p}a`, `${p}b`, `${p}none`]))].sort())).toEqual(
        new Map([['CN', 5], ['JP', 0.5], ['US', 6], ['a b|c', 1]]),
      );
      expect((await store.unionSortedSets([])).size).toBe(0);
      // Weights multiply each set's scores first: a − b takes b back out of a.
      expect(new Map([...(await store.unionSortedSets([`${p}a`, `${p}b`], [1, -1]))].sort())).toEqual(
        new Map([['CN', 5], ['JP', -0.5], ['US', -2], ['a b|c', 1]]),
      );
      expect(await store.scoresOf([`${p}a`, `${p}b`, `${p}none`], ['US', 'CN', 'XX'])).toEqual([[2, 5, 0], [4, 0, 0], [0, 0, 0]]);
      expect(await store.scoresOf([`${p}a`], [])).toEqual([[]]);
      // Large unions stay one call (a 24-hour breakdown covers ~85 buckets; MAX_BUCKETS is 5,000).
      const many = Array.from({ length: 3000 }, (_, i) => `${p}m${i}`);
      await store.applyAtomic({ checkpoints: [], zincrs: many.slice(0, 2).map((key) => ({ key, members: [{ member: 'x', by: 1 }] })) });
      expect([...(await store.unionSortedSets(many))]).toEqual([['x', 2]]);
    });

    it('increments any member: empty, with newlines, fractional, many at once', async () => {
      const p = ns();
      const many = Array.from({ length: 5000 }, (_, i) => ({ member: `v${i % 2500}`, by: 1 }));
      await store.applyAtomic({
        checkpoints: [],
        zincrs: [
          { key: `${p}z`, members: [{ member: '', by: 2 }, { member: 'a b', by: 0.25 }, { member: 'x', by: -1 }] },
          { key: `${p}nl`, members: [{ member: 'line\nbreak', by: 3 }, { member: 'plain', by: 1 }] },
          { key: `${p}none`, members: [] },
          { key: `${p}many`, members: many },
        ],
        hllAdds: [{ key: `${p}u`, values: ['a', 'b\nc', ''] }, { key: `${p}u2`, values: [] }],
      });
      const [z, nl, none, big] = await store.readSortedSets([`${p}z`, `${p}nl`, `${p}none`, `${p}many`]);
      expect(z).toEqual({ '': 2, 'a b': 0.25, x: -1 });
      expect(nl).toEqual({ 'line\nbreak': 3, plain: 1 });
      expect(none).toEqual({});
      expect(Object.keys(big)).toHaveLength(2500);
      expect(Object.values(big).every((n) => n === 2)).toBe(true);
      expect(await store.countUnique([`${p}u`])).toBe(3);
    });

    it('fences HyperLogLog and sorted-set writes with the rest of the batch', async () => {
      const p = ns();
      const key = `${p}ckpt`;
      await store.applyAtomic({ checkpoints: [ckpt(key, 10, null)], increments: [] });
      const res = await store.applyAtomic({
        checkpoints: [ckpt(key, 20, 5)],
        increments: [],
        hllAdds: [{ key: `${p}u`, values: ['a', 'b'] }],
        zincrs: [{ key: `${p}z`, members: [{ member: 'm', by: 1 }] }],
      });
      expect(res.applied).toBe(false);
      expect(await store.countUnique([`${p}u`])).toBe(0);
      expect(await store.readTop([`${p}z`], 5)).toEqual([[]]);
    });

    it('claim keeps the first value and expires it', async () => {
      const p = ns();
      expect(await store.claim(`${p}salt`, 'first', 1)).toBe('first');
      expect(await store.claim(`${p}salt`, 'second', 1)).toBe('first');
      await sleep(1_100);
      expect(await store.claim(`${p}salt`, 'third', 60)).toBe('third');
    });

    it('reports health', async () => {
      const h = await store.health();
      expect(h.ok).toBe(true);
      expect(h.detail).toMatch(new RegExp(store.kind));
    });
  });
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function waitFor(cond: () => boolean, timeoutMs = 5_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await sleep(5);
  }
}
