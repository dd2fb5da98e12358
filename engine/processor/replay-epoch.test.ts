import { afterEach, describe, expect, it } from 'vitest';
import { EmbeddedBus } from '../bus/embedded';
import type { PartitionBatch } from '../bus/types';
import { lookupNodeSpec } from '../nodes/registry';
import { PipelineMetrics } from '../runtime/metrics';
import { compile } from '../spec/compile';
import { PipelineDocument } from '../spec/document';
import { siteAnalyticsTemplate } from '../spec/templates';
import { EmbeddedStore } from '../store/embedded';
import { checkpointKey, pipelinePrefix } from '../store/view-keys';
import { expectedCounts } from '../testing/expected-counts';
import { demoLines } from '../testing/produce-lines';
import { JobRunner } from './job-runner';
import { epochKey, isReplaying, lockEpoch, readEpoch, unlockEpoch } from './replay-epoch';
import { ProcessorServices } from './services';

const PID = 'epoch-test';
const TOPIC = 'epoch-visits';
const KEY = checkpointKey(PID, 'visits');
const FIELD = `${TOPIC}:0`;

/** topic (1 partition) → parse → module → geoip → useragent → window → views, no agent. */
function plan() {
  const doc = siteAnalyticsTemplate({ topic: TOPIC });
  const agent = new Set(['generator', 'channel', 'kafka']);
  doc.nodes = doc.nodes.filter((n) => !agent.has(n.id)).map((n) => (n.id === 'visits' ? { ...n, config: { ...n.config, partitions: 1 } } : n));
  doc.edges = doc.edges.filter((e) => !agent.has(e.from.node) && !agent.has(e.to.node));
  return compile(PipelineDocument.parse({ ...doc, id: PID, version: 1 }), lookupNodeSpec).jobs[0];
}

const ALL = [...demoLines({ count: 1000, partitions: 1, seed: 5, windowMs: 600_000 })].map((l) => l.line);
/** Lines `from`…`from + n` of one demo log: event times keep increasing, so none is late. */
const lines = (from: number, n: number) => ALL.slice(from, from + n);

describe('replay epoch', () => {
  const open: { stop(): Promise<unknown> }[] = [];
  afterEach(async () => {
    for (const o of open.splice(0).reverse()) await o.stop();
  });

  async function setup() {
    const bus = new EmbeddedBus({ retryBackoffMs: 5 });
    const store = new EmbeddedStore();
    open.push({ stop: () => Promise.all([bus.close(), store.close()]) });
    await bus.ensureTopic({ name: TOPIC, partitions: 1 });
    const producer = await bus.producer();
    const produce = (values: string[]) => producer.send(TOPIC, values.map((value) => ({ value, partition: 0 })));
    const runner = () => {
      const r = new JobRunner(PID, plan(), { bus, store, services: new ProcessorServices(store), metrics: new PipelineMetrics() });
      open.push(r);
      return r;
    };
    const stored = async () => (await store.readCheckpoints(KEY))[FIELD]?.offset ?? 0;
    const until = async (what: string, cond: () => Promise<boolean>) => {
      for (let i = 0; !(await cond()); i++) {
        if (i > 400) throw new Error(`timed out waiting for ${what}`);
        await new Promise((r) => setTimeout(r, 10));
      }
    };
    /** The views hold exactly the counts of `all`, nothing more. */
    const expectCounts = async (all: string[]) => {
      const expected = await expectedCounts(PID, all, { resolutions: ['m', 'h', 'd'] });
      const keys = [...expected.keys()];
      expect(await store.readSortedSets(keys)).toEqual(keys.map((k) => expected.get(k)));
    };
    return { bus, store, produce, runner, stored, until, expectCounts };
  }

  it('locks and unlocks: odd while a replay deletes, a new even epoch after', async () => {
    const { store } = await setup();
    expect(await readEpoch(store, PID)).toBeNull();
    const lock = await lockEpoch(store, PID);
    expect(isReplaying(await readEpoch(store, PID))).toBe(true);
    // A replay that crashed while locked is taken over by the next one.
    const again = await lockEpoch(store, PID);
    expect(again).toBeGreaterThan(lock);
    expect(await unlockEpoch(store, PID, lock)).toBe(false); // the stale lock's owner may not unlock
    expect(await unlockEpoch(store, PID, again)).toBe(true);
    const epoch = await readEpoch(store, PID);
    expect(isReplaying(epoch)).toBe(false);
    expect(epoch).toBe(again + 1);
  });

  it('applies nothing while the epoch is locked, and goes on after the unlock', async () => {
    const { produce, runner, stored, until, store, expectCounts } = await setup();
    const first = lines(0, 300);
    await produce(first);
    await runner().start();
    await until('300 applied', async () => (await stored()) === 300);

    const lock = await lockEpoch(store, PID);
    const more = lines(300, 200);
    await produce(more);
    await new Promise((r) => setTimeout(r, 200));
    expect(await stored()).toBe(300);
    await unlockEpoch(store, PID, lock);
    await until('500 applied', async () => (await stored()) === 500);
    await expectCounts([...first, ...more]);
  });

  it('refuses a batch prepared before a replay (a zombie with or without a cached checkpoint)', async () => {
    const { produce, runner, stored, until, store, bus } = await setup();
    await produce(lines(0, 100));
    const zombie = runner();
    await zombie.start();
    await until('100 applied', async () => (await stored()) === 100);
    await zombie.stop(); // leaves the group but keeps what it cached, like a frozen process
    const fresh = runner(); // never saw a checkpoint: it would expect "none" after the deletion
    const batch = (from: number, values: string[]): PartitionBatch => ({
      topic: TOPIC,
      partition: 0,
      highWatermark: from + values.length,
      messages: values.map((value, i) => ({ offset: from + i, key: null, value, headers: {}, timestamp: Date.now() })),
    });
    await fresh.start();
    await fresh.stop();

    // A replay elsewhere: lock, delete, (reset the group,) unlock.
    const lock = await lockEpoch(store, PID);
    await store.deletePrefix(pipelinePrefix(PID));
    const next = () => batch(100, lines(100, 10));
    // The zombie's cached expectations are refused; once it re-reads, it sees the lock and waits.
    await expect(zombie.onBatch(next())).rejects.toMatchObject({ code: 'checkpoint_fenced' });
    await expect(zombie.onBatch(next())).rejects.toMatchObject({ code: 'pipeline_replaying' });
    await expect(fresh.onBatch(next())).rejects.toMatchObject({ code: 'pipeline_replaying' });
    await bus.resetGroup(plan().groupId, TOPIC);
    await unlockEpoch(store, PID, lock);
    // Nothing is stored now, so both must go back to the log start instead of writing the batch
    // from where the group had got to (for the fresh one, "no checkpoint" would have matched).
    expect(await zombie.onBatch(next())).toEqual({ seek: 0 });
    expect(await fresh.onBatch(next())).toEqual({ seek: 0 });
    expect(await store.readCheckpoints(KEY)).toEqual({});
    const views = [...(await expectedCounts(PID, lines(0, 110), { resolutions: ['m', 'h', 'd'] })).keys()];
    expect(await store.readSortedSets(views)).toEqual(views.map(() => ({})));
  });

  it('rebuilds from the log when the store lost the pipeline (e.g. Redis restarted without persistence)', async () => {
    const { produce, runner, stored, until, store, expectCounts } = await setup();
    const first = lines(0, 400);
    await produce(first);
    await runner().start();
    await until('400 applied', async () => (await stored()) === 400);
    await store.deletePrefix(pipelinePrefix(PID));
    await store.deletePrefix(epochKey(PID));
    // The group's committed offset is at 400; the stored truth says "nothing": the next batch seeks back.
    const more = lines(400, 100);
    await produce(more);
    await until('500 applied', async () => (await stored()) === 500);
    await expectCounts([...first, ...more]);
  });
});
