import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, copyFileSync, mkdtempSync, readFileSync, renameSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBus } from '../bus';
import type { PipelineDocument } from '../spec/document';
import { exactlyOnceDiff, readTopic } from '../testing/read-topic';
import { startStandaloneAgents } from './standalone';

const BROKERS = process.env.KAFKA_BROKERS;
const ROOT = path.resolve(__dirname, '..', '..');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const dirs: string[] = [];
const tmp = (label: string) => {
  const d = mkdtempSync(path.join(os.tmpdir(), `weir-agent-${label}-`));
  dirs.push(d);
  return d;
};
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const edge = (from: string, to: string) => ({ from: { node: from, port: 'out' }, to: { node: to, port: 'in' } });

/** taildir → channel → Kafka sink → topic, as a user would draw it. */
function tailToKafka(id: string, file: string, topic: string, channel: { type: string; config: Record<string, unknown> }): PipelineDocument {
  return {
    id,
    name: id,
    version: 1,
    layout: {},
    nodes: [
      { id: 'r1', type: 'source.taildir', config: { filegroups: { f1: file }, pollInterval: 50, idleTimeout: 3_000, batchSize: 1_000 } },
      { id: 'c1', type: channel.type, config: channel.config },
      { id: 'k1', type: 'sink.kafka', config: { flumeBatchSize: 2_000 } },
      { id: 't1', type: 'topic', config: { name: topic, partitions: 3 } },
    ],
    edges: [edge('r1', 'c1'), edge('c1', 'k1'), edge('k1', 't1')],
  };
}

/** Numbered, distinct lines of about 120 bytes, like access-log lines. */
const lineOf = (i: number) => `192.0.2.${i % 250} - - [01/Jun/2025:12:00:00 +0000] "GET /news/${i} HTTP/1.1" 200 512 "-" "agent-test line ${i}"`;

describe('collection agent on real Kafka', () => {
  beforeAll(() => {
    if (!BROKERS) throw new Error('KAFKA_BROKERS is not set: run via npm test, or npm run infra:up and export KAFKA_BROKERS');
  });

  it('ships 200,000 lines exactly once while the log rotates 5× by rename and 5× by copytruncate', async () => {
    const dir = tmp('rotate');
    const log = path.join(dir, 'access.log');
    const topic = `agent-rotate-${Date.now()}`;
    const bus = createBus({ KAFKA_BROKERS: BROKERS });
    const agents = await startStandaloneAgents(tailToKafka('rotate', log, topic, { type: 'channel.memory', config: { capacity: 50_000, transactionCapacity: 5_000 } }), {
      bus,
      dataDir: path.join(dir, 'data'),
      log: (level, message) => level !== 'info' && console.warn(message),
    });
    const TOTAL = 200_000;
    const expected: string[] = [];
    try {
      let rotations = 0;
      for (let i = 0; i < TOTAL; ) {
        const chunk: string[] = [];
        for (let j = 0; j < 1_000 && i < TOTAL; j++, i++) chunk.push(lineOf(i));
        appendFileSync(log, `${chunk.join('\n')}\n`);
        expected.push(...chunk);
        if (i % 18_000 === 0 && rotations < 10) {
          rotations++;
          // logrotate: `create` renames the file away; `copytruncate` copies it and truncates it in
          // place (the writer, this loop, does not write in between, as logrotate assumes).
          if (rotations % 2) renameSync(log, `${log}.${rotations}`);
          else (copyFileSync(log, `${log}.${rotations}`), truncateSync(log, 0));
        }
        // About 20,000 lines/s, a busy web server; the rotations come about a second apart, so the
        // agent sees every generation of the file, as it would with logrotate.
        await sleep(50);
      }
      expect(rotations).toBe(10);
      const got = await readTopic(BROKERS!, topic, { atLeast: TOTAL, timeoutMs: 180_000, settleMs: 3_000 });
      const diff = exactlyOnceDiff(expected, got.map((g) => g.value));
      expect({ missing: diff.missing.length, duplicated: diff.duplicated.length, unexpected: diff.unexpected.length, firstMissing: diff.missing.slice(0, 3) }).toEqual({
        missing: 0, duplicated: 0, unexpected: 0, firstMissing: [],
      });
      expect(got).toHaveLength(TOTAL);
    } finally {
      await agents.stop();
      await bus.close();
    }
  }, 300_000);

  it('ships 200,000 lines exactly once with a file channel although the agent is killed -9 ten times', async () => {
    const dir = tmp('crash');
    const log = path.join(dir, 'access.log');
    const topic = `agent-crash-${Date.now()}`;
    const docFile = path.join(dir, 'agent.json');
    writeFileSync(docFile, JSON.stringify(tailToKafka('crash', log, topic, { type: 'channel.file', config: { checkpointInterval: 1_000 } })));
    const dataDir = path.join(dir, 'data');
    const outputs: string[] = [];
    let child: ChildProcess | undefined;
    const start = async () => {
      const c = spawn(process.execPath, ['--import', 'tsx', 'engine/testing/agent-process.ts', docFile, dataDir], {
        cwd: ROOT,
        env: { ...process.env, KAFKA_BROKERS: BROKERS },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      const ready = new Promise<void>((resolve, reject) => {
        c.stdout!.on('data', (d: Buffer) => {
          out += d.toString();
          if (out.includes('ready')) resolve();
        });
        c.stderr!.on('data', (d: Buffer) => (out += d.toString()));
        c.once('exit', (code) => reject(new Error(`agent exited with ${code} before it was ready:\n${out}`)));
      });
      await ready;
      outputs.push(out);
      child = c;
    };
    const kill9 = async () => {
      const c = child!;
      const gone = new Promise((r) => c.once('exit', r));
      c.kill('SIGKILL');
      await gone;
    };

    const TOTAL = 200_000;
    const expected: string[] = [];
    await start();
    try {
      let kills = 0;
      let nextKill = Date.now() + 500 + Math.random() * 1_500;
      for (let i = 0; i < TOTAL; ) {
        const chunk: string[] = [];
        for (let j = 0; j < 2_000 && i < TOTAL; j++, i++) chunk.push(lineOf(i));
        appendFileSync(log, `${chunk.join('\n')}\n`);
        expected.push(...chunk);
        await sleep(20);
        if (kills < 10 && Date.now() > nextKill) {
          kills++;
          await kill9();
          await start();
          nextKill = Date.now() + 300 + Math.random() * 1_500;
        }
      }
      while (kills < 10) {
        kills++;
        await sleep(Math.random() * 800);
        await kill9();
        await start();
      }
      const got = await readTopic(BROKERS!, topic, { atLeast: TOTAL, timeoutMs: 180_000, settleMs: 3_000 });
      const diff = exactlyOnceDiff(expected, got.map((g) => g.value));
      expect({ missing: diff.missing.length, duplicated: diff.duplicated.length, unexpected: diff.unexpected.length }).toEqual({ missing: 0, duplicated: 0, unexpected: 0 });
      expect(got).toHaveLength(TOTAL);
    } catch (e) {
      console.error(outputs.join('\n---\n').slice(-5_000));
      throw e;
    } finally {
      if (child && child.exitCode === null) await kill9();
    }
    // The dead-letter file exists only if something was dead-lettered; none of these lines are.
    expect(() => readFileSync(path.join(dataDir, 'deadletters.jsonl'))).toThrow();
  }, 300_000);
});
