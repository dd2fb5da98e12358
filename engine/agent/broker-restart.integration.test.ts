/**
 * The whole agent (taildir → memory channel → Kafka sink) across a broker crash: this file starts
 * its own broker (it kills and restarts it, so it never touches the shared KAFKA_BROKERS). While the
 * broker is down the channel fills and the source waits (back-pressure); after the restart the agent
 * resumes by itself and every line arrives exactly once.
 */
import { appendFileSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
// @ts-expect-error: plain ESM helper without types
import { startInfra } from '../../scripts/lib/infra.mjs';
import { KafkaBus } from '../bus/kafka';
import { exactlyOnceDiff, readTopic } from '../testing/read-topic';
import { startStandaloneAgents } from './standalone';

interface Infra {
  KAFKA_BROKERS: string;
  stop(): Promise<void>;
  stopKafka(opts?: { kill?: boolean }): Promise<void>;
  restartKafka(): Promise<number>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const dir = mkdtempSync(path.join(os.tmpdir(), 'weir-agent-broker-'));
let infra: Infra;
let bus: KafkaBus;

beforeAll(async () => {
  infra = await startInfra({ dir: path.join(dir, 'infra'), redis: false });
  bus = new KafkaBus({ brokers: [infra.KAFKA_BROKERS], retryBackoffMs: 100 });
}, 180_000);

afterAll(async () => {
  await bus?.close();
  await infra?.stop();
  rmSync(dir, { recursive: true, force: true });
}, 120_000);

const edge = (from: string, to: string) => ({ from: { node: from, port: 'out' }, to: { node: to, port: 'in' } });

it('keeps every line through a broker crash: the channel fills, the source waits, the agent resumes by itself', async () => {
  const log = path.join(dir, 'access.log');
  const agents = await startStandaloneAgents(
    {
      id: 'broker-restart', name: 'broker restart', version: 1, layout: {},
      nodes: [
        { id: 'r1', type: 'source.taildir', config: { filegroups: { f1: log }, pollInterval: 50, batchSize: 500 } },
        { id: 'c1', type: 'channel.memory', config: { capacity: 3_000, transactionCapacity: 1_000 } },
        { id: 'k1', type: 'sink.kafka', config: { flumeBatchSize: 1_000 } },
        { id: 't1', type: 'topic', config: { name: 'agent-broker-restart', partitions: 3 } },
      ],
      edges: [edge('r1', 'c1'), edge('c1', 'k1'), edge('k1', 't1')],
    },
    { bus, dataDir: path.join(dir, 'data'), log: () => undefined },
  );
  const lines: string[] = [];
  const write = (n: number) => {
    const chunk = Array.from({ length: n }, (_, i) => `line ${lines.length + i} of the broker restart test`);
    lines.push(...chunk);
    appendFileSync(log, `${chunk.join('\n')}\n`);
  };
  const flume = (node: string) => agents.metrics.snapshot()[node]?.flume ?? {};
  try {
    for (let i = 0; i < 10; i++, await sleep(100)) write(1_000);
    for (let t = Date.now(); (flume('k1').EventDrainSuccessCount ?? 0) < 5_000; await sleep(100)) if (Date.now() - t > 60_000) throw new Error('no delivery');

    await infra.stopKafka({ kill: true });
    for (let i = 0; i < 20; i++, await sleep(100)) write(1_000); // 20,000 more lines while the broker is down
    await sleep(3_000);
    const stalled = flume('k1').EventDrainSuccessCount ?? 0;
    expect(stalled).toBeLessThan(lines.length);
    // Back-pressure: the channel is full and the source holds the rest in the file, not in memory.
    expect(agents.metrics.snapshot().c1?.fill).toBeGreaterThan(0.5);
    expect(flume('r1').EventAcceptedCount ?? 0).toBeLessThan(lines.length);

    await infra.restartKafka();
    for (let i = 0; i < 5; i++, await sleep(100)) write(1_000);
    const got = await readTopic(infra.KAFKA_BROKERS, 'agent-broker-restart', { atLeast: lines.length, timeoutMs: 240_000, settleMs: 2_000 });
    const diff = exactlyOnceDiff(lines, got.map((g) => g.value));
    expect({ missing: diff.missing.length, duplicated: diff.duplicated.length, unexpected: diff.unexpected.length }).toEqual({ missing: 0, duplicated: 0, unexpected: 0 });
    expect(flume('k1').RollbackCount + (flume('k1').ConnectionFailedCount ?? 0)).toBeGreaterThan(0);
  } finally {
    await agents.stop();
  }
}, 420_000);
