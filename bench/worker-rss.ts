/**
 * `worker-rss`: memory of one worker process. A topic holds an hour of traffic in which every one
 * of 1,000,000 lines has a new IP; a child process runs the site-analytics job over it on real
 * Kafka and Redis while its RSS is sampled every 250 ms. The child runs as `npm run worker` does
 * (compiled, with the worker's Node flags: scripts/lib/worker-build.mjs). Bounded caches (GeoIP,
 * user agents, checkpoints) keep the peak flat however many distinct visitors there are.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { RedisStore } from '../engine/store/redis';
import { pipelinePrefix } from '../engine/store/view-keys';
import type { Infra } from '../scripts/bench';
import { type Comparison, LOG_END_MS, ROOT, logLines, progress } from './lib/common';
import { createTopic, produceLines } from './lib/kafka';
import { checkTotals } from './kafka-redis';
// @ts-expect-error plain ESM helper without types
import { workerCommand } from '../scripts/lib/worker-build.mjs';

const EVENTS = 1_000_000;
const WINDOW_MS = 3_600_000;
const LIMIT_MB = 300;

function rssMB(pid: number): number | null {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : null;
  } catch {
    return null;
  }
}

export async function benchWorkerRss(infra: Infra): Promise<Comparison[]> {
  const topic = 'bench.worker-rss';
  const pipelineId = 'bench-rss';
  await createTopic(infra.KAFKA_BROKERS, topic, 3);
  await produceLines(infra.KAFKA_BROKERS, topic, 3, logLines({ lines: EVENTS, windowMs: WINDOW_MS, distinctIps: true }), EVENTS);

  progress('worker-rss: one worker process over 1,000,000 distinct IPs…');
  // BENCH_WORKER_FLAGS: extra node flags for the worker, e.g. "--heap-prof" to see what it allocates.
  const flags = (process.env.BENCH_WORKER_FLAGS ?? '').split(' ').filter(Boolean);
  // Two levels below the root, as bench/lib/ is: the bundle finds the root the same way.
  const worker = (await workerCommand('bench/lib/rss-worker.ts', path.join(ROOT, 'bench', 'work', 'rss-worker.mjs'))) as { command: string; args: string[]; compiled: boolean };
  const child = spawn(worker.command, [...flags, ...worker.args], {
    cwd: ROOT,
    env: { ...process.env, KAFKA_BROKERS: infra.KAFKA_BROKERS, REDIS_URL: infra.REDIS_URL, BENCH_TOPIC: topic, BENCH_EVENTS: String(EVENTS), BENCH_PIPELINE: pipelineId },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  let peak = 0;
  let samples = 0;
  const timer = setInterval(() => {
    const mb = child.pid ? rssMB(child.pid) : null;
    if (mb !== null) {
      samples++;
      peak = Math.max(peak, mb);
    }
  }, 250);
  const code = await new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (c) => resolve(c));
  });
  clearInterval(timer);
  if (code !== 0) throw new Error(`worker process exited with ${code}`);
  const report = JSON.parse(out.trim().split('\n').pop() ?? '{}') as Record<string, unknown>;

  const store = new RedisStore(infra.REDIS_URL);
  try {
    await checkTotals(store, pipelineId, EVENTS, LOG_END_MS, WINDOW_MS);
    await store.deletePrefix(pipelinePrefix(pipelineId));
  } finally {
    await store.close();
  }
  return [
    {
      name: 'worker-rss',
      ours: peak,
      unit: 'MB',
      baselineName: 'limit',
      baseline: LIMIT_MB,
      baselineUnit: 'MB',
      ratio: LIMIT_MB / peak,
      target: '< 300 MB',
      met: peak < LIMIT_MB,
      details: { events: EVENTS, distinctIps: EVENTS, samples, sampleMs: 250, workerCommand: `node ${worker.args.map((a: string) => path.relative(ROOT, a) || a).join(' ')}`, compiled: worker.compiled, worker: report },
    },
  ];
}
