import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { AgentRunner } from '../../agent/agent-runner';
import { CollectRegistry } from '../../agent/collect-registry';
import type { HttpCollectHandler } from '../../agent/http/exchange';
import { EmbeddedBus } from '../../bus/embedded';
import type { IncomingMessage } from '../../bus/types';
import { parseCombined } from '../../processor/parse/formats';
import { PipelineMetrics } from '../../runtime/metrics';
import { compile } from '../../spec/compile';
import type { PipelineDocument } from '../../spec/document';
import { lookupNodeSpec } from '../registry';
import { runners } from '../runners';
import { createHttpSource } from './run';
import { httpSourceSpec } from './spec';

// Until registry.ts and runners.ts list source.http, this test supplies both itself.
runners['source.http'] ??= { kind: 'source', create: createHttpSource };
const lookup = (type: string) => (type === 'source.http' ? httpSourceSpec : lookupNodeSpec(type));

const dataDir = mkdtempSync(path.join(os.tmpdir(), 'weir-http-agent-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

const edge = (from: string, to: string) => ({ from: { node: from, port: 'out' }, to: { node: to, port: 'in' } });
const doc: PipelineDocument = {
  id: 'beacons',
  name: 'beacons',
  version: 1,
  layout: {},
  nodes: [
    { id: 'web', type: 'source.http', config: { handler: 'beacon', sourceId: 'site-1' } },
    { id: 'c1', type: 'channel.memory', config: { capacity: 100, transactionCapacity: 10 } },
    { id: 'k1', type: 'sink.kafka', config: { flumeBatchSize: 10 } },
    { id: 't1', type: 'topic', config: { name: 'beacon-lines', partitions: 1 } },
  ],
  edges: [edge('web', 'c1'), edge('c1', 'k1'), edge('k1', 't1')],
};

describe('source.http inside a collection agent', () => {
  it('registers under its sourceId, and a page view reaches the topic as a combined line; stop unregisters', async () => {
    const plan = compile(doc, lookup);
    const bus = new EmbeddedBus();
    for (const t of plan.topics) await bus.ensureTopic({ name: t.name, partitions: t.partitions });
    const collect = new CollectRegistry();
    const metrics = new PipelineMetrics();
    const errors: string[] = [];
    const agent = new AgentRunner(plan.agents[0], {
      bus,
      metrics,
      dataDir,
      collect,
      agentId: 'beacons.agent',
      log: () => undefined,
      deadLetter: (_id, _e, reason) => errors.push(reason),
      onError: (id, e) => errors.push(`${id}: ${(e as Error).message}`),
    });
    await agent.start();
    const got: IncomingMessage[] = [];
    const consumer = await bus.consume({ groupId: 'check', topic: 'beacon-lines', fromBeginning: true, eachBatch: async (b) => void got.push(...b.messages) });
    try {
      expect(collect.ids()).toEqual(['site-1']);
      const handle = collect.lookup('site-1') as HttpCollectHandler;
      const res = await handle({
        method: 'POST',
        body: JSON.stringify({ url: 'https://shop.example/video/42?autoplay=1', referrer: 'https://t.example/' }),
        contentType: 'text/plain;charset=UTF-8',
        headers: { 'user-agent': 'Mozilla/5.0 Firefox/140.0' },
        remoteAddress: '198.51.100.20',
      });
      expect(res.status).toBe(204);
      for (let i = 0; i < 100 && got.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
      expect(got).toHaveLength(1);
      const parsed = parseCombined(got[0].value);
      expect(parsed.ok && parsed.visit).toMatchObject({ ip: '198.51.100.20', path: '/video/42?autoplay=1', ua: 'Mozilla/5.0 Firefox/140.0', referrer: 'https://t.example/' });
      expect(errors).toEqual([]);
      expect(metrics.flume('web')).toMatchObject({ EventAcceptedCount: 1, AppendBatchAcceptedCount: 1 });
    } finally {
      await consumer.stop();
      await agent.stop(500);
    }
    expect(collect.ids()).toEqual([]);
  });
});
