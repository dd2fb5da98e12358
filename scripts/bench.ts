// `npm run bench [-- NAME…]`: the project's benchmarks (DESIGN.md, "Targets"). Prints one line per
// comparison, `bench NAME: OURS UNIT vs BASELINE_NAME BASELINE UNIT = RATIOx`, and records the
// figures with machine info in bench/results.json. Starts (and stops) its own Kafka and Redis
// when a chosen benchmark needs them. Progress goes to stderr.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { benchAgentTaildir } from '../bench/agent-taildir';
import { benchChain } from '../bench/chain';
import { benchKafkaRedis } from '../bench/kafka-redis';
import { benchQuery } from '../bench/query';
import { benchWorkerRss } from '../bench/worker-rss';
import { type Comparison, ROOT, WORK, line, progress } from '../bench/lib/common';
// @ts-expect-error plain ESM helper without types
import { startInfra } from './lib/infra.mjs';

export interface Infra {
  KAFKA_BROKERS: string;
  REDIS_URL: string;
}

interface Bench {
  name: string;
  needs: { kafka: boolean; redis: boolean };
  run(infra: Infra): Promise<Comparison[]>;
}

const BENCHES: Bench[] = [
  { name: 'chain', needs: { kafka: false, redis: false }, run: () => benchChain() },
  { name: 'kafka-redis', needs: { kafka: true, redis: true }, run: (i) => benchKafkaRedis(i) },
  { name: 'query', needs: { kafka: false, redis: true }, run: (i) => benchQuery(i) },
  { name: 'worker-rss', needs: { kafka: true, redis: true }, run: (i) => benchWorkerRss(i) },
  { name: 'agent-taildir', needs: { kafka: true, redis: false }, run: (i) => benchAgentTaildir(i) },
];

const RESULTS = path.join(ROOT, 'bench', 'results.json');

function machine() {
  const cpus = os.cpus();
  return {
    hostname: os.hostname(),
    platform: `${os.type()} ${os.release()} ${os.arch()}`,
    cpu: cpus[0]?.model ?? 'unknown',
    cores: os.availableParallelism(),
    memoryGB: Math.round(os.totalmem() / 2 ** 30),
    loadAverage: os.loadavg().map((l) => Math.round(l * 100) / 100),
    node: process.version,
  };
}

function record(results: Comparison[], seconds: number) {
  const prev = existsSync(RESULTS) ? (JSON.parse(readFileSync(RESULTS, 'utf8')) as { results?: Record<string, unknown> }) : {};
  const at = new Date().toISOString();
  const merged = { ...(prev.results ?? {}) };
  for (const r of results) merged[r.name] = { ...r, at, line: line(r) };
  writeFileSync(RESULTS, JSON.stringify({ updatedAt: at, machine: machine(), lastRunSeconds: Math.round(seconds), results: merged }, null, 2) + '\n');
}

async function main() {
  const wanted = process.argv.slice(2).filter((a) => !a.startsWith('-'));
  const unknown = wanted.filter((w) => !BENCHES.some((b) => b.name === w));
  if (unknown.length) {
    console.error(`Unknown benchmark(s): ${unknown.join(', ')}. Available: ${BENCHES.map((b) => b.name).join(', ')}.`);
    process.exit(2);
  }
  const chosen = wanted.length ? BENCHES.filter((b) => wanted.includes(b.name)) : BENCHES;
  mkdirSync(WORK, { recursive: true });
  const t0 = performance.now();

  const kafka = chosen.some((b) => b.needs.kafka);
  const redis = chosen.some((b) => b.needs.redis);
  let infra: { KAFKA_BROKERS?: string; REDIS_URL?: string; stop(): Promise<void> } | null = null;
  if (kafka || redis) {
    progress(`starting ${[kafka && 'Kafka', redis && 'Redis'].filter(Boolean).join(' and ')} (scripts/lib/infra.mjs)…`);
    // Attached: they die with this process, also on Ctrl-C (infra.mjs handles the signals).
    infra = await startInfra({ dir: path.join(WORK, 'infra'), kafka, redis });
  }
  const results: Comparison[] = [];
  let failed = false;
  try {
    for (const b of chosen) {
      const tb = performance.now();
      progress(`— ${b.name} —`);
      try {
        for (const r of await b.run(infra as unknown as Infra)) {
          results.push(r);
          console.log(line(r));
        }
      } catch (e) {
        failed = true;
        console.error(`bench ${b.name}: FAILED: ${(e as Error).stack ?? e}`);
      }
      progress(`${b.name} took ${((performance.now() - tb) / 1000).toFixed(0)} s`);
    }
  } finally {
    if (infra) {
      progress('stopping Kafka and Redis…');
      await infra.stop();
    }
  }
  const seconds = (performance.now() - t0) / 1000;
  if (results.length) record(results, seconds);
  progress(`done in ${seconds.toFixed(0)} s; figures in ${path.relative(ROOT, RESULTS)}`);
  process.exit(failed ? 1 : 0);
}

await main();
