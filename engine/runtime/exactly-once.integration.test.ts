import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Redis from 'ioredis';
import { AssignerProtocol, Kafka, logLevel, type Admin } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prng } from '../agent/demo-traffic';
import { createBus } from '../bus';
import type { Bus } from '../bus/types';
import { epochKey } from '../processor/replay-epoch';
import { siteAnalyticsTemplate } from '../spec/templates';
import { createStore } from '../store';
import type { Store } from '../store/types';
import { checkpointKey, deadLetterKey, pipelinePrefix } from '../store/view-keys';
import { ExpectedCounts, counterKeyKind, isCounterKey } from '../testing/expected-counts';
import { produceDemoLines } from '../testing/produce-lines';
import { PipelineRepo } from './pipeline-repo';
import { startWeir, type Weir } from './weir';

/**
 * Exactly-once on the real thing: a million demo lines in a Kafka topic, consumed by worker
 * PROCESSES (`npm run worker`) that are SIGKILLed, started and stopped at random (seeded) moments,
 * then a replay. Afterwards every counter set in Redis must equal, member for member, what
 * engine/testing/expected-counts.ts computes straight from the lines.
 *
 * WEIR_EXACTLY_ONCE_EVENTS and WEIR_CHAOS_SEED override the size and the seed for local runs.
 */
const { KAFKA_BROKERS, REDIS_URL } = process.env;
const EVENTS = Number(process.env.WEIR_EXACTLY_ONCE_EVENTS ?? 1_000_000);
const SEED = Number(process.env.WEIR_CHAOS_SEED ?? 20_261_121);
const PARTITIONS = 3;
const KILLS = 10;
const REBALANCES = 8;
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const TSX = path.join(ROOT, 'node_modules', '.bin', 'tsx');
/** Kafka's minimum: a killed worker's partitions move on after 6 s instead of the default 30 s. */
const SESSION_TIMEOUT_MS = '6000';
const ORACLE_PID = 'oracle';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Outlives the test process: when its stdin closes (the test ended, or its process was killed), it
 * SIGKILLs every worker process group it was told about, so no worker is left running.
 */
const WATCHDOG = `
const groups = new Set();
let buf = '';
process.stdin.on('data', (d) => {
  buf += d;
  for (let i; (i = buf.indexOf('\\n')) >= 0; buf = buf.slice(i + 1)) {
    const n = Number(buf.slice(0, i));
    if (n > 0) groups.add(n); else groups.delete(-n);
  }
});
process.stdin.on('close', () => {
  for (const g of groups) { try { process.kill(-g, 'SIGKILL'); } catch {} }
  process.exit(0);
});`;

/** Worker processes, each in its own process group (tsx runs the worker in a child process). */
class Workers {
  private readonly procs = new Map<string, { child: ChildProcess; exited: Promise<void>; log: string }>();
  private readonly logs: string[] = [];
  private readonly dog: ChildProcess;
  private n = 0;
  constructor(private readonly logDir: string) {
    this.dog = spawn(process.execPath, ['-e', WATCHDOG], { stdio: ['pipe', 'ignore', 'ignore'], detached: true });
    this.dog.unref();
    (this.dog.stdin as unknown as { unref?: () => void }).unref?.();
    this.dog.stdin!.on('error', () => {});
    process.once('exit', () => {
      for (const p of this.procs.values()) this.signal(p.child, 'SIGKILL');
    });
  }

  start(dataDir: string, label: string): string {
    const name = `${label}${++this.n}`;
    const log = path.join(this.logDir, `worker-${name}.log`);
    const fd = openSync(log, 'a');
    const child = spawn(TSX, ['scripts/worker.ts'], {
      cwd: ROOT,
      detached: true,
      stdio: ['ignore', fd, fd],
      // The client id names the worker in the group's member list (see partitionsOf).
      env: { ...process.env, KAFKA_BROKERS, REDIS_URL, WEIR_DATA_DIR: dataDir, WEIR_KAFKA_SESSION_TIMEOUT_MS: SESSION_TIMEOUT_MS, WEIR_KAFKA_CLIENT_ID: `weir-${name}` },
    });
    closeSync(fd);
    this.dog.stdin!.write(`${child.pid}\n`);
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    this.procs.set(name, { child, exited, log });
    this.logs.push(log);
    void exited.then(() => {
      this.procs.delete(name);
      this.dog.stdin!.write(`-${child.pid}\n`);
    });
    return name;
  }

  alive(): string[] {
    return [...this.procs.keys()];
  }

  private signal(child: ChildProcess, sig: NodeJS.Signals) {
    try {
      process.kill(-child.pid!, sig);
    } catch {
      /* already gone */
    }
  }

  /**
   * The node process that runs scripts/worker.ts under tsx. A SIGTERM goes to it alone: tsx, when
   * signalled itself, SIGKILLs a child that does not acknowledge within 30 ms (a busy worker).
   */
  private workerPid(child: ChildProcess): number | null {
    try {
      for (const pid of readFileSync(`/proc/${child.pid}/task/${child.pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean)) {
        if (readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('scripts/worker.ts')) return Number(pid);
      }
    } catch {
      /* not started yet, or gone */
    }
    return null;
  }

  /** SIGKILL: the worker dies mid-batch. SIGTERM: it finishes its batch and leaves the group (SIGKILL after 20 s). */
  async stop(name: string, sig: 'SIGKILL' | 'SIGTERM'): Promise<void> {
    const p = this.procs.get(name);
    if (!p) return;
    const pid = sig === 'SIGTERM' ? this.workerPid(p.child) : null;
    if (pid) process.kill(pid, 'SIGTERM');
    else this.signal(p.child, sig);
    const late = await Promise.race([p.exited.then(() => false), sleep(20_000).then(() => true)]);
    if (late) {
      this.signal(p.child, 'SIGKILL');
      await p.exited;
    }
  }

  /** SIGSTOP for longer than the session timeout, then SIGCONT: a zombie whose partitions moved on meanwhile. */
  async freeze(name: string, ms: number): Promise<void> {
    const p = this.procs.get(name);
    if (!p) return;
    this.signal(p.child, 'SIGSTOP');
    await sleep(ms);
    this.signal(p.child, 'SIGCONT');
  }

  async stopAll(): Promise<void> {
    await Promise.all(this.alive().map((n) => this.stop(n, 'SIGKILL')));
  }

  /** Ends the watchdog (after stopAll). */
  close(): void {
    this.dog.stdin!.end();
  }

  tails(lines = 25): string {
    return this.logs
      .map((f) => {
        let text = '';
        try {
          text = readFileSync(f, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
        } catch {
          text = '(no log)';
        }
        return `--- ${path.basename(f)} ---\n${text}`;
      })
      .join('\n');
  }
}

describe('exactly-once on real Kafka and Redis, with worker processes killed and rebalanced', () => {
  const stamp = Date.now().toString(36);
  const topic = `eo-visits-${stamp}`;
  const work = mkdtempSync(path.join(tmpdir(), 'weir-eo-'));
  const workers = new Workers(work);
  const rnd = prng(SEED);
  let bus: Bus;
  let store: Store;
  let redis: Redis;
  let admin: Admin;
  let oracle: ExpectedCounts;
  let ends: number[];
  const pipelines: { id: string; dir: string }[] = [];
  let local: Weir | undefined;

  /** Fails with the workers' log tails, after killing them, so nothing outlives a failed check. */
  async function withTails(fn: () => Promise<void>) {
    try {
      await fn();
    } catch (e) {
      console.error(`exactly-once: failed with seed ${SEED}; worker logs in ${work}\n${workers.tails()}`);
      await workers.stopAll();
      throw e;
    }
  }

  /** A pipeline without an agent: topic → parse → module → geoip → useragent → window → views. */
  async function createPipeline(label: string): Promise<{ id: string; dir: string }> {
    const dir = mkdtempSync(path.join(work, `data-${label}-`));
    const repo = new PipelineRepo(dir);
    const doc = siteAnalyticsTemplate({ name: `exactly-once ${label}`, topic });
    const agent = new Set(['generator', 'channel', 'kafka']);
    doc.nodes = doc.nodes.filter((n) => !agent.has(n.id));
    doc.edges = doc.edges.filter((e) => !agent.has(e.from.node) && !agent.has(e.to.node));
    for (const id of agent) delete doc.layout[id];
    const { id } = await repo.create({ ...doc, id: `eo-${label}-${stamp}` });
    await repo.setDeployed(id, true, 1);
    pipelines.push({ id, dir });
    return { id, dir };
  }

  /** Offsets stored with the views (the processor's truth), per partition; 0 where none. */
  async function stored(pid: string): Promise<number[]> {
    const c = await store.readCheckpoints(checkpointKey(pid, 'visits'));
    return ends.map((_, p) => c[`${topic}:${p}`]?.offset ?? 0);
  }
  const processed = async (pid: string) => (await stored(pid)).reduce((a, b) => a + b, 0);

  async function waitFor(what: string, cond: () => Promise<boolean>, timeoutMs: number) {
    const deadline = Date.now() + timeoutMs;
    while (!(await cond())) {
      if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
      await sleep(200);
    }
  }

  async function waitUntilDone(pid: string, timeoutMs = 240_000) {
    await waitFor(`${pid} to reach the log end ${ends}`, async () => (await stored(pid)).every((o, p) => o === ends[p]), timeoutMs).catch(async (e) => {
      throw new Error(`${(e as Error).message}; stored ${await stored(pid)}, workers alive: ${workers.alive().join(',') || 'none'}`);
    });
  }

  /**
   * Seeded moments spread over the run: one event count in each of n equal slices of
   * [from, to] × EVENTS, so the chaos hits early, middle and late work alike.
   */
  const moments = (n: number, from: number, to: number) => Array.from({ length: n }, (_, i) => Math.floor((from + ((to - from) * (i + rnd())) / n) * EVENTS));

  /**
   * Waits until the pipeline has processed `target` events and is visibly working (its stored
   * offsets moved since the call), then a random few hundred ms more; returns how far it got.
   */
  async function whenProcessed(pid: string, target: number): Promise<number> {
    const base = await processed(pid);
    if (base === EVENTS) throw new Error(`${pid} finished before the chaos did: use more events (WEIR_EXACTLY_ONCE_EVENTS)`);
    await waitFor(`${pid} to process ${target} events and make progress past ${base}`, async () => {
      const n = await processed(pid);
      return n >= target && n > base;
    }, 180_000);
    await sleep(rnd() * 400);
    return processed(pid);
  }

  /**
   * Waits for the next batch the pipeline applies in Redis and SIGKILLs the worker at once: it dies
   * between the atomic store write and its Kafka commit (the window a random kill rarely hits), so
   * its successor is handed messages that are already counted and must skip them.
   */
  async function killRightAfterApply(pid: string, name: string): Promise<void> {
    const key = checkpointKey(pid, 'visits');
    const before = JSON.stringify(await redis.hgetall(key));
    const deadline = Date.now() + 60_000;
    while (JSON.stringify(await redis.hgetall(key)) === before) {
      if (Date.now() > deadline) throw new Error(`${pid}: no batch applied within 60 s`);
    }
    await workers.stop(name, 'SIGKILL');
  }

  /** The partitions each live worker holds in the pipeline's consumer group, by worker name. */
  async function partitionsOf(pid: string): Promise<Map<string, number[]>> {
    const { groups } = await admin.describeGroups([`weir.${pid}.visits`]);
    const out = new Map<string, number[]>();
    for (const m of groups[0]?.members ?? []) {
      const a = AssignerProtocol.MemberAssignment.decode(m.memberAssignment);
      out.set(m.clientId.replace(/^weir-/, ''), a?.assignment[topic] ?? []);
    }
    return out;
  }

  /**
   * Makes a zombie: waits for a worker that holds partitions to apply a batch on one of them, then
   * SIGSTOPs it (most likely in the middle of its next batch) for longer than the session timeout,
   * so the group gives its partitions to another worker, which redoes the batch. On SIGCONT the
   * zombie finishes its batch and tries to write it: the store must refuse that.
   */
  async function makeZombie(pid: string): Promise<string> {
    let owners: [string, number[]][] = [];
    await waitFor('a worker holding partitions with work left', async () => {
      const left = await stored(pid);
      owners = [...(await partitionsOf(pid))]
        .map(([name, parts]): [string, number[]] => [name, parts.filter((p) => left[p] < ends[p] - 20_000)])
        .filter(([name, parts]) => parts.length > 0 && workers.alive().includes(name));
      return owners.length > 0;
    }, 60_000);
    const [victim, parts] = owners[Math.floor(rnd() * owners.length)];
    const field = `${topic}:${parts[0]}`;
    const key = checkpointKey(pid, 'visits');
    const before = await redis.hget(key, field);
    const deadline = Date.now() + 60_000;
    while ((await redis.hget(key, field)) === before) {
      if (Date.now() > deadline) throw new Error(`${victim} applied nothing on ${field} within 60 s`);
    }
    await sleep(rnd() * 30);
    await workers.freeze(victim, Number(SESSION_TIMEOUT_MS) + 2_000);
    return victim;
  }

  async function keysOf(pattern: string): Promise<string[]> {
    const keys = new Set<string>();
    let cursor = '0';
    do {
      const [next, batch] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
      cursor = next;
      for (const k of batch) keys.add(k);
    } while (cursor !== '0');
    return [...keys].sort();
  }

  /** Every counter hash of the pipeline equals the oracle's, no more and no fewer keys or fields. */
  async function expectExact(pid: string) {
    const expected = new Map([...oracle.hashes].map(([k, h]) => [k.replace(pipelinePrefix(ORACLE_PID), pipelinePrefix(pid)), h]));
    const keys = (await keysOf(`${pipelinePrefix(pid)}views:*`)).filter(isCounterKey);
    expect(keys).toEqual([...expected.keys()].sort());
    const actual = await store.readSortedSets(keys);
    const diffs: string[] = [];
    const totals = { m: 0, h: 0, d: 0 };
    keys.forEach((key, i) => {
      const want = expected.get(key)!;
      const got = actual[i];
      for (const f of new Set([...Object.keys(want), ...Object.keys(got)])) {
        if (want[f] !== got[f]) diffs.push(`${key} ${f}: expected ${want[f]}, got ${got[f]}`);
        const kind = counterKeyKind(key);
        if (kind.totals) totals[kind.res] += got[f] ?? 0;
      }
    });
    expect(diffs.slice(0, 20), `${diffs.length} differing fields; totals ${JSON.stringify(totals)}`).toEqual([]);
    expect(totals).toEqual({ m: EVENTS, h: EVENTS, d: EVENTS });
    expect(await store.readList(deadLetterKey(pid), 0, 3)).toEqual([]);
  }

  /** Every key of the pipeline's views with its content (hashes, sorted sets), for before/after comparisons. */
  async function snapshotViews(pid: string): Promise<Record<string, unknown>> {
    const out: Record<string, unknown> = {};
    for (const key of await keysOf(`${pipelinePrefix(pid)}views:*`)) {
      const type = await redis.type(key);
      if (type === 'hash') out[key] = await redis.hgetall(key);
      else if (type === 'zset') out[key] = await redis.zrange(key, 0, -1, 'WITHSCORES');
      else out[key] = `${type}:${await redis.get(key)}`;
    }
    return out;
  }

  beforeAll(async () => {
    if (!KAFKA_BROKERS || !REDIS_URL) throw new Error('KAFKA_BROKERS and REDIS_URL are not set: run via `npm test`, or `npm run infra:up` and export what it prints.');
    bus = createBus({ KAFKA_BROKERS });
    store = createStore({ REDIS_URL });
    redis = new Redis(REDIS_URL);
    admin = new Kafka({ clientId: 'weir-eo-test', brokers: KAFKA_BROKERS.split(','), logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    await bus.ensureTopic({ name: topic, partitions: PARTITIONS });
    oracle = await ExpectedCounts.create({ pipelineId: ORACLE_PID, resolutions: ['m', 'h', 'd'] });
    const t0 = Date.now();
    await produceDemoLines({ brokers: KAFKA_BROKERS, topic, partitions: PARTITIONS, count: EVENTS, seed: SEED, windowMs: 2 * 3_600_000, onLine: (line) => oracle.add(line) });
    ends = await bus.endOffsets(topic);
    expect(ends.reduce((a, b) => a + b, 0)).toBe(EVENTS);
    expect(oracle.lines).toBe(EVENTS);
    console.log(`exactly-once: ${EVENTS} lines produced and counted by the oracle in ${Date.now() - t0} ms (seed ${SEED}, logs in ${work})`);
  }, 300_000);

  afterAll(async () => {
    await workers.stopAll();
    workers.close();
    if (local) {
      await local.runtime.close();
      await Promise.all([local.bus.close(), local.store.close()]);
    }
    for (const { id } of pipelines) {
      await store?.deletePrefix(pipelinePrefix(id));
      await redis?.del(epochKey(id));
    }
    await Promise.all([bus?.close(), store?.close(), redis?.quit(), admin?.disconnect()]);
  }, 120_000);

  let a: { id: string; dir: string };

  it(`a: counts ${EVENTS} events exactly while its worker is SIGKILLed ${KILLS} times`, async () => {
    a = await createPipeline('a');
    await withTails(async () => {
      const t0 = Date.now();
      let current = workers.start(a.dir, 'a');
      const at: string[] = [];
      for (const [k, target] of moments(KILLS, 0.03, 0.9).entries()) {
        const n = await whenProcessed(a.id, target);
        expect(n).toBeLessThan(EVENTS); // the kill hits a worker with work left
        // Half of the kills at a random moment, half right after a batch reached Redis.
        if (k % 2 === 0) await workers.stop(current, 'SIGKILL');
        else await killRightAfterApply(a.id, current);
        at.push(`${n}${k % 2 === 0 ? '' : '+apply'}`);
        current = workers.start(a.dir, 'a');
      }
      await waitUntilDone(a.id);
      console.log(`exactly-once a: ${KILLS} SIGKILLs at ${at.join(', ')} events; done in ${Date.now() - t0} ms`);
      await expectExact(a.id);
    });
  }, 480_000);

  it('c: a replay (while a worker process runs the pipeline too) rebuilds every view identically', async () => {
    expect(a, 'needs test a').toBeDefined();
    await withTails(async () => {
      expect(workers.alive()).toHaveLength(1); // a's last worker: it must follow the replay from its own process
      const before = await snapshotViews(a.id);
      expect(Object.keys(before).length).toBeGreaterThan(100);
      local = await startWeir({ env: { ...process.env, WEIR_DATA_DIR: a.dir }, bootstrap: false });
      expect(local.runtime.state(a.id)).toBe('running');
      const t0 = Date.now();
      const status = await local.runtime.replay(a.id);
      const replayMs = Date.now() - t0;
      expect(status.state).toBe('running');
      expect(await processed(a.id)).toBeLessThan(EVENTS); // views and checkpoints were reset…
      await waitUntilDone(a.id);
      console.log(`exactly-once c: replay returned after ${replayMs} ms; views rebuilt after ${Date.now() - t0} ms`);
      expect(await snapshotViews(a.id)).toEqual(before); // …and rebuilt identically
      await expectExact(a.id);
      // Both processes took part: the worker left the group for the reset and came back.
      const here = (await local.runtime.status(a.id)).nodes.parse?.in ?? 0;
      expect(here).toBeGreaterThan(0);
      expect(here).toBeLessThan(EVENTS);
    });
    await local!.runtime.close();
    await Promise.all([local!.bus.close(), local!.store.close()]);
    local = undefined;
    await workers.stopAll();
  }, 300_000);

  it(`b: two workers, killed, started, stopped and frozen (zombie) at random moments ${REBALANCES} times: exact again`, async () => {
    const b = await createPipeline('b');
    await withTails(async () => {
      const t0 = Date.now();
      workers.start(b.dir, 'b');
      workers.start(b.dir, 'b');
      const ops: string[] = [];
      // Each kind at least once; who is hit, when, and how a kill lands are seeded-random.
      const plan = ['kill', 'start', 'freeze', 'start', 'stop', 'start', 'kill', 'start'];
      for (const [k, target] of moments(REBALANCES, 0.03, 0.85).entries()) {
        const n = await whenProcessed(b.id, target);
        const alive = workers.alive();
        let op = plan[k % plan.length];
        if (op !== 'start' && alive.length < 2) op = 'start'; // someone must be left to take over
        else if (op === 'start' && alive.length > 2) op = 'stop';
        let victim = alive[Math.floor(rnd() * alive.length)];
        const afterApply = op === 'kill' && rnd() < 0.5;
        if (op === 'start') workers.start(b.dir, 'b');
        else if (op === 'freeze') victim = await makeZombie(b.id);
        else if (afterApply) await killRightAfterApply(b.id, victim);
        else await workers.stop(victim, op === 'kill' ? 'SIGKILL' : 'SIGTERM');
        ops.push(`${op}${op === 'start' ? '' : ` ${victim}`}@${n}${afterApply ? '+apply' : ''}`);
      }
      expect(Math.max(...ops.map((o) => parseInt(o.split('@')[1], 10)))).toBeLessThan(EVENTS); // all while there was work left
      expect(workers.alive().length).toBeGreaterThan(0);
      await waitUntilDone(b.id);
      console.log(`exactly-once b: ${ops.join(', ')}; done in ${Date.now() - t0} ms`);
      await expectExact(b.id);
    });
    await workers.stopAll();
  }, 420_000);
});
