import type { PipelineDocument, PipelineNode } from './document';
import { WeirError } from './errors';
import { planAgents } from './agent-plan';
import { parsedNodes, topicNameOf, topologicalOrder, validatePipeline, type SpecLookup } from './graph';
import type { JobPlan, Plan, TopicPlan } from './plan';

/**
 * Turns a valid document into a deployment plan. Throws WeirError `invalid_pipeline`
 * (with every issue in details.errors) when the document is not valid.
 */
export function compile(doc: PipelineDocument, lookup: SpecLookup): Plan {
  const errors = validatePipeline(doc, lookup);
  if (errors.length) {
    throw new WeirError('invalid_pipeline', `Pipeline "${doc.id}" has ${errors.length} problem(s); first: ${errors[0].message}`, {
      status: 400,
      details: { errors },
    });
  }
  const refs = parsedNodes(doc, lookup);
  const downstream = (id: string) => doc.edges.filter((e) => e.from.node === id).map((e) => e.to.node);
  const topicName = topicNameOf(doc, lookup);

  const topics: TopicPlan[] = doc.nodes
    .filter((n) => topicName(n.id) !== undefined)
    .map((n) => {
      const c = refs.get(n.id)!.config as { name: string; partitions: number; retentionHours: number };
      return { nodeId: n.id, name: c.name, partitions: c.partitions, retentionMs: Math.round(c.retentionHours * 3_600_000) };
    });
  const topicByNode = new Map(topics.map((t) => [t.nodeId, t]));
  // validatePipeline above already reported the agents' problems.
  const { agents } = planAgents(doc, refs, lookup, topicName);

  const order = topologicalOrder(doc.nodes, doc.edges)!;
  const jobs: JobPlan[] = topics
    .filter((t) => downstream(t.nodeId).length > 0)
    .map((t) => {
      const members = new Set<string>();
      const stack = downstream(t.nodeId);
      while (stack.length) {
        const id = stack.pop()!;
        // A job ends at the next topic: what is beyond it is another job.
        if (members.has(id) || topicByNode.has(id)) continue;
        members.add(id);
        stack.push(...downstream(id));
      }
      const nodes = order.filter((id) => members.has(id)).map((id) => refs.get(id)!);
      const inJob = (id: string) => id === t.nodeId || members.has(id);
      return {
        id: t.nodeId,
        groupId: `weir.${doc.id}.${t.nodeId}`,
        topic: t.name,
        topicNodeId: t.nodeId,
        nodes,
        edges: doc.edges.filter((e) => inJob(e.from.node) && inJob(e.to.node)),
      };
    });

  return { pipelineId: doc.id, version: doc.version, topics, agents, jobs };
}

export const nodeById = (doc: PipelineDocument, id: string): PipelineNode | undefined => doc.nodes.find((n) => n.id === id);
