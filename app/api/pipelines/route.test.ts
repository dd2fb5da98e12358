import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { siteAnalyticsTemplate } from '@/engine/spec/templates';

// This file drives the route handlers in-process on the embedded bus and store.
process.env.WEIR_DATA_DIR = mkdtempSync(path.join(tmpdir(), 'weir-api-'));
process.env.WEIR_BOOTSTRAP = '0';
delete process.env.KAFKA_BROKERS;
delete process.env.REDIS_URL;

const collection = await import('./route');
const item = await import('./[id]/route');
const validate = await import('./[id]/validate/route');
const deploy = await import('./[id]/deploy/route');

const ctx = <P extends Record<string, string>>(params: P = {} as P) => ({ params: Promise.resolve(params) });
const post = (body: string) => new Request('http://x/api/pipelines', { method: 'POST', body, headers: { 'content-type': 'application/json' } });
const put = (id: string, body: string) => new Request(`http://x/api/pipelines/${id}`, { method: 'PUT', body });

async function list() {
  const r = await collection.GET(new Request('http://x/api/pipelines'), ctx());
  return (await r.json()).pipelines as { id: string; version: number }[];
}

async function expectError(res: Response, status: number, code: string) {
  expect(res.status).toBe(status);
  const body = await res.json();
  expect(body.error).toMatchObject({ code, message: expect.any(String) });
  expect(body.error).toHaveProperty('details');
  return body.error;
}

describe('pipelines REST: bad input never changes stored state', () => {
  let id: string;
  beforeAll(async () => {
    const res = await collection.POST(post(JSON.stringify(siteAnalyticsTemplate())), ctx());
    expect(res.status).toBe(201);
    id = (await res.json()).pipeline.id;
  });

  const template = () => siteAnalyticsTemplate();

  it('malformed JSON → 400 malformed_json', async () => {
    const before = await list();
    await expectError(await collection.POST(post('{"name": "x", nodes: ['), ctx()), 400, 'malformed_json');
    await expectError(await item.PUT(put(id, '{oops'), ctx({ id })), 400, 'malformed_json');
    expect(await list()).toEqual(before);
  });

  it('unknown node type → 400 naming the node', async () => {
    const doc = template();
    doc.nodes.push({ id: 'mystery', type: 'op.teleport', config: {} });
    const err = await expectError(await item.PUT(put(id, JSON.stringify(doc)), ctx({ id })), 400, 'invalid_pipeline');
    expect(err.details.errors).toContainEqual(expect.objectContaining({ code: 'unknown_node_type', nodeId: 'mystery' }));
    expect((await list()).find((p) => p.id === id)?.version).toBe(1);
  });

  it('missing required field → 400 naming node and field', async () => {
    const doc = template();
    doc.nodes.find((n) => n.id === 'visits')!.config = { partitions: 3 };
    const err = await expectError(await collection.POST(post(JSON.stringify(doc)), ctx()), 400, 'invalid_pipeline');
    expect(err.details.errors).toContainEqual(expect.objectContaining({ code: 'missing_required_field', nodeId: 'visits', path: expect.stringContaining('config.name') }));
  });

  it('edge between incompatible ports → 400 naming the edge', async () => {
    const doc = template();
    doc.edges.push({ from: { node: 'generator', port: 'out' }, to: { node: 'views', port: 'in' } });
    const err = await expectError(await item.PUT(put(id, JSON.stringify(doc)), ctx({ id })), 400, 'invalid_pipeline');
    expect(err.details.errors).toContainEqual(expect.objectContaining({ code: 'incompatible_ports', edge: expect.objectContaining({ from: { node: 'generator', port: 'out' } }) }));
  });

  it('cycle → 400 cycle', async () => {
    const doc = template();
    doc.edges = doc.edges.filter((e) => e.to.node !== 'module');
    doc.edges.push({ from: { node: 'useragent', port: 'out' }, to: { node: 'module', port: 'in' } });
    const err = await expectError(await item.PUT(put(id, JSON.stringify(doc)), ctx({ id })), 400, 'invalid_pipeline');
    expect(err.details.errors.map((e: { code: string }) => e.code)).toContain('cycle');
  });

  it('body of the wrong shape → 400 invalid_body naming the field', async () => {
    const err = await expectError(await collection.POST(post(JSON.stringify({ name: 5, nodes: 'x' })), ctx()), 400, 'invalid_body');
    expect(err.details.errors.map((e: { path: string }) => e.path)).toEqual(expect.arrayContaining(['name', 'nodes']));
  });

  it('unknown pipeline → 404', async () => {
    await expectError(await item.GET(new Request('http://x'), ctx({ id: 'nope' })), 404, 'pipeline_not_found');
    await expectError(await deploy.POST(new Request('http://x', { method: 'POST' }), ctx({ id: 'nope' })), 404, 'pipeline_not_found');
  });

  it('validate answers { ok, errors } for a draft without saving it', async () => {
    const doc = template();
    doc.edges = doc.edges.filter((e) => e.to.node !== 'views');
    const res = await validate.POST(new Request('http://x', { method: 'POST', body: JSON.stringify(doc) }), ctx({ id }));
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body.ok).toBe(false);
    expect(body.errors).toContainEqual(expect.objectContaining({ code: 'missing_input', nodeId: 'views' }));
    expect((await list()).find((p) => p.id === id)?.version).toBe(1);
  });

  it('a valid PUT makes a new version', async () => {
    const res = await item.PUT(put(id, JSON.stringify({ ...template(), name: 'Renamed' })), ctx({ id }));
    expect(res.status).toBe(200);
    expect((await res.json()).pipeline).toMatchObject({ id, version: 2, name: 'Renamed' });
  });
});
