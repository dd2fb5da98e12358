import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { siteAnalyticsTemplate } from '../spec/templates';
import { pipelinePrefix } from '../store/view-keys';
import { expectedCounts } from '../testing/expected-counts';
import { startWeir, type Weir } from './weir';

const { KAFKA_BROKERS, REDIS_URL } = process.env;

/**
 * The walking skeleton end to end on real Kafka and Redis: the demo generator → memory channel →
 * Kafka sink → topic → parse → module → GeoIP → user agent → window → Redis views. The counts in
 * Redis must equal, cell for cell, counts computed here directly from what landed in the topic.
 */
describe('site analytics pipeline on real Kafka and Redis', () => {
  const opened: { weir: Weir; pipelineId?: string }[] = [];

  beforeAll(() => {
    if (!KAFKA_BROKERS || !REDIS_URL) throw new Error('KAFKA_BROKERS and REDIS_URL are not set: run via `npm test`, or `npm run infra:up` and export what it prints.');
  });

  afterEach(async () => {
    for (const { weir, pipelineId } of opened.splice(0).reverse()) {
      await weir.runtime.close();
      if (pipelineId) await weir.store.deletePrefix(pipelinePrefix(pipelineId));
      await Promise.all([weir.bus.close(), weir.store.close()]);
    }
  });

  async function createPipeline(dataDir: string, events: number, rate: number) {
    const weir = await startWeir({ env: { ...process.env, WEIR_DATA_DIR: dataDir }, bootstrap: false });
    const run = Date.now();
    // A fresh pipeline id each time: the agent resumes where a pipeline of the same id stopped (its committed offsets).
    const doc = siteAnalyticsTemplate({ name: `IT site analytics ${run}`, topic: `it-visits-${run}`, rate });
    Object.assign(doc.nodes.find((n) => n.id === 'generator')!.config, { total: events, seed: 7, batchSize: 200, dailyRhythm: false });
    const pipelineId = (await weir.repo.create(doc)).id;
    opened.push({ weir, pipelineId });
    return { weir, pipelineId, topic: doc.nodes.find((n) => n.id === 'visits')!.config.name as string };
  }

  async function waitUntilProcessed(weir: Weir, pipelineId: string, topic: string, events: number) {
    const deadline = Date.now() + 90_000;
    for (;;) {
      // The sink writes in Kafka transactions, whose commit markers take offsets too: count what it delivered.
      const status = await weir.runtime.status(pipelineId);
      const written = status.nodes.kafka?.flume?.EventDrainSuccessCount ?? 0;
      if (written === events && status.nodes.visits?.lag === 0) return;
      if (Date.now() > deadline) throw new Error(`timed out: ${written}/${events} written, status ${JSON.stringify(status.nodes.visits)}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }

  async function expectExactCounts(weir: Weir, pipelineId: string, topic: string, events: number) {
    const lines = await readTopic(weir, topic, events);
    expect(lines).toHaveLength(events);
    const expected = await expectedCounts(pipelineId, lines);
    const keys = [...expected.keys()];
    const actual = await weir.store.readSortedSets(keys);
    keys.forEach((key, i) => expect(actual[i], key).toEqual(expected.get(key)));
    return { keys, actual };
  }

  it('counts every generated visit exactly once, per module × region and module × client', async () => {
    const EVENTS = 20_000;
    const { weir, pipelineId, topic } = await createPipeline(mkdtempSync(path.join(tmpdir(), 'weir-it-')), EVENTS, 50_000);
    await weir.runtime.deploy(pipelineId);
    expect(weir.runtime.state(pipelineId)).toBe('running');
    await waitUntilProcessed(weir, pipelineId, topic, EVENTS);

    const { keys, actual } = await expectExactCounts(weir, pipelineId, topic, EVENTS);
    // The all-modules region hashes (`…:<bucket>:region`).
    const regions = new Set(actual.flatMap((h, i) => (keys[i].endsWith(':region') ? Object.keys(h) : [])));
    expect(regions.size).toBeGreaterThan(10); // the demo spreads visits over provinces and countries

    const status = await weir.runtime.status(pipelineId);
    expect(status.nodes.parse).toMatchObject({ in: EVENTS, out: EVENTS, errors: 0 });
    expect(status.nodes.generator.out).toBe(EVENTS);
  });

  it('stays exact when a second worker joins the consumer group mid-stream (rebalance)', async () => {
    const EVENTS = 30_000;
    const dataDir = mkdtempSync(path.join(tmpdir(), 'weir-it-'));
    const { weir, pipelineId, topic } = await createPipeline(dataDir, EVENTS, 5_000);
    await weir.runtime.deploy(pipelineId);
    await new Promise((r) => setTimeout(r, 1_500));
    // `npm run worker` in-process: role worker runs only the processor jobs of deployed pipelines.
    const worker = await startWeir({ env: { ...process.env, WEIR_DATA_DIR: dataDir }, role: 'worker', bootstrap: false });
    opened.push({ weir: worker });
    expect(worker.runtime.state(pipelineId)).toBe('running');
    await waitUntilProcessed(weir, pipelineId, topic, EVENTS);
    await expectExactCounts(weir, pipelineId, topic, EVENTS);
    // Both members did part of the work.
    const [a, b] = [await weir.runtime.status(pipelineId), await worker.runtime.status(pipelineId)];
    expect(a.nodes.parse.in + b.nodes.parse.in).toBe(EVENTS);
    expect(b.nodes.parse.in).toBeGreaterThan(0);
  });
});

async function readTopic(weir: Weir, topic: string, n: number): Promise<string[]> {
  const lines: string[] = [];
  let done!: () => void;
  const all = new Promise<void>((r) => (done = r));
  const consumer = await weir.bus.consume({
    groupId: `it-reader-${Date.now()}`,
    topic,
    fromBeginning: true,
    eachBatch: async (b) => {
      for (const m of b.messages) lines.push(m.value);
      if (lines.length >= n) done();
    },
  });
  await Promise.race([all, new Promise((r) => setTimeout(r, 60_000))]);
  await consumer.stop();
  return lines;
}
