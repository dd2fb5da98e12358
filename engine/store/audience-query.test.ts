import { describe, expect, it } from 'vitest';
import { EmbeddedStore } from './embedded';
import { queryTop, queryUniques } from './audience-query';
import { countIncrements } from './view-increments';
import { uniqueWrites } from './view-uniques';

const H = 3_600_000;
const D0 = Date.UTC(2026, 0, 10);

describe('unique visitors and top-N views', () => {
  it('counts the union of visitors across modules and hours, once per visitor', async () => {
    const store = new EmbeddedStore();
    const visitors = [
      ...Array.from({ length: 300 }, (_, i) => ({ windowStart: D0 + 1 * H, module: 'news', hash: `v${i}` })),
      ...Array.from({ length: 300 }, (_, i) => ({ windowStart: D0 + 5 * H, module: 'shop', hash: `v${i + 150}` })),
    ];
    await store.applyAtomic({ checkpoints: [], increments: [], ...uniqueWrites('p', 'views', visitors) });
    const q = { pipelineId: 'p', viewId: 'views', from: D0, to: D0 + 24 * H };
    // HyperLogLog: estimates within 2% here (0.8% standard error).
    const about = (n: number) => expect.toSatisfy((x: number) => Math.abs(x - n) <= n * 0.02);
    expect((await queryUniques(store, { ...q, modules: ['news'] })).uniques).toEqual(about(300));
    expect((await queryUniques(store, { ...q, modules: ['news', 'shop'] })).uniques).toEqual(about(450));
    expect((await queryUniques(store, { ...q, from: D0 + 2 * H, modules: ['news', 'shop'] })).uniques).toEqual(about(300));
    // A range of whole days plus edges reads day sketches where it can; same answer.
    expect((await queryUniques(store, { ...q, from: D0 - 3 * H, to: D0 + 27 * H, modules: ['news', 'shop'] })).uniques).toEqual(about(450));
  });

  it('answers top-N from the counters, exactly', async () => {
    const store = new EmbeddedStore();
    const counts = [
      { windowStart: D0, module: 'news', dim: 't' as const, value: '', n: 5 },
      { windowStart: D0 + H, module: 'shop', dim: 't' as const, value: '', n: 4 },
      { windowStart: D0 + 2 * H, module: 'shop', dim: 't' as const, value: '', n: 4 },
      { windowStart: D0, module: 'news', dim: 'region' as const, value: 'CN/Beijing', n: 3 },
      { windowStart: D0, module: 'shop', dim: 'country' as const, value: 'CN', n: 3 },
    ];
    await store.applyAtomic({ checkpoints: [], ...countIncrements('p', 'views', counts) });
    const q = { pipelineId: 'p', viewId: 'views', from: D0, to: D0 + 3 * H, limit: 10 };
    expect((await queryTop(store, { ...q, what: 'module' })).top).toEqual([{ key: 'shop', count: 8 }, { key: 'news', count: 5 }]);
    expect((await queryTop(store, { ...q, what: 'region' })).top).toEqual([{ key: 'CN/Beijing', count: 3 }]);
    expect((await queryTop(store, { ...q, what: 'module', limit: 1 })).top).toEqual([{ key: 'shop', count: 8 }]);
    await expect(queryTop(store, { ...q, to: q.from, what: 'module' })).rejects.toMatchObject({ code: 'invalid_stats_query', status: 400 });
  });
});
