import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exactlyOnceDiff, readTopic } from '../../testing/read-topic';

/**
 * The Flume-compat promise: a real Flume config (fixtures/taildir-memory-kafka.properties, only its
 * ${VAR}s pointed at a temp dir and the test broker) runs unchanged under `npx weir agent`, and the
 * lines appended to the tailed file arrive in the topic exactly once, across a graceful restart.
 */
const BROKERS = process.env.KAFKA_BROKERS;
const ROOT = path.resolve(__dirname, '..', '..', '..');
const FIXTURE = path.join(__dirname, 'fixtures', 'taildir-memory-kafka.properties');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const lineOf = (i: number) => `203.0.113.${i % 250} - - [01/Jun/2025:12:00:00 +0000] "GET /flume/${i} HTTP/1.1" 200 512 "-" "weir-agent-cli line ${i}"`;
const lines = (from: number, to: number) => Array.from({ length: to - from }, (_, k) => lineOf(from + k));

describe('npx weir agent on the Flume fixture, against real Kafka', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'weir-flume-cli-'));
  const log = path.join(dir, 'logs', 'access.log');
  const topic = `flume-fixture-${Date.now()}`;
  const children: ChildProcess[] = [];

  beforeAll(() => {
    if (!BROKERS) throw new Error('KAFKA_BROKERS is not set: run via npm test, or npm run infra:up and export KAFKA_BROKERS');
  });
  afterAll(() => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  /** Starts `weir agent` as a user would; resolves once it says it is running, rejects with its stderr if it exits first. */
  function startAgent(): Promise<{ child: ChildProcess; stderr: () => string }> {
    const child = spawn(process.execPath, ['scripts/weir.mjs', 'agent', '--conf', FIXTURE, '--name', 'a1', '--data-dir', path.join(dir, 'data'), '--status-every', '1'], {
      cwd: ROOT,
      env: { ...process.env, LOG_DIR: path.dirname(log), FLUME_DATA_DIR: path.join(dir, 'flume'), KAFKA_BROKERS: BROKERS, KAFKA_TOPIC: topic },
      stdio: ['ignore', 'inherit', 'pipe'],
    });
    children.push(child);
    let err = '';
    child.stderr!.on('data', (d: Buffer) => (err += d.toString('utf8')));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`weir agent did not report "running" within 60 s. stderr:\n${err}`)), 60_000);
      child.on('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`weir agent exited with ${code} before running. stderr:\n${err}`));
      });
      const poll = setInterval(() => {
        if (/\] running from /.test(err)) {
          clearInterval(poll);
          clearTimeout(timer);
          resolve({ child, stderr: () => err });
        }
      }, 50);
      child.on('exit', () => clearInterval(poll));
    });
  }

  function stopAgent(child: ChildProcess): Promise<number | null> {
    return new Promise((resolve) => {
      child.once('exit', (code) => resolve(code));
      child.kill('SIGTERM');
    });
  }

  it('ships lines written before and after start, and after a restart, exactly once', async () => {
    mkdirSync(path.dirname(log), { recursive: true });
    const expected = lines(0, 1_000);
    writeFileSync(log, `${expected.join('\n')}\n`);

    const first = await startAgent();
    for (let i = 1_000; i < 3_000; i += 200) {
      const chunk = lines(i, i + 200);
      appendFileSync(log, `${chunk.join('\n')}\n`);
      expected.push(...chunk);
      await sleep(20);
    }
    let got = await readTopic(BROKERS!, topic, { atLeast: expected.length, timeoutMs: 90_000, settleMs: 2_000 });
    expect(exactlyOnceDiff(expected, got.map((m) => m.value))).toEqual({ missing: [], duplicated: [], unexpected: [] });
    expect(first.stderr()).toMatch(/r1: .*\| c1: .*\| k1: /); // the periodic status line
    expect(await stopAgent(first.child)).toBe(0);

    // Lines written while the agent is down are picked up from the saved position, none repeated.
    const later = lines(3_000, 3_500);
    appendFileSync(log, `${later.join('\n')}\n`);
    expected.push(...later);
    const second = await startAgent();
    got = await readTopic(BROKERS!, topic, { atLeast: expected.length, timeoutMs: 90_000, settleMs: 3_000 });
    expect(exactlyOnceDiff(expected, got.map((m) => m.value))).toEqual({ missing: [], duplicated: [], unexpected: [] });
    expect(got.every((m) => m.headers.logtype === 'access')).toBe(true); // headers.f1.logtype from the fixture
    expect(await stopAgent(second.child)).toBe(0);
  });

  it('refuses to start, listing every problem, when the config is broken', async () => {
    const bad = path.join(dir, 'bad.properties');
    writeFileSync(bad, 'a1.sources = r1\na1.channels = c1\na1.sinks = k1\na1.sources.r1.type = avro\na1.sources.r1.channels = c9\na1.channels.c1.type = memory\na1.sinks.k1.type = hdfs\na1.sinks.k1.channel = c1\n');
    const child = spawn(process.execPath, ['scripts/weir.mjs', 'agent', '-f', bad, '-n', 'a1'], { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr!.on('data', (d: Buffer) => (err += d.toString('utf8')));
    const code = await new Promise((r) => child.on('exit', r));
    expect(code).toBe(1);
    expect(err).toMatch(/3 problem\(s\); the agent did not start/);
    expect(err).toMatch(/bad\.properties:4: a1\.sources\.r1\.type: unknown source type "avro"\. Supported source types: TAILDIR/);
    expect(err).toMatch(/bad\.properties:5: a1\.sources\.r1\.channels: "c9" is not a channel/);
    expect(err).toMatch(/bad\.properties:7: a1\.sinks\.k1\.type: unknown sink type "hdfs"/);
  });
});
