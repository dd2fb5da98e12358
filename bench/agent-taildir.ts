/**
 * `agent-taildir`: the collection agent's taildir → Kafka rate. A log file holds N access-log lines
 * of exactly RECORD_BYTES bytes; ours is the agent (source.taildir → channel.memory → sink.kafka,
 * exactly-once: one Kafka transaction per batch with the source positions) shipping the whole
 * file to a 3-partition topic; the baseline is Kafka's own producer perf tool
 * (org.apache.kafka.tools.ProducerPerformance from the same Maven jars), acks=all, the same record
 * size and count, on the same broker. A short ProducerPerformance run warms the broker first (on a
 * cold broker the first run of either side is up to 40 % slower, which would favour whichever runs
 * second); then the two alternate for ROUNDS rounds and each side's best round counts.
 */
import { spawn } from 'node:child_process';
import { createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { startStandaloneAgents } from '../engine/agent/standalone';
import { KafkaBus } from '../engine/bus/kafka';
import type { PipelineDocument } from '../engine/spec/document';
import type { Infra } from '../scripts/bench';
import { type Comparison, ROOT, WORK, progress, sleep } from './lib/common';
import { createTopic } from './lib/kafka';

const RECORDS = 1_000_000;
const RECORD_BYTES = 200;
const PARTITIONS = 3;
const WARMUP_RECORDS = 300_000;
const ROUNDS = 2;

async function writeLog(file: string): Promise<void> {
  const out = createWriteStream(file);
  for (let i = 0; i < RECORDS; i++) {
    const head = `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255} - - [01/Jun/2025:12:00:00 +0000] "GET /news/${i} HTTP/1.1" 200 512 "-" "Mozilla/5.0 bench`;
    const line = `${head}${'x'.repeat(Math.max(0, RECORD_BYTES - head.length - 1))}"`;
    if (!out.write(`${line}\n`)) await new Promise<void>((r) => out.once('drain', () => r()));
  }
  await new Promise<void>((r) => out.end(() => r()));
}

/** ProducerPerformance's final line: "1000000 records sent, 123456.7 records/sec (23.55 MB/sec), ...". */
async function producerPerformance(brokers: string, records = RECORDS): Promise<number> {
  const topic = `bench.perf.${Date.now()}`;
  await createTopic(brokers, topic, PARTITIONS);
  const lib = path.join(ROOT, 'infra', 'kafka', 'lib', '*');
  const args = ['-cp', lib, 'org.apache.kafka.tools.ProducerPerformance', '--topic', topic, '--num-records', String(records), '--record-size', String(RECORD_BYTES), '--throughput', '-1', '--producer-props', `bootstrap.servers=${brokers}`, 'acks=all'];
  const child = spawn('java', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const code = await new Promise<number | null>((r) => child.once('exit', r));
  const m = out.match(/(\d+) records sent, ([\d.]+) records\/sec/g)?.pop()?.match(/([\d.]+) records\/sec/);
  if (code !== 0 || !m) throw new Error(`ProducerPerformance failed (exit ${code}):\n${out.slice(-2_000)}`);
  return Number(m[1]);
}

function agentDoc(file: string, topic: string): PipelineDocument {
  const edge = (from: string, to: string) => ({ from: { node: from, port: 'out' }, to: { node: to, port: 'in' } });
  return {
    // A new agent id per round: the offsets topic remembers what an agent id already delivered.
    id: `bench-taildir-${Date.now()}`,
    name: 'bench taildir',
    version: 1,
    layout: {},
    nodes: [
      { id: 'r1', type: 'source.taildir', config: { filegroups: { f1: file }, batchSize: 5_000 } },
      { id: 'c1', type: 'channel.memory', config: { capacity: 100_000, transactionCapacity: 10_000 } },
      { id: 'k1', type: 'sink.kafka', config: { flumeBatchSize: 10_000 } },
      { id: 't1', type: 'topic', config: { name: topic, partitions: PARTITIONS } },
    ],
    edges: [edge('r1', 'c1'), edge('c1', 'k1'), edge('k1', 't1')],
  };
}

/** Seconds from starting the agent until its Kafka sink has delivered every line of the file. */
async function agentSeconds(infra: Infra, file: string, dataDir: string): Promise<number> {
  const bus = new KafkaBus({ brokers: infra.KAFKA_BROKERS.split(','), clientId: 'weir-bench-agent' });
  const t0 = performance.now();
  const agents = await startStandaloneAgents(agentDoc(file, `bench.taildir.${Date.now()}`), { bus, dataDir, log: () => undefined });
  try {
    for (let shown = performance.now(); ; await sleep(20)) {
      const delivered = agents.metrics.snapshot().k1?.flume?.EventDrainSuccessCount ?? 0;
      if (delivered >= RECORDS) return (performance.now() - t0) / 1000;
      if (performance.now() - shown > 5_000) (shown = performance.now()), progress(`agent-taildir: ${delivered.toLocaleString('en')} / ${RECORDS.toLocaleString('en')}`);
      if (performance.now() - t0 > 600_000) throw new Error(`agent delivered only ${delivered} of ${RECORDS} in 10 minutes`);
    }
  } finally {
    await agents.stop();
    await bus.close();
  }
}

export async function benchAgentTaildir(infra: Infra): Promise<Comparison[]> {
  const dir = mkdtempSync(path.join(WORK, 'taildir-'));
  try {
    const file = path.join(dir, 'access.log');
    progress(`agent-taildir: writing ${RECORDS.toLocaleString('en')} lines of ${RECORD_BYTES} bytes`);
    await writeLog(file);

    progress(`agent-taildir: warming the broker (ProducerPerformance, ${WARMUP_RECORDS.toLocaleString('en')} records)…`);
    await producerPerformance(infra.KAFKA_BROKERS, WARMUP_RECORDS);
    const baselineRounds: number[] = [];
    const oursRounds: number[] = [];
    for (let round = 1; round <= ROUNDS; round++) {
      progress(`agent-taildir: round ${round}/${ROUNDS}: baseline ProducerPerformance…`);
      baselineRounds.push(await producerPerformance(infra.KAFKA_BROKERS));
      progress(`agent-taildir: round ${round}/${ROUNDS}: ours (taildir → memory channel → Kafka sink, exactly-once)…`);
      oursRounds.push(RECORDS / (await agentSeconds(infra, file, path.join(dir, `data-${round}`))));
    }
    const baseline = Math.max(...baselineRounds);
    const ours = Math.max(...oursRounds);
    const ratio = ours / baseline;
    return [
      {
        name: 'agent-taildir',
        ours,
        unit: 'lines/s',
        baselineName: 'ProducerPerformance',
        baseline,
        baselineUnit: 'records/s',
        ratio,
        target: '>= 0.7x',
        met: ratio >= 0.7,
        details: { records: RECORDS, recordBytes: RECORD_BYTES, partitions: PARTITIONS, acks: 'all', exactlyOnce: true, warmupRecords: WARMUP_RECORDS, oursRounds: oursRounds.map(Math.round), baselineRounds: baselineRounds.map(Math.round) },
      },
    ];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
