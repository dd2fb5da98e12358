import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { FlumeCounters, FlumeEvent, LogLevel, Take } from '../types';
import { FileChannel, type FileChannelOptions } from './file-channel';

export interface LogLine {
  level: LogLevel;
  message: string;
  details?: Record<string, unknown>;
}

export function testEnv() {
  const logs: LogLine[] = [];
  return { counters: {} as FlumeCounters, logs, log: (level: LogLevel, message: string, details?: Record<string, unknown>) => void logs.push({ level, message, details }) };
}

/** A channel in `dir` with test-friendly settings: no disk-space floor, no timers that fire. */
export const channelIn = (dir: string, opts: Partial<FileChannelOptions> = {}, env = testEnv()) =>
  new FileChannel({ name: 'c1', checkpointDir: path.join(dir, 'cp'), dataDirs: [path.join(dir, 'data')], minimumRequiredSpace: 0, checkpointInterval: 3_600_000, fsyncInterval: 0, ...opts }, env);

export const tmpDir = () => mkdtemp(path.join(os.tmpdir(), 'weir-fc-'));
export const removeDir = (dir: string) => rm(dir, { recursive: true, force: true });

export const ev = (i: number | string, key = 'src|f1'): FlumeEvent => ({ headers: { n: String(i) }, body: `line ${i}`, origin: { key, offset: typeof i === 'number' ? (i + 1) * 10 : 0 } });
export const bodies = (events: FlumeEvent[]) => events.map((e) => e.body);

/** Everything in the channel, in take order, left in place (taken, then rolled back). */
export async function contents(ch: FileChannel): Promise<FlumeEvent[]> {
  const takes: Take[] = [];
  const out: FlumeEvent[] = [];
  for (;;) {
    const t = await ch.take(1_000_000, 0);
    if (t.events.length === 0) break;
    takes.push(t);
    out.push(...t.events);
  }
  for (const t of takes) await t.rollback();
  return out;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
