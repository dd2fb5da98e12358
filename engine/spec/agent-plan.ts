import type { PipelineDocument } from './document';
import type { ValidationIssue } from './errors';
import type { SpecLookup } from './graph';
import { agentCategories } from './node-spec';
import type { AgentPlan, NodeRef } from './plan';

/**
 * Groups a document's agent nodes into Flume agents: each connected group of sources,
 * interceptors, channels and sinks is one agent. Pure, so the editor can show the same problems.
 */
export function planAgents(
  doc: PipelineDocument,
  refs: ReadonlyMap<string, NodeRef>,
  lookup: SpecLookup,
  topicName: (nodeId: string) => string | undefined,
): { agents: AgentPlan[]; issues: ValidationIssue[] } {
  const categoryOf = (id: string) => lookup(refs.get(id)?.type ?? '')?.category;
  const isAgent = (id: string) => {
    const c = categoryOf(id);
    return c !== undefined && agentCategories.has(c);
  };
  const downstream = (id: string) => doc.edges.filter((e) => e.from.node === id).map((e) => e.to.node);
  const upstream = (id: string) => doc.edges.filter((e) => e.to.node === id).map((e) => e.from.node);
  const issues: ValidationIssue[] = [];

  // Connected groups of agent nodes (edges between agent nodes only).
  const groupOf = new Map<string, number>();
  const groups: string[][] = [];
  for (const n of doc.nodes) {
    if (!isAgent(n.id) || groupOf.has(n.id)) continue;
    const members: string[] = [];
    const stack = [n.id];
    groupOf.set(n.id, groups.length);
    while (stack.length) {
      const id = stack.pop()!;
      members.push(id);
      for (const next of [...downstream(id), ...upstream(id)]) {
        if (isAgent(next) && !groupOf.has(next)) (groupOf.set(next, groups.length), stack.push(next));
      }
    }
    groups.push(members);
  }

  const agents: AgentPlan[] = [];
  for (const members of groups) {
    const ordered = doc.nodes.map((n) => n.id).filter((id) => members.includes(id));
    const channels = ordered.filter((id) => categoryOf(id) === 'channel');
    const sources = ordered.filter((id) => categoryOf(id) === 'source');
    if (channels.length === 0) {
      issues.push({ code: 'agent_without_channel', path: 'edges', nodeId: ordered[0], message: `Node "${ordered[0]}" belongs to a collection agent without a channel: connect its sources to a channel (memory or file) and the channel to a sink.` });
      continue;
    }
    const plan: AgentPlan = { id: channels[0], sources: [], channels: channels.map((id) => refs.get(id)!), sinks: [] };
    for (const sourceId of sources) {
      // Follow the interceptor chain: each interceptor has one input and its output feeds the next
      // interceptor or the channels.
      const interceptors: NodeRef[] = [];
      let last = sourceId;
      const seen = new Set<string>([sourceId]);
      for (;;) {
        const next = downstream(last).filter((id) => categoryOf(id) === 'interceptor');
        if (next.length === 0) break;
        if (next.length > 1 || downstream(last).some((id) => categoryOf(id) === 'channel')) {
          issues.push({ code: 'interceptor_chain_forks', path: 'edges', nodeId: last, message: `"${last}" feeds ${next.length > 1 ? 'several interceptors' : 'an interceptor and a channel'}; an interceptor chain is a single line from a source to its channels.` });
          break;
        }
        if (seen.has(next[0])) break;
        seen.add(next[0]);
        interceptors.push(refs.get(next[0])!);
        last = next[0];
      }
      const targets = downstream(last).filter((id) => categoryOf(id) === 'channel');
      if (targets.length === 0) {
        issues.push({ code: 'source_without_channel', path: 'edges', nodeId: last, message: `"${last}" is not connected to a channel; connect its output to a memory or file channel.` });
        continue;
      }
      const source = refs.get(sourceId)!;
      const selector = source.config as { 'selector.type'?: string; 'selector.mapping'?: Record<string, string[]>; 'selector.default'?: string[]; 'selector.header'?: string };
      if (selector['selector.type'] === 'multiplexing') {
        if (!selector['selector.header']) {
          issues.push({ code: 'selector_without_header', path: 'config.selector.header', nodeId: sourceId, message: `Source "${sourceId}" uses a multiplexing selector: set "selector.header" to the header whose value picks the channel.` });
        }
        const named = [...Object.values(selector['selector.mapping'] ?? {}).flat(), ...(selector['selector.default'] ?? [])];
        for (const ch of named) {
          if (!targets.includes(ch)) {
            issues.push({ code: 'selector_unknown_channel', path: 'config.selector.mapping', nodeId: sourceId, message: `Source "${sourceId}" maps events to channel "${ch}", which it is not connected to. Connect it, or use one of: ${targets.join(', ')}.` });
          }
        }
      }
      plan.sources.push({ node: source, interceptors, channels: targets });
    }
    for (const channelId of channels) {
      for (const sinkId of downstream(channelId).filter((id) => categoryOf(id) === 'sink')) {
        const sink = refs.get(sinkId)!;
        const topicNode = downstream(sinkId).find((id) => topicName(id) !== undefined);
        const configured = String(sink.config['kafka.topic'] ?? '');
        const topic = configured || (topicNode ? topicName(topicNode)! : '');
        if (sink.type === 'sink.kafka' && !topic) {
          issues.push({ code: 'sink_without_topic', path: 'config.kafka.topic', nodeId: sinkId, message: `Kafka sink "${sinkId}" has no topic: connect it to a topic node or set "kafka.topic".` });
        }
        plan.sinks.push({ node: sink, channel: channelId, topic });
      }
      const exactlyOnce = downstream(channelId).filter((id) => refs.get(id)?.type === 'sink.kafka' && refs.get(id)!.config.exactlyOnce !== false);
      if (exactlyOnce.length > 1) {
        issues.push({
          code: 'channel_shared_by_exactly_once_sinks', path: 'edges', nodeId: channelId,
          message: `Channel "${channelId}" feeds ${exactlyOnce.length} exactly-once Kafka sinks (${exactlyOnce.join(', ')}); each tracks the source positions it delivered, so they must not compete for one channel. Give each sink its own channel (the source replicates into both), or set exactlyOnce to false.`,
        });
      }
      if (!downstream(channelId).some((id) => categoryOf(id) === 'sink')) {
        issues.push({ code: 'channel_without_sink', path: 'edges', nodeId: channelId, message: `Channel "${channelId}" has no sink: events would pile up until it is full. Connect it to a Kafka or logger sink.` });
      }
    }
    agents.push(plan);
  }
  return { agents, issues };
}
