/**
 * `kafka-redis`: sustained Kafka → Redis. A 3-partition topic holds 1,000,000 demo lines; ours is
 * the site-analytics processor job deployed through a Runtime (role worker, KafkaBus, RedisStore:
 * parse → module → GeoIP → user agent → window (+ uniques) → view.redis, each batch ONE atomic
 * Lua step with its offsets), consuming from the beginning until its stored checkpoints reach the
 * end; the baseline is a bare kafkajs consumer that only counts messages, on the same topic.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { KafkaBus } from '../engine/bus/kafka';
import { ProcessorServices } from '../engine/processor/services';
import { PipelineRepo } from '../engine/runtime/pipeline-repo';
import { Runtime } from '../engine/runtime/runtime';
import { RedisStore } from '../engine/store/redis';
import { checkpointKey, counterKey, deadLetterKey, pipelinePrefix } from '../engine/store/view-keys';
import type { Infra } from '../scripts/bench';
import { type Comparison, LOG_END_MS, ROOT, WORK, logLines, progress, siteDoc, sleep } from './lib/common';
// @ts-expect-error plain ESM helper without types
import { workerCommand } from '../scripts/lib/worker-build.mjs';
import { countingConsumer, createTopic, produceLines } from './lib/kafka';

const EVENTS = 1_000_000;
const PARTITIONS = 3;
const WINDOW_MS = 2 * 3_600_000;
const HOUR = 3_600_000;

/**
 * Deploys the site-analytics job on `topic` and waits until its checkpoints cover `events`.
 * `keep`: leave what is stored (another worker process of the same run has started already).
 */
export async function runProcessor(infra: Infra, topic: string, events: number, opts: { uniques: boolean; pipelineId: string; keep?: boolean }): Promise<{ seconds: number; store: RedisStore }> {
  const dataDir = mkdtempSync(path.join(WORK, 'repo-'));
  const store = new RedisStore(infra.REDIS_URL);
  const bus = new KafkaBus({ brokers: infra.KAFKA_BROKERS.split(','), clientId: 'weir' });
  const runtime = new Runtime({ bus, store, repo: new PipelineRepo(dataDir), services: new ProcessorServices(store), role: 'worker' });
  try {
    await new PipelineRepo(dataDir).create({ ...siteDoc(topic, opts), id: opts.pipelineId });
    if (!opts.keep) await store.deletePrefix(pipelinePrefix(opts.pipelineId));

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
  for (const h of await store.readSortedSets(keys)) for (const f in h) total += h[f];
  const dead = await store.readList(deadLetterKey(pipelineId), 0, 0);
  if (total !== events) throw new Error(`Redis views count ${total} events, expected ${events}`);
  if (dead.length) throw new Error(`the job wrote dead letters, e.g. ${dead[0].slice(0, 300)}`);
}

/** CPU seconds (user + system, all threads) a process has used so far; null when it cannot be read. */
function cpuSeconds(pid: number | null | undefined): number | null {
  if (!pid) return null;
  try {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(f[11]) + Number(f[12])) / 100; // clock ticks (USER_HZ = 100 on Linux)
  } catch {
    return null;
  }
}

/**
 * Where the CPU went while `run` ran: this process (the consumer or the processor job, with its GC
 * and I/O threads), the Kafka broker and Redis; the machine has 2 cores for all of them.
 */
async function measured<T>(infra: Infra, run: () => Promise<T>): Promise<{ value: T; cpu: Record<string, number | null> }> {
  const pids = (infra as Infra & { pids?: { kafka: number | null; redis: number | null } }).pids;
  const before = { self: process.cpuUsage(), kafka: cpuSeconds(pids?.kafka), redis: cpuSeconds(pids?.redis) };
  const value = await run();
  const self = process.cpuUsage(before.self);
  const diff = (a: number | null, b: number | null) => (a === null || b === null ? null : Math.round((b - a) * 100) / 100);
  return {
    value,
    cpu: {
      nodeSeconds: Math.round((self.user + self.system) / 10_000) / 100,
      kafkaSeconds: diff(before.kafka, cpuSeconds(pids?.kafka)),
      redisSeconds: diff(before.redis, cpuSeconds(pids?.redis)),
    },
  };
}

/**
 * Runs the job in `n` worker processes at once (one consumer group) until the stored checkpoints
 * cover the topic; seconds from their start to that point, checked exactly-once afterwards.
 */
async function runWorkers(infra: Infra, worker: { command: string; args: string[] }, topic: string, n: number): Promise<{ seconds: number; cpu: Record<string, number | null> }> {
  const pipelineId = `bench-kr-${n}`;
  const store = new RedisStore(infra.REDIS_URL);
  try {
    await store.deletePrefix(pipelinePrefix(pipelineId));
    const pids = (infra as Infra & { pids?: { kafka: number | null; redis: number | null } }).pids;
    const before = { kafka: cpuSeconds(pids?.kafka), redis: cpuSeconds(pids?.redis) };
    const t0 = performance.now();
    const reports = await Promise.all(
      Array.from({ length: n }, () => {
        const child = spawn(worker.command, worker.args, {
          cwd: ROOT,
          env: { ...process.env, KAFKA_BROKERS: infra.KAFKA_BROKERS, REDIS_URL: infra.REDIS_URL, BENCH_TOPIC: topic, BENCH_EVENTS: String(EVENTS), BENCH_PIPELINE: pipelineId },
          stdio: ['ignore', 'pipe', 'inherit'],
        });
        let out = '';
        child.stdout.on('data', (d: Buffer) => (out += d.toString()));
        return new Promise<{ cpuSeconds: number }>((resolve, reject) => {
          child.on('error', reject);
          child.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out.trim().split('\n').pop() ?? '{}')) : reject(new Error(`worker exited with ${code}`))));
        });
      }),
    );
    const seconds = (performance.now() - t0) / 1000;
    const diff = (a: number | null, b: number | null) => (a === null || b === null ? null : Math.round((b - a) * 100) / 100);
    const cpu = {
      workersSeconds: Math.round(reports.reduce((a, r) => a + r.cpuSeconds, 0) * 100) / 100,
      kafkaSeconds: diff(before.kafka, cpuSeconds(pids?.kafka)),
      redisSeconds: diff(before.redis, cpuSeconds(pids?.redis)),
    };
    await checkTotals(store, pipelineId, EVENTS, LOG_END_MS, WINDOW_MS);
    await store.deletePrefix(pipelinePrefix(pipelineId));
    return { seconds, cpu };
  } finally {
    await store.close();
  }
}

export async function benchKafkaRedis(infra: Infra): Promise<Comparison[]> {
  const topic = 'bench.kafka-redis';
  await createTopic(infra.KAFKA_BROKERS, topic, PARTITIONS);
  await produceLines(infra.KAFKA_BROKERS, topic, PARTITIONS, logLines({ lines: EVENTS, windowMs: WINDOW_MS }), EVENTS);

  progress('kafka-redis: bare kafkajs counting consumer…');
  const base = await measured(infra, () => countingConsumer(infra.KAFKA_BROKERS, topic, EVENTS));
  const baseSeconds = base.value;
  progress(`kafka-redis: baseline ${Math.round(EVENTS / baseSeconds)} events/s (CPU ${JSON.stringify(base.cpu)}); now the processor job…`);

  const loadBefore = os.loadavg().map((l) => Math.round(l * 100) / 100);
  // Ours as it is deployed: `npm run worker` processes (compiled, the worker's Node flags), first
  // one alone, then two (one per core) sharing the partitions.
  const worker = (await workerCommand('bench/lib/kr-worker.ts', path.join(ROOT, 'bench', 'work', 'kr-worker.mjs'))) as { command: string; args: string[]; compiled: boolean };
  const one = await runWorkers(infra, worker, topic, 1);
  progress(`kafka-redis: 1 worker ${Math.round(EVENTS / one.seconds)} events/s (CPU ${JSON.stringify(one.cpu)})`);
  const two = await runWorkers(infra, worker, topic, 2);
  progress(`kafka-redis: 2 workers ${Math.round(EVENTS / two.seconds)} events/s (CPU ${JSON.stringify(two.cpu)})`);
  const ours = one;
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
        exactlyOnceChecked: 'hour-bucket totals equal the events produced; no dead letters (each run)',
        workerCommand: `node ${worker.args.map((a: string) => path.relative(ROOT, a) || a).join(' ')}`,
        // CPU seconds per side (user + system), to see where the time goes on the 2 shared cores:
        // the worker process(es), the Kafka broker, Redis.
        oursCpu: one.cpu,
        baselineCpu: base.cpu,
        twoWorkers: { eventsPerSec: Math.round(EVENTS / two.seconds), ratio: Math.round((EVENTS / two.seconds / (EVENTS / baseSeconds)) * 1000) / 1000, seconds: Math.round(two.seconds * 100) / 100, cpu: two.cpu },
        loadAverageBefore: loadBefore,
      },
    },
  ];
}
