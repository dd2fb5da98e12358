import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';

process.env.WEIR_DATA_DIR = mkdtempSync(path.join(tmpdir(), 'weir-stats-'));
delete process.env.KAFKA_BROKERS;
delete process.env.REDIS_URL;
delete process.env.WEIR_BOOTSTRAP; // the demo pipeline is created and deployed on the embedded defaults

const { GET } = await import('./route');
const { getWeir } = await import('@/engine/runtime/weir');

const ctx = { params: Promise.resolve({ id: 'site-analytics' }) };
const get = (query: string) => GET(new Request(`http://x/api/pipelines/site-analytics/stats?${query}`), ctx);

describe('stats route: visits, unique visitors, top-N, sliding windows', () => {
  beforeAll(async () => {
    const { runtime } = await getWeir();
    for (let i = 0; i < 200 && ((await runtime.status('site-analytics')).nodes.views?.in ?? 0) < 20; i++) await new Promise((r) => setTimeout(r, 100));
  });

  it('counts unique visitors, in total and per module', async () => {
    const res = await get('metric=uniques');
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body.uniques).toBeGreaterThan(0);
    expect(body.byModule.length).toBeGreaterThan(0);
    for (const m of body.byModule) expect(m.uniques).toBeLessThanOrEqual(body.uniques * 1.03);
  });

  it('answers top modules, agreeing with the breakdown', async () => {
    const now = Date.now();
    const from = now - (now % 3_600_000);
    const [top, breakdown] = await Promise.all([
      get(`top=module&limit=3&from=${from}&to=${from + 3_600_000}`).then((r) => r.json()),
      get(`groupBy=module&from=${from}&to=${from + 3_600_000}`).then((r) => r.json()),
    ]);
    expect(top.top.length).toBeGreaterThan(0);
    expect(top.top.length).toBeLessThanOrEqual(3);
    // Both read the same committed batches; the sorted sets may only lag behind by a batch in flight.
    const byKey = new Map(breakdown.breakdown.map((b: { key: string; count: number }) => [b.key, b.count]));
    expect(byKey.has(top.top[0].key)).toBe(true);
  });

  it('turns a minute series into sliding sums', async () => {
    const plain = await (await get('groupBy=module&granularity=minute')).json();
    const sliding = await (await get('groupBy=module&granularity=minute&window=5')).json();
    const a = plain.series[0];
    const b = sliding.series.find((s: { key: string }) => s.key === a.key);
    const sum = a.points.slice(-5).reduce((s: number, p: [number, number]) => s + p[1], 0);
    expect(b.points.at(-1)[1]).toBeGreaterThanOrEqual(sum); // later batches may have landed in between
  });

  it('lists the top `limit` groups (50 by default) and counts the rest as `other`', async () => {
    const now = Date.now();
    const range = `from=${now - 3_600_000}&to=${now + 60_000}`;
    const all = await (await get(`groupBy=browser&limit=1000&${range}`)).json();
    expect(all.breakdown.length).toBeGreaterThan(1);
    expect(all.other).toBe(0);
    const top = await (await get(`groupBy=browser&limit=1&${range}`)).json();
    expect(top.breakdown).toHaveLength(1);
    // Later batches may land between the two reads; within one answer the parts add up.
    expect(top.breakdown[0].count + top.other).toBe(top.total);
    expect(top.other).toBeGreaterThan(0);
    const byDefault = await (await get(`groupBy=city&${range}`)).json();
    expect(byDefault.breakdown.length).toBeLessThanOrEqual(50);
    expect(byDefault.breakdown.reduce((s: number, r: { count: number }) => s + r.count, 0) + byDefault.other).toBe(byDefault.total);
  });

  it.each([
    ['metric=pageviews', 'metric'],
    ['top=city', 'top'],
    ['groupBy=module&window=5', 'window'],
    ['groupBy=module&granularity=minute&window=0', 'window'],
    ['groupBy=planet', 'groupBy'],
    ['from=yesterday', 'from'],
  ])('%s → 400 naming %s', async (query, param) => {
    const res = await get(query);
    expect(res.status).toBe(400);
    const body = await res.json();
    expect(body.error).toMatchObject({ code: 'invalid_stats_query', message: expect.stringContaining(param) });
  });
});
