import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect, it } from 'vitest';

process.env.WEIR_DATA_DIR = mkdtempSync(path.join(tmpdir(), 'weir-metrics-'));
delete process.env.KAFKA_BROKERS;
delete process.env.REDIS_URL;
delete process.env.WEIR_BOOTSTRAP; // the demo pipeline is created and deployed

const { GET } = await import('./route');

it('exports per-node counters of the running demo in Prometheus text format', async () => {
  let text = '';
  for (let i = 0; i < 100 && !/weir_node_events_in_total\{pipeline="site-analytics",node="views"\} [1-9]/.test(text); i++) {
    await new Promise((r) => setTimeout(r, 100));
    text = await (await GET(new Request('http://x/api/metrics'), { params: Promise.resolve({}) })).text();
  }
  expect(text).toMatch(/^# HELP weir_node_events_in_total /m);
  expect(text).toMatch(/weir_pipeline_up\{pipeline="site-analytics"\} 1/);
  expect(text).toMatch(/weir_node_events_in_total\{pipeline="site-analytics",node="views"\} [1-9]/);
  expect(text).toMatch(/weir_channel_fill_ratio\{pipeline="site-analytics",node="channel"\} [0-9.]+/);
  expect(text).toMatch(/weir_topic_lag_messages\{pipeline="site-analytics",node="visits"\} \d+/);
});
