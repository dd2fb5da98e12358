import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { crashOptions } from './crash-options';
import { channelIn, contents, removeDir, sleep, tmpDir } from './test-support';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '../../..');
const ROUNDS = 10;

let dir: string;
let child: ChildProcess | undefined;
/** How to start the child: a plain-JS bundle when esbuild (tsx's own compiler) is at hand, else tsx. */
let childArgs = ['--import', 'tsx', path.join(HERE, 'crash-child.ts')];
let bundleDir: string | undefined;
beforeAll(async () => {
  try {
    const { build } = await import('esbuild');
    bundleDir = await tmpDir();
    const outfile = path.join(bundleDir, 'crash-child.mjs');
    await build({ entryPoints: [path.join(HERE, 'crash-child.ts')], bundle: true, platform: 'node', format: 'esm', target: 'node20', outfile, logLevel: 'error' });
    childArgs = [outfile]; // starts in a fraction of tsx's time on a busy machine
  } catch {
    // tsx it is
  }
});
afterAll(async () => {
  if (bundleDir) await removeDir(bundleDir);
});
beforeEach(async () => (dir = await tmpDir()));
afterEach(async () => {
  child?.kill('SIGKILL');
  await removeDir(dir);
});

/** Runs the child until it is READY, lets it work for `ms`, SIGKILLs it; returns what it printed. */
async function runAndKill(start: number, ms: number): Promise<string[]> {
  const proc = (child = spawn(process.execPath, [...childArgs, dir, String(start)], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] }));
  let out = '';
  let err = '';
  proc.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
  proc.stderr!.setEncoding('utf8').on('data', (d: string) => (err += d));
  const exited = new Promise<void>((resolve) => proc.on('close', () => resolve()));
  const deadline = Date.now() + 20_000;
  while (!out.includes('READY\n')) {
    if (proc.exitCode !== null || Date.now() > deadline) throw new Error(`child did not start: ${err}`);
    await sleep(10);
  }
  await sleep(ms);
  proc.kill('SIGKILL');
  await exited; // reaped: its pid is gone, so its lock is stale
  expect(proc.signalCode, err).toBe('SIGKILL');
  child = undefined;
  const lines = out.split('\n');
  lines.pop(); // a last line without its newline was cut by the kill
  return lines;
}

describe('file channel: kill -9', () => {
  it(`loses nothing and duplicates nothing across ${ROUNDS} kills`, async () => {
    const delivered = new Set<number>(); // take-committed, across all rounds
    let inChannel: number[] = []; // as observed after the last restart
    let next = 0;
    let acked = 0;
    for (let round = 0; round < ROUNDS; round++) {
      const lines = await runAndKill(next, 50 + Math.random() * 450);
      const begun = new Map<string, number[]>();
      const ackedPuts = new Set<string>();
      const takes = new Map<string, number[]>();
      const ended = new Map<string, 'C' | 'R'>();
      for (const line of lines.slice(1)) {
        const [op, ...args] = line.split(' ');
        if (op === 'P') begun.set(`${args[0]} ${args[1]}`, range(Number(args[0]), Number(args[1])));
        else if (op === 'A') ackedPuts.add(`${args[0]} ${args[1]}`);
        else if (op === 'T') takes.set(args[0], args.slice(1).map(Number));
        else if (op === 'C' || op === 'R') ended.set(args[0], op);
      }
      for (const ids of begun.values()) next = Math.max(next, ...ids.map((i) => i + 1));

      const ch = channelIn(dir, crashOptions);
      await ch.open();
      const now = (await contents(ch)).map((e) => Number(e.headers.n));
      await ch.close();
      const present = new Set(now);
      expect(now.length, 'no duplicates').toBe(present.size);
      expect(now, 'channel order').toEqual([...now].sort((a, b) => a - b));

      const deliver = (ids: number[]) => {
        for (const i of ids) {
          expect(delivered.has(i), `event ${i} committed twice`).toBe(false);
          delivered.add(i);
        }
      };
      for (const [k, ids] of takes) {
        const end = ended.get(k);
        if (end === 'C') {
          expect(ids.filter((i) => present.has(i)), `committed take ${k} is back`).toEqual([]);
          deliver(ids);
        } else if (!end) {
          // Killed around its commit: the commit record is all there or not at all.
          const back = ids.filter((i) => present.has(i));
          expect([0, ids.length], `take ${k} half committed`).toContain(back.length);
          if (back.length === 0) deliver(ids);
        }
      }
      const existed = new Set(inChannel);
      for (const [key, ids] of begun) {
        const there = ids.filter((i) => present.has(i) || delivered.has(i));
        if (ackedPuts.has(key)) {
          acked += ids.length;
          expect(there, `acknowledged put ${key} lost`).toEqual(ids);
        } else {
          expect([0, ids.length], `put ${key} half written`).toContain(there.length);
        }
        for (const i of there) existed.add(i);
      }
      for (const i of existed) expect(present.has(i) || delivered.has(i), `event ${i} lost`).toBe(true);
      for (const i of now) expect(existed.has(i), `event ${i} appeared from nowhere`).toBe(true);
      inChannel = now;
    }

    const ch = channelIn(dir, crashOptions);
    await ch.open();
    expect(ch.putPositions().get('crash|1')).toBeGreaterThanOrEqual(Math.max(0, ...inChannel) + 1);
    for (;;) {
      const t = await ch.take(1000, 0);
      if (!t.events.length) break;
      const ids = t.events.map((e) => Number(e.headers.n));
      expect(ids).toEqual(inChannel.splice(0, ids.length));
      await t.commit();
    }
    expect(inChannel).toEqual([]);
    expect(delivered.size).toBeGreaterThan(0);
    expect(acked).toBeGreaterThan(ROUNDS);
    await ch.close();
  }, 90_000);
});

const range = (a: number, b: number) => Array.from({ length: b - a }, (_, i) => a + i);
