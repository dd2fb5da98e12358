import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AgentEnv, FlumeEvent, Source } from '@/engine/agent/types';
import { MemoryChannel } from '@/engine/nodes/channel.memory/run';
import { createHttpSource } from '@/engine/nodes/source.http/run';
import { parseCombined } from '@/engine/processor/parse/formats';
import { getWeir } from '@/engine/runtime/weir';

// The route in-process on the embedded bus and store, with source.http nodes registered on the
// process's collect registry the way a deployed pipeline's agent registers them.
process.env.WEIR_DATA_DIR = mkdtempSync(path.join(tmpdir(), 'weir-collect-'));
process.env.WEIR_BOOTSTRAP = '0';
delete process.env.KAFKA_BROKERS;
delete process.env.REDIS_URL;

const { POST, OPTIONS } = await import('./route');

const ctx = (sourceId: string) => ({ params: Promise.resolve({ sourceId }) });
const UA = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/140.0.0.0 Safari/537.36';

const channel = new MemoryChannel(100, 100);
const sources: Source[] = [];

async function startSource(nodeId: string, config: Record<string, unknown>) {
  const { collect } = await getWeir();
  const env: AgentEnv = { agentId: 'route-test', dataDir: '', bus: undefined as never, collect, counters: {}, log: () => undefined, deadLetter: () => undefined };
  const source = createHttpSource({ id: nodeId, type: 'source.http', config }, env);
  const abort = new AbortController();
  await source.start({ put: (events) => channel.put(events, abort.signal), resumePositions: new Map(), onSafePositions: () => undefined, signal: abort.signal });
  sources.push(source);
}

async function taken(): Promise<FlumeEvent[]> {
  const t = await channel.take(100, 0);
  t.commit();
  return t.events;
}

const post = (id: string, body: string, headers: Record<string, string> = {}) =>
  POST(new Request(`http://weir.test/api/collect/${id}`, { method: 'POST', body, headers: { 'content-type': 'text/plain;charset=UTF-8', ...headers } }), ctx(id));

beforeAll(async () => {
  await startSource('web1', { handler: 'beacon', allowedOrigins: ['https://shop.example'] });
  await startSource('flume', { handler: 'JSONHandler', sourceId: 'flume-json' });
});

afterAll(async () => {
  await Promise.all(sources.map((s) => s.stop()));
});

describe('POST /api/collect/{sourceId}', () => {
  it('takes a beacon: 204, CORS for the page, a combined line with the peer from X-Forwarded-For', async () => {
    // `next start` sets X-Forwarded-For to the socket's address when the request has none.
    const res = await post('web1', JSON.stringify({ url: 'https://shop.example/sports/live?id=7', referrer: '' }), {
      'user-agent': UA,
      origin: 'https://shop.example',
      'x-forwarded-for': '203.0.113.50',
    });
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-origin')).toBe('https://shop.example');
    expect(await res.text()).toBe('');
    const [event] = await taken();
    const parsed = parseCombined(event.body);
    expect(parsed.ok && parsed.visit).toMatchObject({ ip: '203.0.113.50', path: '/sports/live?id=7', ua: UA, referrer: '-' });
  });

  it('reads the client behind a proxy in front of Next: the right-most hop is the peer', async () => {
    // nginx (peer of Next, on loopback) appended the browser's address; the left-most entry is what the browser claimed.
    await post('web1', JSON.stringify({ url: 'https://shop.example/' }), { 'x-forwarded-for': '6.6.6.6, 198.51.100.23' });
    expect((await taken())[0].headers.clientIp).toBe('198.51.100.23');
  });

  it('takes Flume JSON events: 200 {accepted}', async () => {
    const res = await post('flume-json', JSON.stringify([{ headers: { a: 'b' }, body: 'x' }]), { 'content-type': 'application/json' });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/application\/json/);
    expect(await res.json()).toEqual({ accepted: 1 });
    expect(await taken()).toEqual([{ headers: { a: 'b' }, body: 'x' }]);
  });

  it('answers the API error shape for a bad body, an origin not allowed, and a body over the hard cap', async () => {
    const bad = await post('flume-json', '{"body": "not in an array"}');
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ error: { code: 'invalid_events', message: expect.stringContaining('array'), details: expect.anything() } });

    const foreign = await post('web1', JSON.stringify({ url: 'https://evil.example/' }), { origin: 'https://evil.example' });
    expect(foreign.status).toBe(403);
    expect((await foreign.json()).error.code).toBe('origin_not_allowed');

    const huge = await post('flume-json', 'x'.repeat(1_048_577));
    expect(huge.status).toBe(413);
    expect(await huge.json()).toMatchObject({ error: { code: 'body_too_large', details: null } });
    expect(channel.size).toBe(0);
  });

  it('answers 404 collect_source_not_found naming the running ids for an unknown source', async () => {
    const res = await post('nope', '{}');
    expect(res.status).toBe(404);
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    const { error } = await res.json();
    expect(error.code).toBe('collect_source_not_found');
    expect(error.message).toMatch(/source\.http node whose sourceId is "nope"/);
    expect(error.details).toEqual({ sourceId: 'nope', known: ['flume-json', 'web1'] });
  });

  it('does not ask for WEIR_API_TOKEN: a browser beacon cannot carry it', async () => {
    process.env.WEIR_API_TOKEN = 'secret';
    try {
      expect((await post('web1', JSON.stringify({ url: 'https://shop.example/' }))).status).toBe(204);
      await taken();
    } finally {
      delete process.env.WEIR_API_TOKEN;
    }
  });
});

describe('OPTIONS /api/collect/{sourceId}', () => {
  it('answers the CORS preflight for an allowed origin', async () => {
    const req = new Request('http://weir.test/api/collect/web1', { method: 'OPTIONS', headers: { origin: 'https://shop.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' } });
    const res = await OPTIONS(req, ctx('web1'));
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-origin')).toBe('https://shop.example');
    expect(res.headers.get('access-control-allow-methods')).toContain('POST');
    expect(res.headers.get('access-control-allow-headers')?.toLowerCase()).toContain('content-type');
    const refused = await OPTIONS(new Request('http://weir.test/api/collect/web1', { method: 'OPTIONS', headers: { origin: 'https://evil.example' } }), ctx('web1'));
    expect(refused.status).toBe(403);
  });
});
