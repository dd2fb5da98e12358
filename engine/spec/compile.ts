import type { PipelineDocument, PipelineNode } from './document';
import { WeirError } from './errors';
import { topologicalOrder, validatePipeline, type SpecLookup } from './graph';
import type { AgentPlan, JobPlan, NodeRef, Plan, TopicPlan } from './plan';

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
  const refs = new Map<string, NodeRef>(
    doc.nodes.map((n) => [n.id, { id: n.id, type: n.type, config: lookup(n.type)!.config.parse(n.config ?? {}) as Record<string, unknown> }]),
  );
  const categoryOf = (id: string) => lookup(refs.get(id)!.type)!.category;
  const downstream = (id: string) => doc.edges.filter((e) => e.from.node === id).map((e) => e.to.node);
  const upstream = (id: string) => doc.edges.filter((e) => e.to.node === id).map((e) => e.from.node);

  const topics: TopicPlan[] = doc.nodes
    .filter((n) => categoryOf(n.id) === 'topic')
    .map((n) => {
      const c = refs.get(n.id)!.config as { name: string; partitions: number; retentionHours: number };
      return { nodeId: n.id, name: c.name, partitions: c.partitions, retentionMs: Math.round(c.retentionHours * 3_600_000) };
    });
  const topicByNode = new Map(topics.map((t) => [t.nodeId, t]));

  const agents: AgentPlan[] = doc.nodes
    .filter((n) => categoryOf(n.id) === 'channel')
    .map((channel) => ({
      id: channel.id,
      channel: refs.get(channel.id)!,
      sources: upstream(channel.id).map((first) => {
        // Walk back through the interceptor chain to its source.
        const interceptors: NodeRef[] = [];
        let cur = first;
        while (categoryOf(cur) === 'interceptor') {
          interceptors.unshift(refs.get(cur)!);
          cur = upstream(cur)[0];
        }
        return { node: refs.get(cur)!, interceptors };
      }),
      sinks: downstream(channel.id).map((sinkId) => {
        const sink = refs.get(sinkId)!;
        const topicNode = downstream(sinkId).find((id) => topicByNode.has(id));
        const configured = String(sink.config['kafka.topic'] ?? '');
        const topic = configured || (topicNode ? topicByNode.get(topicNode)!.name : '');
        return { node: sink, topic };
      }),
    }));

  for (const agent of agents) {
    for (const sink of agent.sinks) {
      if (sink.node.type === 'sink.kafka' && !sink.topic) {
        throw new WeirError('sink_without_topic', `Kafka sink "${sink.node.id}" has no topic: connect it to a topic node or set "kafka.topic".`, {
          status: 400,
          details: { errors: [{ code: 'sink_without_topic', nodeId: sink.node.id, path: 'config.kafka.topic', message: 'connect the sink to a topic node or set kafka.topic' }] },
        });
      }
    }
  }

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
