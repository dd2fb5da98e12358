/**
 * `kafka-redis`: sustained Kafka → Redis. A 3-partition topic holds 1,000,000 demo lines; ours is
 * the site-analytics processor job deployed through a Runtime (role worker, KafkaBus, RedisStore:
 * parse → module → GeoIP → user agent → window (+ uniques) → view.redis, each batch ONE atomic
 * Lua step with its offsets), consuming from the beginning until its stored checkpoints reach the
 * end; the baseline is a bare kafkajs consumer that only counts messages, on the same topic.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { KafkaBus } from '../engine/bus/kafka';
import { ProcessorServices } from '../engine/processor/services';
import { PipelineRepo } from '../engine/runtime/pipeline-repo';
import { Runtime } from '../engine/runtime/runtime';
import { RedisStore } from '../engine/store/redis';
import { checkpointKey, counterKey, deadLetterKey, pipelinePrefix } from '../engine/store/view-keys';
import type { Infra } from '../scripts/bench';
import { type Comparison, LOG_END_MS, WORK, logLines, progress, siteDoc, sleep } from './lib/common';
import { countingConsumer, createTopic, produceLines } from './lib/kafka';

const EVENTS = 1_000_000;
const PARTITIONS = 3;
const WINDOW_MS = 2 * 3_600_000;
const HOUR = 3_600_000;

/** Deploys the site-analytics job on `topic` and waits until its checkpoints cover `events`. */
export async function runProcessor(infra: Infra, topic: string, events: number, opts: { uniques: boolean; pipelineId: string }): Promise<{ seconds: number; store: RedisStore }> {
  const dataDir = mkdtempSync(path.join(WORK, 'repo-'));
  const store = new RedisStore(infra.REDIS_URL);
  const bus = new KafkaBus({ brokers: infra.KAFKA_BROKERS.split(','), clientId: 'weir' });
  const runtime = new Runtime({ bus, store, repo: new PipelineRepo(dataDir), services: new ProcessorServices(store), role: 'worker' });
  try {
    await new PipelineRepo(dataDir).create({ ...siteDoc(topic, opts), id: opts.pipelineId });
    await store.deletePrefix(pipelinePrefix(opts.pipelineId));

    const t0 = performance.now();
    await runtime.deploy(opts.pipelineId);
    const key = checkpointKey(opts.pipelineId, 'visits');
    let lastShown = performance.now();
    for (;;) {
      const ckpts = await store.readCheckpoints(key);
      const done = Object.values(ckpts).reduce((s, c) => s + c.offset, 0);
      if (done >= events) break;
      const status = await runtime.status(opts.pipelineId);
      if (status.state !== 'running' || status.error) throw new Error(`processor job ${status.state}: ${JSON.stringify(status.error)}`);
      if (performance.now() - lastShown > 5_000) {
        lastShown = performance.now();
        progress(`processor at ${done.toLocaleString('en')} / ${events.toLocaleString('en')} events`);
      }
      await sleep(50);
    }
    const seconds = (performance.now() - t0) / 1000;
    return { seconds, store };
  } finally {
    await runtime.close();
    await bus.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** Every event counted exactly once (hour buckets' totals) and no dead letters. */
export async function checkTotals(store: RedisStore, pipelineId: string, events: number, endMs: number, windowMs: number): Promise<void> {
  const keys: string[] = [];
  for (let t = Math.floor((endMs - windowMs) / HOUR) * HOUR; t < endMs; t += HOUR) keys.push(counterKey(pipelineId, 'views', 'h', t, 't', null));
  let total = 0;
  for (const h of await store.readHashes(keys)) for (const f in h) total += h[f];
  const dead = await store.readList(deadLetterKey(pipelineId), 0, 0);
  if (total !== events) throw new Error(`Redis views count ${total} events, expected ${events}`);
  if (dead.length) throw new Error(`the job wrote dead letters, e.g. ${dead[0].slice(0, 300)}`);
}

export async function benchKafkaRedis(infra: Infra): Promise<Comparison[]> {
  const topic = 'bench.kafka-redis';
  await createTopic(infra.KAFKA_BROKERS, topic, PARTITIONS);
  await produceLines(infra.KAFKA_BROKERS, topic, PARTITIONS, logLines({ lines: EVENTS, windowMs: WINDOW_MS }), EVENTS);

  progress('kafka-redis: bare kafkajs counting consumer…');
  const baseSeconds = await countingConsumer(infra.KAFKA_BROKERS, topic, EVENTS);
  progress(`kafka-redis: baseline ${Math.round(EVENTS / baseSeconds)} events/s; now the processor job…`);

  const pipelineId = 'bench-kr';
  const ours = await runProcessor(infra, topic, EVENTS, { uniques: true, pipelineId });
  try {
    await checkTotals(ours.store, pipelineId, EVENTS, LOG_END_MS, WINDOW_MS);
    await ours.store.deletePrefix(pipelinePrefix(pipelineId));
  } finally {
    await ours.store.close();
  }

  const oursRate = EVENTS / ours.seconds;
  const baseRate = EVENTS / baseSeconds;
  return [
    {
      name: 'kafka-redis',
      ours: oursRate,
      unit: 'events/s',
      baselineName: 'kafkajs-count',
      baseline: baseRate,
      baselineUnit: 'events/s',
      ratio: oursRate / baseRate,
      target: '>= 0.8x',
      met: oursRate / baseRate >= 0.8,
      details: {
        events: EVENTS,
        partitions: PARTITIONS,
        job: 'site-analytics template as deployed: parse, module, geoip, useragent, window, uniques, view.redis, deadletter',
        oursSeconds: Math.round(ours.seconds * 100) / 100,
        baselineSeconds: Math.round(baseSeconds * 100) / 100,
        exactlyOnceChecked: 'hour-bucket totals equal the events produced; no dead letters',
      },
    },
  ];
}
