import { expect, test } from '@playwright/test';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Kafka, logLevel, type Consumer } from 'kafkajs';

/**
 * The browser beacon end to end, in real Chromium against the `real` project's app (real Kafka):
 * a pipeline source.http (beacon) → memory channel → Kafka sink → topic → parse → … → Redis views,
 * deployed through the REST API; a "customer site" on another origin embeds
 * <script async src="…/weir-beacon.js" data-source="e2e-beacon">; its page views (the load and a
 * history.pushState) must arrive in the topic as combined log lines with the browser's user agent
 * and an IP, and be counted per module.
 *
 * The site is served by this test process on loopback rather than faked with page.route(): Chromium
 * refuses requests from a page of unknown address to a loopback one (Local Network Access), and a
 * real site would not be fulfilled by the browser either.
 */

const brokers = process.env.KAFKA_BROKERS;
const SOURCE_ID = 'e2e-beacon';

test.skip(!brokers, 'needs real Kafka: KAFKA_BROKERS (npm test starts Kafka and sets it)');

function pipeline(topic: string) {
  const node = (id: string, type: string, config: Record<string, unknown> = {}) => ({ id, type, config });
  const edge = (from: string, to: string, fromPort = 'out', toPort = 'in') => ({ from: { node: from, port: fromPort }, to: { node: to, port: toPort } });
  return {
    name: `Beacon e2e ${topic}`,
    nodes: [
      node('beacon', 'source.http', { handler: 'beacon', sourceId: SOURCE_ID }),
      node('channel', 'channel.memory', { capacity: 1000, transactionCapacity: 100 }),
      node('kafka', 'sink.kafka', { flumeBatchSize: 100 }),
      node('visits', 'topic', { name: topic, partitions: 1 }),
      node('parse', 'op.parse', { format: 'combined' }),
      node('module', 'op.module', { strategy: 'firstSegment', default: 'home' }),
      node('geoip', 'op.geoip'),
      node('useragent', 'op.useragent'),
      node('window', 'op.window', { allowedLatenessSec: 300 }),
      node('views', 'view.redis'),
      node('dead', 'deadletter'),
    ],
    edges: [
      edge('beacon', 'channel'),
      edge('channel', 'kafka'),
      edge('kafka', 'visits'),
      edge('visits', 'parse'),
      edge('parse', 'module'),
      edge('module', 'geoip'),
      edge('geoip', 'useragent'),
      edge('useragent', 'window'),
      edge('window', 'views'),
      edge('parse', 'dead', 'dead', 'in'),
      edge('window', 'dead', 'dead', 'in'),
    ],
    layout: {},
  };
}

/** A customer's site on its own origin, every page embedding the beacon exactly as docs/beacon.md says. */
async function startSite(weirOrigin: string): Promise<{ origin: string; close(): Promise<void> }> {
  const html = `<!doctype html><html><head><meta charset="utf-8"><title>Shop</title>
<script async src="${weirOrigin}/weir-beacon.js" data-source="${SOURCE_ID}"></script></head>
<body><h1>Shop</h1></body></html>`;
  const server = http.createServer((req, res) => {
    if (req.url === '/favicon.ico') return void res.writeHead(404).end();
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(html);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

async function readTopic(topic: string): Promise<{ lines: string[]; consumer: Consumer }> {
  const kafka = new Kafka({ clientId: 'weir-e2e-beacon', brokers: brokers!.split(','), logLevel: logLevel.NOTHING });
  const consumer = kafka.consumer({ groupId: `weir-e2e-beacon-${Date.now()}` });
  const lines: string[] = [];
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({ eachMessage: async ({ message }) => void lines.push(message.value?.toString('utf8') ?? '') });
  return { lines, consumer };
}

test('a page view from weir-beacon.js reaches the Kafka topic as a combined line, and is counted', async ({ page, request, baseURL }) => {
  test.setTimeout(120_000);
  const nonce = Date.now().toString(36);
  const topic = `weir.e2e.beacon.${nonce}`;
  const site = await startSite(baseURL!);
  let pipelineId: string | undefined;
  let consumer: Consumer | undefined;
  try {
    const created = await request.post('/api/pipelines', { data: pipeline(topic) });
    expect(created.status(), await created.text()).toBe(201);
    pipelineId = String((await created.json()).pipeline.id);
    const deployed = await request.post(`/api/pipelines/${pipelineId}/deploy`);
    expect(deployed.ok(), await deployed.text()).toBe(true);

    // Registered once the agent runs: the preflight answers 204 instead of 404 collect_source_not_found.
    await expect
      .poll(async () => (await request.fetch(`/api/collect/${SOURCE_ID}`, { method: 'OPTIONS', headers: { origin: site.origin } })).status(), {
        message: `source.http "${SOURCE_ID}" registered`,
        timeout: 30_000,
      })
      .toBe(204);

    const read = await readTopic(topic);
    consumer = read.consumer;

    const collects: Promise<{ status: number; origin?: string }>[] = [];
    page.on('response', (r) => {
      if (r.url().endsWith(`/api/collect/${SOURCE_ID}`)) collects.push(r.request().allHeaders().then((h) => ({ status: r.status(), origin: h.origin })));
    });

    await page.goto(`${site.origin}/news/e2e-${nonce}?from=e2e`);
    const ua = await page.evaluate(() => navigator.userAgent);
    await expect.poll(() => read.lines.filter((l) => l.includes(`/news/e2e-${nonce}`)).length, { message: 'the load page view in the topic', timeout: 30_000 }).toBe(1);

    // A single-page app navigates without a load: the beacon counts the pushState too.
    await page.evaluate((path) => history.pushState({}, '', path), `/sports/e2e-${nonce}`);
    await expect.poll(() => read.lines.filter((l) => l.includes(`/sports/e2e-${nonce}`)).length, { message: 'the pushState page view in the topic', timeout: 30_000 }).toBe(1);

    const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    const ip = '(?:\\d{1,3}(?:\\.\\d{1,3}){3}|[0-9a-f:]+)';
    const newsLine = read.lines.find((l) => l.includes(`/news/e2e-${nonce}`))!;
    expect(newsLine).toMatch(new RegExp(`^${ip} - - \\[\\d\\d/\\w{3}/\\d{4}:\\d\\d:\\d\\d:\\d\\d \\+0000\\] "GET /news/e2e-${nonce}\\?from=e2e HTTP/1\\.1" 200 0 "-" "${esc(ua)}"$`));
    expect(newsLine.split(' ')[0]).toMatch(/^(127\.0\.0\.1|::1)$/); // the browser's loopback address, as Next saw the socket
    const sportsLine = read.lines.find((l) => l.includes(`/sports/e2e-${nonce}`))!;
    expect(sportsLine).toContain(`"GET /sports/e2e-${nonce} HTTP/1.1" 200 0 "${site.origin}/news/e2e-${nonce}?from=e2e" "${ua}"`);

    // Cross-origin (the site's port is not Weir's), sent as a simple request the browser did not block.
    // Chromium does not always report a sendBeacon's response to Playwright (the page may not wait
    // for it); the topic above has both page views, so every response seen must be a 204 for the site.
    const seen = await Promise.all(collects);
    expect(seen.length).toBeGreaterThanOrEqual(1);
    for (const r of seen) expect(r).toEqual({ status: 204, origin: site.origin });

    // The stream processor read them like any access log line: counted under their modules.
    const stats = async () => {
      const now = Date.now();
      const res = await request.get(`/api/pipelines/${pipelineId}/stats?groupBy=module&from=${now - 3_600_000}&to=${now + 60_000}`);
      const body = (await res.json()) as { breakdown?: { key: string; count: number }[] };
      return Object.fromEntries((body.breakdown ?? []).map((b) => [b.key, b.count]));
    };
    await expect.poll(stats, { message: 'visits counted per module', timeout: 60_000, intervals: [1000] }).toEqual({ news: 1, sports: 1 });
  } finally {
    await consumer?.disconnect().catch(() => undefined);
    if (pipelineId) {
      await request.post(`/api/pipelines/${pipelineId}/stop`).catch(() => undefined);
      await request.delete(`/api/pipelines/${pipelineId}`).catch(() => undefined);
    }
    await site.close();
  }
});
