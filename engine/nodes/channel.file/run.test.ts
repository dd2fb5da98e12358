import { mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AgentEnv } from '../../agent/types';
import { createFileChannel } from './run';
import { fileChannelSpec } from './spec';

let dir: string;
beforeEach(async () => (dir = await mkdtemp(path.join(os.tmpdir(), 'weir-fcnode-'))));
afterEach(async () => rm(dir, { recursive: true, force: true }));

const env = (): AgentEnv => ({ agentId: 'a1', dataDir: dir, counters: {}, log: () => {}, deadLetter: () => {} }) as unknown as AgentEnv;

describe('channel.file node', () => {
  it("takes Flume's keys with Weir's defaults", () => {
    const c = fileChannelSpec.config.parse({});
    expect(c).toMatchObject({ capacity: 1_000_000, transactionCapacity: 10_000, checkpointInterval: 30_000, minimumRequiredSpace: 524_288_000, fsyncPerTransaction: false });
    expect(fileChannelSpec.inputs).toEqual([{ name: 'in', kind: 'event', required: true, multiple: true }]);
    expect(() => fileChannelSpec.config.parse({ capacity: 0 })).toThrow();
  });

  it('keeps its files in the node data folder by default, and is durable', async () => {
    const ch = createFileChannel({ id: 'c1', type: 'channel.file', config: { minimumRequiredSpace: 0 } }, env());
    expect(ch.durable).toBe(true);
    await ch.open!();
    await ch.put([{ headers: {}, body: 'x', origin: { key: 'r|1', offset: 2 } }]);
    await ch.close!();
    expect((await readdir(dir)).sort()).toEqual(['checkpoint', 'data']);
    expect(await readdir(path.join(dir, 'data'))).toEqual(['log-1']);
    const again = createFileChannel({ id: 'c1', type: 'channel.file', config: { minimumRequiredSpace: 0 } }, env());
    await again.open!();
    expect(again.size).toBe(1);
    expect(again.putPositions!()).toEqual(new Map([['r|1', 2]]));
    await again.close!();
  });

  it('spreads log files over comma-separated dataDirs, relative to the data folder', async () => {
    const ch = createFileChannel({ id: 'c1', type: 'channel.file', config: { dataDirs: 'd1, d2', checkpointDir: 'cp', minimumRequiredSpace: 0 } }, env());
    await ch.open!();
    await ch.close!();
    const again = createFileChannel({ id: 'c1', type: 'channel.file', config: { dataDirs: 'd1, d2', checkpointDir: 'cp', minimumRequiredSpace: 0 } }, env());
    await again.open!();
    await again.close!();
    expect((await readdir(dir)).sort()).toEqual(['cp', 'd1', 'd2']);
    expect([...(await readdir(path.join(dir, 'd1'))), ...(await readdir(path.join(dir, 'd2')))].length).toBeGreaterThan(0);
  });
});
