import { describe, expect, it } from 'vitest';
import { lookupNodeSpec } from '../nodes/registry';
import { compile } from './compile';
import type { PipelineDocument } from './document';
import { validatePipeline } from './graph';

const edge = (from: string, to: string, fromPort = 'out', toPort = 'in') => ({ from: { node: from, port: fromPort }, to: { node: to, port: toPort } });

function doc(extra: Partial<PipelineDocument> = {}): PipelineDocument {
  return {
    id: 'a', name: 'agents', version: 1, layout: {},
    nodes: [
      { id: 'r1', type: 'source.generator', config: {} },
      { id: 'c1', type: 'channel.memory', config: {} },
      { id: 'c2', type: 'channel.memory', config: {} },
      { id: 'k1', type: 'sink.kafka', config: { 'kafka.topic': 'one' } },
      { id: 'k2', type: 'sink.kafka', config: { 'kafka.topic': 'two' } },
    ],
    edges: [edge('r1', 'c1'), edge('r1', 'c2'), edge('c1', 'k1'), edge('c2', 'k2')],
    ...extra,
  };
}

describe('agent planning', () => {
  it('one connected group is one agent; a source feeding two channels replicates into both', () => {
    const plan = compile(doc(), lookupNodeSpec);
    expect(plan.agents).toHaveLength(1);
    const [agent] = plan.agents;
    expect(agent.channels.map((c) => c.id)).toEqual(['c1', 'c2']);
    expect(agent.sources).toEqual([expect.objectContaining({ channels: ['c1', 'c2'], interceptors: [] })]);
    expect(agent.sinks.map((s) => [s.node.id, s.channel, s.topic])).toEqual([['k1', 'c1', 'one'], ['k2', 'c2', 'two']]);
  });

  it('separate groups are separate agents', () => {
    const d = doc();
    d.nodes.push({ id: 'r2', type: 'source.generator', config: {} }, { id: 'c3', type: 'channel.memory', config: {} }, { id: 'k3', type: 'sink.kafka', config: { 'kafka.topic': 't' } });
    d.edges.push(edge('r2', 'c3'), edge('c3', 'k3'));
    expect(compile(d, lookupNodeSpec).agents.map((a) => a.id)).toEqual(['c1', 'c3']);
  });

  it('reports a multiplexing selector that names a channel the source is not connected to', () => {
    const d = doc();
    d.nodes[0].config = { 'selector.type': 'multiplexing', 'selector.header': 'h', 'selector.mapping': { x: ['c9'] } };
    expect(validatePipeline(d, lookupNodeSpec)).toContainEqual(expect.objectContaining({ code: 'selector_unknown_channel', nodeId: 'r1' }));
    d.nodes[0].config = { 'selector.type': 'multiplexing', 'selector.mapping': { x: ['c1'] } };
    expect(validatePipeline(d, lookupNodeSpec)).toContainEqual(expect.objectContaining({ code: 'selector_without_header' }));
  });

  it('reports a channel without a sink, a Kafka sink without a topic and a source without a channel', () => {
    const sinkless = doc({ nodes: doc().nodes.slice(0, 2), edges: [edge('r1', 'c1')] });
    expect(validatePipeline(sinkless, lookupNodeSpec)).toContainEqual(expect.objectContaining({ code: 'channel_without_sink', nodeId: 'c1' }));
    const topicless = doc({ nodes: [...doc().nodes.slice(0, 2), { id: 'k1', type: 'sink.kafka', config: {} }], edges: [edge('r1', 'c1'), edge('c1', 'k1')] });
    expect(validatePipeline(topicless, lookupNodeSpec)).toContainEqual(expect.objectContaining({ code: 'sink_without_topic', nodeId: 'k1' }));
    const lonely = doc({ nodes: [{ id: 'r1', type: 'source.generator', config: {} }], edges: [] });
    expect(validatePipeline(lonely, lookupNodeSpec).map((i) => i.code)).toContain('agent_without_channel');
  });

  it('refuses two exactly-once Kafka sinks competing for one channel', () => {
    const d = doc({ edges: [edge('r1', 'c1'), edge('c1', 'k1'), edge('c1', 'k2')], nodes: doc().nodes.filter((n) => n.id !== 'c2') });
    expect(validatePipeline(d, lookupNodeSpec)).toContainEqual(expect.objectContaining({ code: 'channel_shared_by_exactly_once_sinks', nodeId: 'c1' }));
    d.nodes.find((n) => n.id === 'k2')!.config = { 'kafka.topic': 'two', exactlyOnce: false };
    expect(validatePipeline(d, lookupNodeSpec)).toEqual([]);
  });
});
