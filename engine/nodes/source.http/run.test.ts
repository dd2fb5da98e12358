import { createServer } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { CollectRegistry } from '../../agent/collect-registry';
import type { HttpCollectRequest, HttpCollectResponse } from '../../agent/http/exchange';
import type { AgentEnv, FlumeCounters, Source, SourceContext } from '../../agent/types';
import { parseCombined } from '../../processor/parse/formats';
import { MemoryChannel } from '../channel.memory/run';
import { createHttpSource } from './run';
import { httpSourceSpec } from './spec';

const started: Source[] = [];
afterEach(async () => {
  await Promise.all(started.splice(0).map((s) => s.stop()));
});

async function setup(config: Record<string, unknown> = {}, opts: { capacity?: number; transactionCapacity?: number; collect?: CollectRegistry; agentId?: string; nodeId?: string } = {}) {
  const collect = opts.collect ?? new CollectRegistry();
  const counters: FlumeCounters = {};
  const logs: string[] = [];
  const env: AgentEnv = {
    agentId: opts.agentId ?? 'agent-1',
    dataDir: '/nonexistent',
    bus: undefined as never,
    collect,
    counters,
    log: (_level, message) => logs.push(message),
    deadLetter: () => undefined,
  };
  const channel = new MemoryChannel(opts.capacity ?? 1000, opts.transactionCapacity ?? opts.capacity ?? 1000);
  const abort = new AbortController();
  const ctx: SourceContext = {
    put: (events) => channel.put(events, abort.signal),
    resumePositions: new Map(),
    onSafePositions: () => undefined,
    signal: abort.signal,
  };
  const nodeId = opts.nodeId ?? 'web';
  const source = createHttpSource({ id: nodeId, type: 'source.http', config }, env);
  await source.start(ctx);
  started.push(source);
  const sourceId = (config.sourceId as string) || nodeId;
  const send = async (body: string, more: Partial<HttpCollectRequest> = {}): Promise<HttpCollectResponse> => {
    const handler = collect.lookup(sourceId);
    if (!handler) throw new Error(`no handler for ${sourceId}`);
    const req: HttpCollectRequest = { method: 'POST', body, contentType: 'application/json', headers: {}, remoteAddress: '203.0.113.9', ...more };
    return handler(req);
  };
  const drain = async () => {
    const t = await channel.take(10_000, 0);
    t.commit();
    return t.events;
  };
  return { source, send, channel, counters, collect, drain, logs };
}

const UA = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/140.0.0.0 Safari/537.36';
const beacon = (over: Record<string, unknown> = {}) => JSON.stringify({ url: 'https://shop.example/news/a-story?page=2#top', referrer: 'https://search.example/?q=weir', title: 'A story', ts: 1, lang: 'en', screen: '1920x1080', ...over });

describe('source.http JSONHandler (Flume format)', () => {
  it('accepts [{headers, body}] and answers 200 {accepted: n} once the events are in the channel', async () => {
    const { send, drain, counters } = await setup();
    const res = await send(JSON.stringify([{ headers: { host: 'web1' }, body: 'line one' }, { body: 'line two' }]));
    expect(res).toMatchObject({ status: 200, body: { accepted: 2 } });
    expect(await drain()).toEqual([
      { headers: { host: 'web1' }, body: 'line one' },
      { headers: {}, body: 'line two' },
    ]);
    expect(counters).toMatchObject({ EventReceivedCount: 2, EventAcceptedCount: 2, AppendBatchReceivedCount: 1, AppendBatchAcceptedCount: 1, RejectedRequestCount: 0, ChannelFullCount: 0, OpenConnectionCount: 0 });
    expect(await send('[]')).toMatchObject({ status: 200, body: { accepted: 0 } });
  });

  it.each([
    ['', 'empty_body', undefined],
    ['[{"body": "x"', 'malformed_json', undefined],
    ['{"headers": {}, "body": "x"}', 'invalid_events', '(body)'],
    ['"a line"', 'invalid_events', '(body)'],
    ['[1]', 'invalid_events', '[0]'],
    ['[{"body": "ok"}, {"headers": {}}]', 'invalid_events', '[1].body'],
    ['[{"body": 42}]', 'invalid_events', '[0].body'],
    ['[{"body": "x", "headers": ["a"]}]', 'invalid_events', '[0].headers'],
    ['[{"body": "x", "headers": {"port": 80}}]', 'invalid_events', '[0].headers.port'],
  ])('refuses %j with 400 %s, stores nothing', async (body, code, path) => {
    const { send, channel, counters } = await setup();
    const res = await send(body);
    expect(res.status).toBe(400);
    const error = (res.body as { error: { code: string; message: string; details: { path?: string } | null } }).error;
    expect(error.code).toBe(code);
    expect(error.message.length).toBeGreaterThan(20);
    if (path) expect(error.details?.path).toBe(path);
    expect(channel.size).toBe(0);
    expect(counters.RejectedRequestCount).toBe(1);
    expect(counters.AppendBatchReceivedCount).toBe(0);
  });

  it('tells a single object to be wrapped in an array', async () => {
    const { send } = await setup();
    const res = await send('{"body": "x"}');
    expect((res.body as { error: { message: string } }).error.message).toMatch(/wrap the event in an array/);
  });

  it('refuses a body over maxBodyBytes with 413; reads JSON whatever the content type says', async () => {
    const { send, channel, counters } = await setup({ maxBodyBytes: 1024 });
    const big = JSON.stringify([{ body: 'x'.repeat(1100) }]);
    expect(await send(big)).toMatchObject({ status: 413, body: { error: { code: 'body_too_large', details: { maxBodyBytes: 1024 } } } });
    // Bytes, not characters: 400 three-byte characters are 1200 bytes.
    expect((await send(JSON.stringify([{ body: '中'.repeat(400) }]))).status).toBe(413);
    // `curl -d` says form-urlencoded; the body is JSON all the same.
    expect((await send('[]', { contentType: 'application/x-www-form-urlencoded' })).status).toBe(200);
    expect((await send('[]', { contentType: 'text/plain;charset=UTF-8' })).status).toBe(200);
    expect((await send('[]', { contentType: '' })).status).toBe(200);
    const form = await send('body=x', { contentType: 'application/x-www-form-urlencoded' });
    expect(form).toMatchObject({ status: 400, body: { error: { code: 'malformed_json', message: expect.stringContaining('not a form') } } });
    expect(channel.size).toBe(0);
    expect(counters.RejectedRequestCount).toBe(3);
  });
});

describe('source.http beacon', () => {
  it('turns a page view into a combined line that op.parse reads back (path, UA, IP, referrer)', async () => {
    const { send, drain, counters } = await setup({ handler: 'beacon' });
    const before = Date.now();
    const res = await send(beacon(), { contentType: 'text/plain;charset=UTF-8', headers: { 'user-agent': UA, 'x-request-id': 'req-42' } });
    expect(res.status).toBe(204);
    expect(res.body).toBeUndefined();
    expect(res.headers).toMatchObject({ 'Access-Control-Allow-Origin': '*' });
    const [event] = await drain();
    expect(event.origin).toBeUndefined(); // HTTP cannot be replayed
    expect(event.headers).toMatchObject({ host: 'shop.example', userAgent: UA, clientIp: '203.0.113.9', requestId: 'req-42', title: 'A story', lang: 'en', screen: '1920x1080', clientTimestamp: '1' });
    expect(Number(event.headers.timestamp)).toBeGreaterThanOrEqual(before);
    expect(event.body).toMatch(/^203\.0\.113\.9 - - \[\d\d\/\w{3}\/\d{4}:\d\d:\d\d:\d\d \+0000\] "GET \/news\/a-story\?page=2 HTTP\/1\.1" 200 0 "https:\/\/search\.example\/\?q=weir" "Mozilla/);
    const parsed = parseCombined(event.body);
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    expect(parsed.visit).toMatchObject({ ip: '203.0.113.9', method: 'GET', path: '/news/a-story?page=2', status: 200, referrer: 'https://search.example/?q=weir', ua: UA });
    // Whole seconds, the line's resolution.
    expect(parsed.visit.ts).toBe(Math.floor(Number(event.headers.timestamp) / 1000) * 1000);
    expect(counters).toMatchObject({ EventAcceptedCount: 1, AppendBatchAcceptedCount: 1 });
  });

  it('escapes quotes, backslashes and control characters so a hostile page cannot break the line', async () => {
    const { send, drain } = await setup({ handler: 'beacon' });
    const evilUa = 'Evil "Bot" \\ 1.0\n1.2.3.4 - - [01/Jan/2020:00:00:00 +0000] "GET /x HTTP/1.1" 200 0 "-" "x"\\';
    await send(beacon({ url: 'https://shop.example/a b/"quoted"?q=<x>&r="1"', referrer: 'not a url "' }), { headers: { 'user-agent': evilUa } });
    const [event] = await drain();
    expect(event.body).not.toContain('\n');
    const parsed = parseCombined(event.body);
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    expect(parsed.visit.path).toBe('/a%20b/%22quoted%22?q=%3Cx%3E&r=%221%22');
    expect(parsed.visit.referrer).toBe('-');
    expect(parsed.visit.ua).toBe('Evil \\"Bot\\" \\\\ 1.0\\x0a1.2.3.4 - - [01/Jan/2020:00:00:00 +0000] \\"GET /x HTTP/1.1\\" 200 0 \\"-\\" \\"x\\"\\\\');
    expect(parsed.visit.ip).toBe('203.0.113.9');
  });

  it('writes - for a missing user agent and referrer, and still parses', async () => {
    const { send, drain } = await setup({ handler: 'beacon' });
    await send(JSON.stringify({ url: 'https://shop.example/' }));
    const [event] = await drain();
    expect(event.body).toMatch(/"GET \/ HTTP\/1\.1" 200 0 "-" "-"$/);
    expect(parseCombined(event.body).ok).toBe(true);
  });

  it.each([
    ['{}', 'url'],
    ['{"url": 5}', 'url'],
    ['{"url": "/relative/path"}', 'url'],
    ['{"url": "javascript:alert(1)"}', 'url'],
    ['{"url": "https://a.example/", "ts": "yesterday"}', 'ts'],
    ['{"url": "https://a.example/", "title": {"x": 1}}', 'title'],
    ['["https://a.example/"]', '(body)'],
  ])('refuses beacon %s with 400 naming %s', async (body, path) => {
    const { send, channel } = await setup({ handler: 'beacon' });
    const res = await send(body);
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ error: { code: 'invalid_beacon', details: { path } } });
    expect(channel.size).toBe(0);
  });

  it('believes X-Forwarded-For only from trusted proxies, taking the right-most untrusted hop', async () => {
    const { send, drain } = await setup({ handler: 'beacon', trustedProxies: ['198.18.0.0/15'] });
    const ipOf = async (remoteAddress: string, xff?: string) => {
      await send(beacon(), { remoteAddress, headers: xff ? { 'x-forwarded-for': xff } : {} });
      const [event] = await drain();
      const parsed = parseCombined(event.body);
      expect(parsed.ok && parsed.visit.ip).toBe(event.headers.clientIp);
      return event.headers.clientIp;
    };
    // A public peer is the client whatever it claims.
    expect(await ipOf('203.0.113.9', '198.51.100.1')).toBe('203.0.113.9');
    // A configured proxy: the right-most hop that is not ours; what the client wrote further left is not believed.
    expect(await ipOf('198.18.0.1', '1.1.1.1, 198.51.100.2')).toBe('198.51.100.2');
    expect(await ipOf('198.18.0.1', '1.1.1.1, 198.51.100.2, 198.19.4.4')).toBe('198.51.100.2');
    // Private peers (a local reverse proxy) are proxies too.
    expect(await ipOf('127.0.0.1', '198.51.100.3')).toBe('198.51.100.3');
    expect(await ipOf('10.1.2.3')).toBe('10.1.2.3');
    // An IPv4 client on a dual-stack socket.
    expect(await ipOf('::ffff:203.0.113.77')).toBe('203.0.113.77');
    expect(await ipOf('2001:db8::1')).toBe('2001:db8::1');
    // No address at all: the line still parses, with "-".
    expect(await ipOf('')).toBe('-');
    expect(await ipOf('127.0.0.1', 'unknown')).toBe('127.0.0.1'); // a hop that is not an address ends the walk
  });

  it('answers CORS: allowed origins echoed, others refused with 403, preflight 204', async () => {
    const { send, channel, counters } = await setup({ handler: 'beacon', allowedOrigins: ['https://shop.example'] });
    const ok = await send(beacon(), { headers: { origin: 'https://shop.example' } });
    expect(ok).toMatchObject({ status: 204, headers: { 'Access-Control-Allow-Origin': 'https://shop.example', Vary: 'Origin' } });
    const refused = await send(beacon(), { headers: { origin: 'https://evil.example' } });
    expect(refused).toMatchObject({ status: 403, body: { error: { code: 'origin_not_allowed', details: { origin: 'https://evil.example' } } } });
    expect(refused.headers?.['Access-Control-Allow-Origin']).toBeUndefined();
    // Not a browser: no Origin, no CORS.
    expect((await send(beacon())).status).toBe(204);
    const preflight = await send('', { method: 'OPTIONS', headers: { origin: 'https://shop.example', 'access-control-request-method': 'POST' } });
    expect(preflight).toMatchObject({ status: 204, headers: { 'Access-Control-Allow-Origin': 'https://shop.example', 'Access-Control-Allow-Methods': 'POST, OPTIONS' } });
    expect((await send('', { method: 'OPTIONS', headers: { origin: 'https://evil.example' } })).status).toBe(403);
    expect(channel.size).toBe(2);
    expect(counters.RejectedRequestCount).toBe(2);
  });
});

describe('source.http back-pressure', () => {
  it('answers 503 with Retry-After when the channel stays full, then accepts again once it drains', async () => {
    const { send, channel, counters } = await setup({ putTimeoutMs: 50 }, { capacity: 2 });
    expect((await send('[{"body": "1"}, {"body": "2"}]')).status).toBe(200);
    const t0 = Date.now();
    const full = await send('[{"body": "3"}]');
    expect(Date.now() - t0).toBeGreaterThanOrEqual(40); // waited its bounded time
    expect(full).toMatchObject({ status: 503, body: { error: { code: 'channel_full' } }, headers: { 'Retry-After': '1' } });
    // While that put is still waiting, the next request is refused at once and puts nothing.
    const t1 = Date.now();
    expect((await send('[{"body": "4"}]')).status).toBe(503);
    expect(Date.now() - t1).toBeLessThan(40);
    expect(counters.ChannelFullCount).toBe(2);

    const take = await channel.take(10, 0);
    take.commit();
    await new Promise((r) => setTimeout(r, 10));
    expect((await send('[{"body": "5"}]')).status).toBe(200);
    // "3" timed out but was handed to the agent, so it lands (at-least-once); "4" was never put.
    const rest = await channel.take(10, 0);
    expect(rest.events.map((e) => e.body)).toEqual(['3', '5']);
    expect(counters).toMatchObject({ EventReceivedCount: 5, EventAcceptedCount: 3, AppendBatchReceivedCount: 4, AppendBatchAcceptedCount: 2 });
  });

  it('answers 413 when one request holds more events than the channel can', async () => {
    const { send, channel } = await setup({}, { capacity: 2, transactionCapacity: 10 });
    expect(await send('[{"body": "1"}, {"body": "2"}, {"body": "3"}]')).toMatchObject({ status: 413, body: { error: { code: 'too_many_events' } } });
    expect(channel.size).toBe(0);
  });
});

describe('source.http lifecycle', () => {
  it('registers its sourceId (default: the node id), refuses a second owner, unregisters on stop', async () => {
    const collect = new CollectRegistry();
    const a = await setup({}, { collect, nodeId: 'beacons' });
    expect(collect.ids()).toEqual(['beacons']);
    await expect(setup({ sourceId: 'beacons' }, { collect, agentId: 'other-agent', nodeId: 'h2' })).rejects.toMatchObject({ code: 'collect_source_taken', status: 409 });
    await a.source.stop();
    expect(collect.lookup('beacons')).toBeUndefined();
    const after = await a.send('[]').catch((e: Error) => e);
    expect(after).toBeInstanceOf(Error);
  });

  it('refuses a bad config at creation with a message naming the field', () => {
    const env = { agentId: 'a', dataDir: '', bus: undefined as never, collect: new CollectRegistry(), counters: {}, log: () => undefined, deadLetter: () => undefined };
    expect(() => createHttpSource({ id: 'h', type: 'source.http', config: { sourceId: 'has space' } }, env)).toThrow(/sourceId/);
    expect(() => createHttpSource({ id: 'h', type: 'source.http', config: { trustedProxies: ['10.0.0.0/99'] } }, env)).toThrow(/trustedProxies/);
  });

  it('listens on its own port (Flume style) with the real peer address', async () => {
    const port = await freePort();
    const { drain, counters } = await setup({ handler: 'beacon', port, bind: '127.0.0.1' });
    const res = await fetch(`http://127.0.0.1:${port}/anything`, { method: 'POST', body: beacon(), headers: { 'content-type': 'text/plain', 'user-agent': UA, 'x-forwarded-for': '198.51.100.7' } });
    expect(res.status).toBe(204);
    const [event] = await drain();
    // The peer is loopback (a local proxy), so its X-Forwarded-For is believed.
    expect(event.headers.clientIp).toBe('198.51.100.7');
    const plain = await fetch(`http://127.0.0.1:${port}/`, { method: 'POST', body: beacon(), headers: { 'user-agent': UA } });
    expect(plain.status).toBe(204);
    expect((await drain())[0].headers.clientIp).toBe('127.0.0.1');
    const get = await fetch(`http://127.0.0.1:${port}/`);
    expect(get.status).toBe(405);
    expect((await get.json()).error.code).toBe('method_not_allowed');
    const big = await fetch(`http://127.0.0.1:${port}/`, { method: 'POST', body: 'x'.repeat(70_000) });
    expect(big.status).toBe(413);
    expect(counters.OpenConnectionCount).toBe(0);
  });

  it('fails to start with a clear error when its port is taken', async () => {
    const port = await freePort();
    await setup({ port, bind: '127.0.0.1' }, { nodeId: 'first' });
    const collect = new CollectRegistry();
    await expect(setup({ port, bind: '127.0.0.1' }, { collect, nodeId: 'second' })).rejects.toMatchObject({ code: 'http_source_listen_failed' });
    expect(collect.ids()).toEqual([]); // nothing left registered
  });
});

describe('source.http spec', () => {
  it('validates sourceId, trustedProxies and allowedOrigins, and spreads the channel selector', () => {
    const ok = httpSourceSpec.config.parse({});
    expect(ok).toMatchObject({ handler: 'JSONHandler', sourceId: '', port: 0, bind: '0.0.0.0', maxBodyBytes: 65_536, allowedOrigins: ['*'], beaconFormat: 'combined', 'selector.type': 'replicating' });
    expect(httpSourceSpec.config.safeParse({ trustedProxies: ['10.0.0.0/8', '192.168.1.7', '2001:db8::/32', '::1'] }).success).toBe(true);
    for (const bad of [{ sourceId: 'a/b' }, { sourceId: 'x'.repeat(65) }, { trustedProxies: ['10.0.0.0/33'] }, { trustedProxies: ['example.com'] }, { allowedOrigins: ['https://a.example/path'] }, { allowedOrigins: [] }, { handler: 'SyslogHandler' }]) {
      expect(httpSourceSpec.config.safeParse(bad).success, JSON.stringify(bad)).toBe(false);
    }
  });
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}
