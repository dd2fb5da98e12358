import { AgentRunner } from '../agent/agent-runner';
import type { Bus } from '../bus/types';
import { lookupNodeSpec } from '../nodes/registry';
import { JobRunner } from '../processor/job-runner';
import type { ProcessorServices } from '../processor/services';
import { compile } from '../spec/compile';
import { WeirError } from '../spec/errors';
import type { Plan } from '../spec/plan';
import { checkpointKey } from '../store/view-keys';
import type { Store } from '../store/types';
import { PipelineMetrics, type NodeMetrics } from './metrics';
import type { PipelineRepo } from './pipeline-repo';

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

  constructor(private readonly deps: { bus: Bus; store: Store; repo: PipelineRepo; services: ProcessorServices; role?: 'all' | 'worker' }) {
    this.sampler = setInterval(() => {
      for (const d of this.deployments.values()) d.metrics.sample();
    }, 1_000);
    this.sampler.unref();
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
          for (const agent of plan.agents) {
            const runner = new AgentRunner(agent, { bus: this.deps.bus, metrics, onError });
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

  private async stopRunning(id: string) {
    const d = this.deployments.get(id);
    if (!d) return;
    this.deployments.delete(id);
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
      const lag = await this.lag(id, job.id, job.topic).catch(() => undefined);
      if (lag !== undefined) nodes[job.topicNodeId] = { ...(nodes[job.topicNodeId] ?? { in: 0, out: 0, errors: 0, inRate: 0, outRate: 0 }), lag };
    }
    return { pipelineId: id, state: d.state, version: d.plan.version, startedAt: d.startedAt, error: d.error, nodes };
  }

  /** Unprocessed messages: log end minus the offsets stored with the views (the source of truth). */
  private async lag(pipelineId: string, jobId: string, topic: string): Promise<number> {
    const [ends, ckpts] = await Promise.all([this.deps.bus.endOffsets(topic), this.deps.store.readCheckpoints(checkpointKey(pipelineId, jobId))]);
    return ends.reduce((s, end, p) => s + Math.max(0, end - (ckpts[`${topic}:${p}`]?.offset ?? 0)), 0);
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
    await Promise.all([...this.deployments.keys()].map((id) => this.stopRunning(id)));
  }
}
