import { appendFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Bus } from '../bus/types';
import { lookupNodeSpec } from '../nodes/registry';
import { PipelineMetrics } from '../runtime/metrics';
import { compile } from '../spec/compile';
import type { PipelineDocument } from '../spec/document';
import { AgentRunner } from './agent-runner';
import { CollectRegistry } from './collect-registry';
import type { AgentLog } from './types';

export interface StandaloneAgents {
  metrics: PipelineMetrics;
  collect: CollectRegistry;
  stop(): Promise<void>;
}

/**
 * Runs the agents of a document in this process without the web server (`weir agent`, tests):
 * topics are created, dead letters go to `<dataDir>/deadletters.jsonl`.
 */
export async function startStandaloneAgents(doc: PipelineDocument, opts: { bus: Bus; dataDir: string; log: AgentLog }): Promise<StandaloneAgents> {
  const plan = compile(doc, lookupNodeSpec);
  for (const t of plan.topics) await opts.bus.ensureTopic({ name: t.name, partitions: t.partitions, retentionMs: t.retentionMs });
  const metrics = new PipelineMetrics();
  const collect = new CollectRegistry();
  mkdirSync(opts.dataDir, { recursive: true });
  const deadFile = path.join(opts.dataDir, 'deadletters.jsonl');
  const runners: AgentRunner[] = [];
  try {
    for (const agent of plan.agents) {
      const runner = new AgentRunner(agent, {
        bus: opts.bus,
        metrics,
        dataDir: opts.dataDir,
        collect,
        agentId: `${doc.id}.${agent.id}`,
        log: opts.log,
        deadLetter: (nodeId, event, reason) =>
          appendFileSync(deadFile, `${JSON.stringify({ at: new Date().toISOString(), nodeId, reason, headers: event.headers, body: event.body.slice(0, 2_000) })}\n`),
        onError: (nodeId, e) => opts.log('error', `[${nodeId}] ${(e as Error).message}`),
      });
      await runner.start();
      runners.push(runner);
    }
  } catch (e) {
    await Promise.allSettled(runners.map((r) => r.stop()));
    throw e;
  }
  return {
    metrics,
    collect,
    stop: async () => {
      await Promise.allSettled(runners.map((r) => r.stop()));
    },
  };
}
