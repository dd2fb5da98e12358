import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GeoIp } from '../processor/lookup/geoip';
import { UserAgents } from '../processor/lookup/useragent';
import { siteAnalyticsTemplate } from '../spec/templates';
import { counterKey, pipelinePrefix } from '../store/view-keys';
import { startWeir, type Weir } from './weir';

const EVENTS = 20_000;
const { KAFKA_BROKERS, REDIS_URL } = process.env;

/**
 * The walking skeleton end to end on real Kafka and Redis: the demo generator → memory channel →
 * Kafka sink → topic → parse → module → GeoIP → user agent → window → Redis views. The counts in
 * Redis must equal, cell for cell, counts computed here directly from what landed in the topic.
 */
describe('site analytics pipeline on real Kafka and Redis', () => {
  let weir: Weir;
  let pipelineId: string;
  const topic = `it-visits-${Date.now()}`;

  beforeAll(async () => {
    if (!KAFKA_BROKERS || !REDIS_URL) throw new Error('KAFKA_BROKERS and REDIS_URL are not set: run via `npm test`, or `npm run infra:up` and export what it prints.');
    weir = await startWeir({ env: { ...process.env, WEIR_DATA_DIR: mkdtempSync(path.join(tmpdir(), 'weir-it-')) }, bootstrap: false });
    const doc = siteAnalyticsTemplate({ name: 'IT site analytics', topic, rate: 50_000 });
    Object.assign(doc.nodes.find((n) => n.id === 'generator')!.config, { total: EVENTS, seed: 7, batchSize: 500 });
    pipelineId = (await weir.repo.create(doc)).id;
  });

  afterAll(async () => {
    if (!weir) return;
    await weir.runtime.close();
    await weir.store.deletePrefix(pipelinePrefix(pipelineId));
    await Promise.all([weir.bus.close(), weir.store.close()]);
  });

  it('counts every generated visit exactly once, per module × region and module × client', async () => {
    await weir.runtime.deploy(pipelineId);
    expect(weir.runtime.state(pipelineId)).toBe('running');

    // Wait until the whole input is in the topic and the job has caught up with it.
    const deadline = Date.now() + 90_000;
    for (;;) {
      const written = (await weir.bus.endOffsets(topic)).reduce((a, b) => a + b, 0);
      const status = await weir.runtime.status(pipelineId);
      if (written === EVENTS && status.nodes.visits?.lag === 0) break;
      if (Date.now() > deadline) throw new Error(`timed out: ${written}/${EVENTS} written, status ${JSON.stringify(status.nodes.visits)}`);
      await new Promise((r) => setTimeout(r, 250));
    }

    const lines = await readTopic(weir, topic, EVENTS);
    expect(lines).toHaveLength(EVENTS);

    // Independent expected counts: straight from the lines, no window operator, no increments code.
    const geo = await GeoIp.open(undefined, 0);
    const ua = new UserAgents(0);
    const expected = new Map<string, Record<string, number>>();
    const bump = (key: string, field: string) => {
      const h = expected.get(key) ?? {};
      h[field] = (h[field] ?? 0) + 1;
      expected.set(key, h);
    };
    const LINE = /^(\S+) \S+ \S+ \[(\d\d)\/(\w{3})\/(\d{4}):(\d\d):(\d\d):(\d\d) \+0000\] "\S+ (\S+) [^"]*" \d+ \d+ "[^"]*" "([^"]*)"$/;
    const MON = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
    for (const line of lines) {
      const m = LINE.exec(line);
      expect(m, line).not.toBeNull();
      const [, ip, dd, mon, yyyy, hh, mi] = m!;
      const minute = Date.UTC(+yyyy, MON.indexOf(mon), +dd, +hh, +mi);
      const module = m![8].split(/[/?#]/)[1]?.toLowerCase() || 'home';
      const g = geo.lookup(ip);
      const c = ua.lookup(m![9]);
      const key = counterKey(pipelineId, 'views', 'm', minute);
      bump(key, `t|${module}|`);
      for (const [dim, value] of [['country', g.country], ['region', g.region], ['city', g.city], ['browser', c.browser], ['os', c.os], ['device', c.device]]) {
        bump(key, `${dim}|${module}|${value}`);
      }
    }

    const keys = [...expected.keys()];
    const actual = await weir.store.readHashes(keys);
    keys.forEach((key, i) => expect(actual[i], key).toEqual(expected.get(key)));
    const regions = new Set(Object.keys(Object.assign({}, ...actual)).filter((f) => f.startsWith('region|')).map((f) => f.split('|')[2]));
    expect(regions.size).toBeGreaterThan(10); // the demo spreads visits over provinces and countries

    const status = await weir.runtime.status(pipelineId);
    expect(status.nodes.parse).toMatchObject({ in: EVENTS, out: EVENTS, errors: 0 });
    expect(status.nodes.generator.out).toBe(EVENTS);
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
