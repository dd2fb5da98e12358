import path from 'node:path';
import { AgentRunner } from '../agent/agent-runner';
import { CollectRegistry } from '../agent/collect-registry';
import type { Bus } from '../bus/types';
import { lookupNodeSpec } from '../nodes/registry';
import { runnerFor } from '../nodes/runners';
import { JobRunner } from '../processor/job-runner';
import { isReplaying, lockEpoch, readEpoch, unlockEpoch } from '../processor/replay-epoch';
import type { ProcessorServices } from '../processor/services';
import { compile } from '../spec/compile';
import { WeirError } from '../spec/errors';
import type { Plan } from '../spec/plan';
import { checkpointKey, deadLetterKey, pipelinePrefix } from '../store/view-keys';
import type { Store } from '../store/types';
import { AgentDeadLetters } from './agent-dead-letters';
import { PipelineMetrics, type NodeMetrics } from './metrics';
import type { PipelineRepo } from './pipeline-repo';

/** How often a runtime checks whether another process is replaying one of its pipelines. */
const REPLAY_POLL_MS = 1_000;
/** How long a replay waits for the members of a job's group elsewhere to leave (killed ones: Kafka's session timeout). */
const REPLAY_GROUP_WAIT_MS = 60_000;

export type PipelineState = 'running' | 'stopped' | 'failed' | 'deploying';

export interface PipelineStatus {
  pipelineId: string;
  state: PipelineState;
  version: number | null;
  startedAt: string | null;
  error: { code: string; message: string; nodeId?: string; at: string } | null;
  nodes: Record<string, NodeMetrics>;
}

interface Deployment {
  plan: Plan;
  state: PipelineState;
  startedAt: string;
  agents: AgentRunner[];
  jobs: JobRunner[];
  metrics: PipelineMetrics;
  error: PipelineStatus['error'];
}

/**
 * Deploys, stops and reports on pipelines in this process. `role: 'worker'` runs only the
 * stream-processor jobs (extra members of the same consumer groups); `all` runs agents too.
 */
export class Runtime {
  private readonly deployments = new Map<string, Deployment>();
  private readonly failures = new Map<string, PipelineStatus['error']>();
  private readonly locks = new Map<string, Promise<unknown>>();
  private readonly sampler: NodeJS.Timeout;
  private readonly replayWatch: NodeJS.Timeout;
  private readonly pausedForReplay = new Set<string>();
  private following = false;

  constructor(
    private readonly deps: {
      bus: Bus;
      store: Store;
      repo: PipelineRepo;
      services: ProcessorServices;
      role?: 'all' | 'worker';
      /** Running HTTP sources register here (POST /api/collect/{sourceId}). */
      collect?: CollectRegistry;
      /** Agents keep their files (position files, file channels) under `<dataDir>/agents/<pipeline>`. */
      dataDir?: string;
    },
  ) {
    this.sampler = setInterval(() => {
      for (const d of this.deployments.values()) d.metrics.sample();
    }, 1_000);
    this.sampler.unref();
    this.replayWatch = setInterval(() => void this.followReplays(), REPLAY_POLL_MS);
    this.replayWatch.unref();
  }

  /** One deploy/stop at a time per pipeline. */
  private exclusive<T>(id: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.locks.get(id) ?? Promise.resolve();
    const next = prev.catch(() => undefined).then(fn);
    this.locks.set(id, next);
    return next;
  }

  deploy(id: string): Promise<PipelineStatus> {
    return this.exclusive(id, async () => {
      const doc = await this.deps.repo.get(id);
      const plan = compile(doc, lookupNodeSpec); // throws 400 before anything changes
      await this.stopRunning(id);
      const metrics = new PipelineMetrics();
      const d: Deployment = { plan, state: 'deploying', startedAt: new Date().toISOString(), agents: [], jobs: [], metrics, error: null };
      this.deployments.set(id, d);
      this.failures.delete(id);
      const onError = (nodeId: string, e: unknown) => {
        d.error = { code: (e as WeirError).code ?? 'runtime_error', message: (e as Error).message, nodeId, at: new Date().toISOString() };
      };
      try {
        for (const t of plan.topics) await this.deps.bus.ensureTopic({ name: t.name, partitions: t.partitions, retentionMs: t.retentionMs });
        for (const job of plan.jobs) {
          const runner = new JobRunner(id, job, { ...this.deps, metrics });
          await runner.start();
          d.jobs.push(runner);
        }
        if (this.deps.role !== 'worker') {
          const dead = new AgentDeadLetters(this.deps.store, id);
          for (const agent of plan.agents) {
            const runner = new AgentRunner(agent, {
              bus: this.deps.bus,
              metrics,
              onError,
              dataDir: path.join(this.deps.dataDir ?? path.resolve('.weir-data'), 'agents', id),
              collect: (this.deps.collect ??= new CollectRegistry()),
              agentId: `${id}.${agent.id}`,
              log: (level, message) => {
                (level === 'info' ? console.log : console.warn)(`[weir] ${id}: ${message}`);
                if (level === 'error') onError(agent.id, new WeirError('agent_error', message));
              },
              deadLetter: (nodeId, event, reason) => dead.add(nodeId, event, reason),
            });
            await runner.start();
            d.agents.push(runner);
          }
        }
        d.state = 'running';
        if (this.deps.role !== 'worker') await this.deps.repo.setDeployed(id, true, doc.version);
        return this.status(id);
      } catch (e) {
        await this.stopRunning(id);
        const err = e as WeirError;
        this.failures.set(id, { code: err.code ?? 'deploy_failed', message: `Deploy failed: ${err.message}`, at: new Date().toISOString() });
        if (err.status && err.status < 500) throw e;
        throw new WeirError('deploy_failed', `Pipeline "${id}" could not start: ${err.message}`, { status: 503, retriable: true, cause: e });
      }
    });
  }

  stop(id: string): Promise<PipelineStatus> {
    return this.exclusive(id, async () => {
      await this.deps.repo.meta(id); // 404 for unknown ids
      await this.stopRunning(id);
      this.failures.delete(id);
      if (this.deps.role !== 'worker') await this.deps.repo.setDeployed(id, false, null);
      return this.status(id);
    });
  }

  /**
   * Rebuilds the pipeline's views from the retained log: stops its processor jobs (agents keep
   * running), deletes its views, checkpoints and dead letters, moves each job's consumer group back
   * to the log start and starts the jobs again.
   *
   * Other processes running the jobs (`npm run worker`) take part through the replay epoch
   * (replay-epoch.ts): from the lock on, none of their batches can apply, and their runtimes
   * (followReplays) leave the groups until the unlock, so the groups can be reset. If they do not
   * leave in time, nothing is deleted and the replay fails with 409 `group_active`.
   */
  replay(id: string): Promise<PipelineStatus> {
    return this.exclusive(id, async () => {
      await this.deps.repo.meta(id); // 404 for unknown ids
      const d = this.deployments.get(id);
      if (!d) {
        throw new WeirError('not_running', `Pipeline "${id}" is not deployed, so there is nothing to replay: deploy it first (POST /api/pipelines/${id}/deploy).`, { status: 409 });
      }
      const { store } = this.deps;
      this.pausedForReplay.delete(id);
      d.state = 'deploying';
      let lock: number | null = null;
      let deleting = false;
      try {
        await Promise.all(d.jobs.splice(0).map((j) => j.stop()));
        lock = await lockEpoch(store, id);
        for (const job of d.plan.jobs) await this.resetWhenEmpty(job.groupId, job.topic);
        deleting = true;
        // Not the whole pipelinePrefix: the daily salts must survive (other workers hold them in
        // memory, and rebuilt unique-visitor sketches must hash as before).
        const views = d.plan.jobs.flatMap((j) => j.nodes.filter((n) => runnerFor(n.type).kind === 'view').map((n) => `${pipelinePrefix(id)}${n.id}:`));
        for (const prefix of [...views, ...d.plan.jobs.map((j) => checkpointKey(id, j.id)), deadLetterKey(id)]) await store.deletePrefix(prefix);
        await unlockEpoch(store, id, lock);
        await this.startJobs(id, d);
        return this.status(id);
      } catch (e) {
        if (!deleting) {
          // Nothing was deleted: let every worker go on as before.
          if (lock !== null) await unlockEpoch(store, id, lock).catch(() => false);
          await this.startJobs(id, d).catch(() => undefined);
          if ((e as WeirError).code === 'group_active') {
            throw new WeirError('group_active', `Replay of "${id}" did not start, nothing was deleted: ${(e as Error).message} Workers leave a replayed pipeline's groups by themselves within seconds; a killed one only after Kafka's session timeout. Retry then.`, { status: 409, retriable: true, cause: e });
          }
        } else {
          d.state = 'failed';
          d.error = { code: (e as WeirError).code ?? 'replay_failed', message: `Replay failed: ${(e as Error).message}`, at: new Date().toISOString() };
        }
        throw new WeirError('replay_failed', `Pipeline "${id}" could not be replayed: ${(e as Error).message}. ${deleting ? 'Its processors wait until a replay completes: replay again once the cause is fixed.' : 'Nothing was deleted.'}`, {
          status: 503,
          retriable: true,
          cause: e,
        });
      }
    });
  }

  /** Starts the deployment's processor jobs (after a replay): running again. */
  private async startJobs(id: string, d: Deployment) {
    try {
      for (const job of d.plan.jobs) {
        const runner = new JobRunner(id, job, { ...this.deps, metrics: d.metrics });
        await runner.start();
        d.jobs.push(runner);
      }
      d.state = 'running';
      d.error = null;
    } catch (e) {
      await Promise.all(d.jobs.splice(0).map((j) => j.stop()));
      d.state = 'failed';
      d.error = { code: (e as WeirError).code ?? 'runtime_error', message: `Processor jobs could not start: ${(e as Error).message}`, at: new Date().toISOString() };
      throw e;
    }
  }

  /** A group can be reset once its members elsewhere have left (see followReplays). */
  private async resetWhenEmpty(groupId: string, topic: string) {
    const deadline = Date.now() + REPLAY_GROUP_WAIT_MS;
    for (;;) {
      try {
        return await this.deps.bus.resetGroup(groupId, topic);
      } catch (e) {
        if ((e as WeirError).code !== 'group_active' || Date.now() > deadline) throw e;
        await new Promise((r) => setTimeout(r, 500));
      }
    }
  }

  /**
   * Replays started by another process: while a pipeline's epoch is locked, its jobs here stop
   * (leaving their consumer groups so the replayer can reset them); once unlocked they start again
   * and read from the reset offsets.
   */
  private async followReplays(): Promise<void> {
    if (this.following) return;
    this.following = true;
    try {
      for (const [id, d] of this.deployments) {
        if (d.plan.jobs.length === 0) continue;
        const replaying = isReplaying(await readEpoch(this.deps.store, id).catch(() => null));
        if (replaying === this.pausedForReplay.has(id) || (replaying && d.state !== 'running')) continue;
        await this.exclusive(id, async () => {
          // Re-checked under the lock: a replay from this process may have run meanwhile.
          if (this.deployments.get(id) !== d) return;
          const now = isReplaying(await readEpoch(this.deps.store, id));
          if (now && d.state === 'running' && !this.pausedForReplay.has(id)) {
            d.state = 'deploying';
            this.pausedForReplay.add(id);
            await Promise.all(d.jobs.splice(0).map((j) => j.stop()));
          } else if (!now && this.pausedForReplay.has(id)) {
            this.pausedForReplay.delete(id);
            await this.startJobs(id, d);
          }
        }).catch((e) => console.error(`[weir] following a replay of pipeline ${id}: ${(e as Error).message}`));
      }
    } finally {
      this.following = false;
    }
  }

  private async stopRunning(id: string) {
    const d = this.deployments.get(id);
    if (!d) return;
    this.deployments.delete(id);
    this.pausedForReplay.delete(id);
    await Promise.all(d.agents.map((a) => a.stop()));
    await Promise.all(d.jobs.map((j) => j.stop()));
  }

  state(id: string): PipelineState {
    if (this.deployments.has(id)) return this.deployments.get(id)!.state;
    return this.failures.has(id) ? 'failed' : 'stopped';
  }

  /** Events per second the pipeline processes (its topics' consumption), or produces when it has no jobs. */
  eventsPerSec(id: string): number {
    const d = this.deployments.get(id);
    if (!d) return 0;
    const snap = d.metrics.snapshot();
    const ids = d.plan.jobs.length ? d.plan.jobs.map((j) => j.topicNodeId) : d.plan.agents.flatMap((a) => a.sources.map((s) => s.node.id));
    return Math.round(ids.reduce((s, n) => s + (snap[n]?.outRate ?? 0), 0) * 10) / 10;
  }

  async status(id: string): Promise<PipelineStatus> {
    const d = this.deployments.get(id);
    if (!d) {
      await this.deps.repo.meta(id);
      return { pipelineId: id, state: this.state(id), version: null, startedAt: null, error: this.failures.get(id) ?? null, nodes: {} };
    }
    const nodes = d.metrics.snapshot();
    for (const job of d.plan.jobs) {
      const lag = await this.lag(id, job).catch(() => undefined);
      if (lag !== undefined) nodes[job.topicNodeId] = { ...(nodes[job.topicNodeId] ?? { in: 0, out: 0, errors: 0, inRate: 0, outRate: 0 }), lag };
    }
    return { pipelineId: id, state: d.state, version: d.plan.version, startedAt: d.startedAt, error: d.error, nodes };
  }

  /**
   * Unprocessed messages: log end minus the offsets stored with the views (the source of truth), or
   * the group's committed offset where that is further: a transactional producer's commit markers
   * take offsets too, and kafkajs moves the group past a batch of nothing but markers without
   * handing it to the job, so the stored offset alone would show them as lag forever.
   */
  private async lag(pipelineId: string, job: { id: string; groupId: string; topic: string }): Promise<number> {
    const [ends, ckpts, committed] = await Promise.all([
      this.deps.bus.endOffsets(job.topic),
      this.deps.store.readCheckpoints(checkpointKey(pipelineId, job.id)),
      this.deps.bus.committedOffsets(job.groupId, job.topic).catch(() => [] as number[]),
    ]);
    return ends.reduce((s, end, p) => s + Math.max(0, end - Math.max(ckpts[`${job.topic}:${p}`]?.offset ?? 0, committed[p] ?? -1)), 0);
  }

  /** Redeploys every pipeline that was running when the server last stopped. */
  async restore(): Promise<void> {
    for (const meta of await this.deps.repo.list()) {
      if (!meta.deployed) continue;
      await this.deploy(meta.id).catch((e) => console.error(`[weir] could not restore pipeline ${meta.id}: ${(e as Error).message}`));
    }
  }

  async close(): Promise<void> {
    clearInterval(this.sampler);
    clearInterval(this.replayWatch);
    await Promise.all([...this.deployments.keys()].map((id) => this.stopRunning(id)));
  }
}
