import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { siteAnalyticsTemplate } from '@/engine/spec/templates';
import { BASE_DIMS, counterKey, type Resolution } from '@/engine/store/view-keys';

// In-process on the embedded bus and store (the real-Kafka replay is in exactly-once.integration.test.ts).
process.env.WEIR_DATA_DIR = mkdtempSync(path.join(tmpdir(), 'weir-api-replay-'));
process.env.WEIR_BOOTSTRAP = '0';
delete process.env.KAFKA_BROKERS;
delete process.env.REDIS_URL;

const { getWeir } = await import('@/engine/runtime/weir');
const collection = await import('../../route');
const deploy = await import('../deploy/route');
const replay = await import('./route');

const ctx = (id: string) => ({ params: Promise.resolve({ id }) });
const postTo = () => new Request('http://x', { method: 'POST' });
const EVENTS = 400;

async function waitFor(what: string, cond: () => Promise<boolean>, ms = 20_000) {
  const until = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('POST /api/pipelines/{id}/replay', () => {
  afterAll(async () => {
    const weir = await getWeir();
    await weir.runtime.close();
    await Promise.all([weir.bus.close(), weir.store.close()]);
  });

  it('404 for an unknown pipeline, 409 not_running before deploy, and rebuilds the views identically', async () => {
    const missing = await replay.POST(postTo(), ctx('ghost'));
    expect(missing.status).toBe(404);
    expect((await missing.json()).error.code).toBe('pipeline_not_found');

    const doc = siteAnalyticsTemplate({ name: 'Replay route', topic: 'replay-route', rate: 100_000 });
    Object.assign(doc.nodes.find((n) => n.id === 'generator')!.config, { total: EVENTS, seed: 3, dailyRhythm: false });
    const created = await collection.POST(new Request('http://x/api/pipelines', { method: 'POST', body: JSON.stringify(doc) }), { params: Promise.resolve({}) });
    const id = (await created.json()).pipeline.id as string;

    const early = await replay.POST(postTo(), ctx(id));
    expect(early.status).toBe(409);
    expect((await early.json()).error).toMatchObject({ code: 'not_running', message: expect.stringContaining('deploy') });

    const t0 = Date.now();
    expect((await deploy.POST(postTo(), ctx(id))).status).toBe(200);
    const { runtime, store } = await getWeir();
    // The totals and all-modules dimension hashes of every minute, hour and day bucket the run can have touched.
    const keys: string[] = [];
    const bucketKeys = (res: Resolution, b: number) => [counterKey(id, 'views', res, b, 't', null), ...BASE_DIMS.map((d) => counterKey(id, 'views', res, b, d, null))];
    for (const [res, size] of [['m', 60_000], ['h', 3_600_000], ['d', 86_400_000]] as const) {
      for (let b = Math.floor(t0 / size) * size; b <= t0 + 120_000; b += size) keys.push(...bucketKeys(res, b));
    }
    const total = async () => {
      const day = (await store.readSortedSets(keys.filter((k) => k.includes(':d:') && k.endsWith(':t')))).flatMap((h) => Object.entries(h));
      return day.reduce((s, [, v]) => s + v, 0);
    };
    await waitFor(`${EVENTS} events counted`, async () => (await total()) === EVENTS);
    const before = await store.readSortedSets(keys);

    const res = await replay.POST(postTo(), ctx(id));
    expect(res.status).toBe(200);
    expect((await res.json()).state).toBe('running');
    // Processed a second time (node metrics run on across a replay), not merely left as they were.
    await waitFor(`${EVENTS} events counted again`, async () => {
      const s = await runtime.status(id);
      return s.nodes.parse?.in === 2 * EVENTS && s.nodes.visits?.lag === 0 && (await total()) === EVENTS;
    });
    await new Promise((r) => setTimeout(r, 300)); // nothing more may arrive
    expect(await store.readSortedSets(keys)).toEqual(before);
    expect(runtime.state(id)).toBe('running');
  });
});
