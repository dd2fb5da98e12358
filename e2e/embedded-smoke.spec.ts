import { expect, test, type APIRequestContext } from '@playwright/test';

/**
 * A fresh `npm start` with nothing installed: no KAFKA_BROKERS, no REDIS_URL. The app must come up on
 * its embedded bus and store, create and deploy the "Site analytics" demo pipeline by itself, and
 * count traffic from its demo source.
 */

type Json = Record<string, unknown>;

const kindOf = (part: unknown) => (typeof part === 'string' ? part : (part as Json | undefined)?.kind);

async function getJson(request: APIRequestContext, url: string): Promise<Json> {
  const res = await request.get(url);
  expect(res.status(), `GET ${url}`).toBe(200);
  return (await res.json()) as Json;
}

function pipelinesOf(body: unknown): Json[] {
  if (Array.isArray(body)) return body as Json[];
  const b = body as Json;
  return ((b.pipelines ?? b.items ?? b.data ?? []) as Json[]) || [];
}

function stateOf(p: Json): unknown {
  const status = p.status as Json | string | undefined;
  return p.state ?? (typeof status === 'object' ? status?.state : status);
}

test('embedded mode: health, the auto-deployed demo pipeline, and live counts', async ({ request }) => {
  const health = await getJson(request, '/api/health');
  expect(kindOf(health.bus)).toBe('embedded');
  expect(kindOf(health.store)).toBe('embedded');

  let pipeline: Json | undefined;
  await expect
    .poll(
      async () => {
        pipeline = pipelinesOf(await getJson(request, '/api/pipelines')).find((p) => p.name === 'Site analytics');
        return pipeline && stateOf(pipeline);
      },
      { message: 'a pipeline named "Site analytics" in state running', timeout: 30_000 },
    )
    .toBe('running');
  const id = String(pipeline!.id);

  const statsUrl = () => {
    const now = Date.now();
    return `/api/pipelines/${encodeURIComponent(id)}/stats?groupBy=module&from=${now - 3_600_000}&to=${now + 60_000}`;
  };
  const total = async () => {
    const body = await getJson(request, statsUrl());
    expect(Array.isArray(body.breakdown), 'stats without granularity answer a breakdown').toBe(true);
    for (const row of body.breakdown as Json[]) {
      expect(typeof row.key).toBe('string');
      expect(typeof row.count).toBe('number');
    }
    expect(typeof body.total).toBe('number');
    return body.total as number;
  };

  let first = 0;
  await expect.poll(async () => (first = await total()), { message: 'events counted', timeout: 60_000, intervals: [500, 1000] }).toBeGreaterThan(0);
  await expect.poll(total, { message: `the count rising past ${first}`, timeout: 60_000, intervals: [1000] }).toBeGreaterThan(first);
});
