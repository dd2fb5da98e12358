import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { PipelineDocument } from '@/engine/spec/document';
import {
  defaultConfig,
  documentFingerprint,
  documentToFlow,
  flowEdgeToPipelineEdge,
  flowToDocument,
  uniqueNodeId,
} from './document-flow';

const doc: PipelineDocument = {
  id: 'demo',
  name: 'Demo',
  version: 3,
  nodes: [
    { id: 'gen', type: 'source.generator', config: { rate: 5 } },
    { id: 'channel', type: 'channel.memory', config: {} },
    { id: 'orphan', type: 'sink.logger', config: {} },
  ],
  edges: [{ from: { node: 'gen', port: 'out' }, to: { node: 'channel', port: 'in' } }],
  layout: { gen: { x: 10, y: 20 }, channel: { x: 300, y: 20 } },
};

describe('documentToFlow / flowToDocument', () => {
  it('puts nodes at their layout positions and edges on port handles', () => {
    const { nodes, edges } = documentToFlow(doc);
    expect(nodes.map((n) => [n.id, n.type, n.position])).toEqual([
      ['gen', 'pipeline', { x: 10, y: 20 }],
      ['channel', 'pipeline', { x: 300, y: 20 }],
      ['orphan', 'pipeline', { x: 520, y: 0 }],
    ]);
    expect(nodes[0].data).toEqual({ type: 'source.generator', config: { rate: 5 } });
    expect(edges).toEqual([
      { id: 'gen:out->channel:in', source: 'gen', sourceHandle: 'out', target: 'channel', targetHandle: 'in' },
    ]);
  });

  it('round-trips a document, giving every node a layout entry', () => {
    const { nodes, edges } = documentToFlow(doc);
    const back = flowToDocument(doc, nodes, edges);
    expect(back).toEqual({ ...doc, layout: { ...doc.layout, orphan: { x: 520, y: 0 } } });
  });

  it('does not share config objects with the document it came from', () => {
    const { nodes } = documentToFlow(doc);
    nodes[0].data.config.rate = 99;
    expect(doc.nodes[0].config.rate).toBe(5);
  });

  it('rounds positions so dragging by sub-pixels is not a change', () => {
    const { nodes, edges } = documentToFlow(doc);
    nodes[0].position = { x: 10.4, y: 19.6 };
    expect(flowToDocument(doc, nodes, edges).layout.gen).toEqual({ x: 10, y: 20 });
  });

  it('drops edges whose ends have no port', () => {
    const { nodes } = documentToFlow(doc);
    const back = flowToDocument(doc, nodes, [{ id: 'x', source: 'gen', target: 'channel', sourceHandle: null, targetHandle: 'in' }]);
    expect(back.edges).toEqual([]);
  });
});

describe('flowEdgeToPipelineEdge', () => {
  it('maps handles to ports', () => {
    expect(flowEdgeToPipelineEdge({ source: 'a', sourceHandle: 'dead', target: 'b', targetHandle: 'in' })).toEqual({
      from: { node: 'a', port: 'dead' },
      to: { node: 'b', port: 'in' },
    });
  });
});

describe('uniqueNodeId', () => {
  it('uses the last segment of the type, then numbers it', () => {
    expect(uniqueNodeId('op.parse', [])).toBe('parse');
    expect(uniqueNodeId('op.parse', ['parse'])).toBe('parse-2');
    expect(uniqueNodeId('op.parse', ['parse', 'parse-2', 'parse-4'])).toBe('parse-3');
    expect(uniqueNodeId('topic', ['topic'])).toBe('topic-2');
  });

  it('keeps to the id pattern', () => {
    expect(uniqueNodeId('interceptor.Regex Filter!', [])).toBe('regex-filter');
    expect(uniqueNodeId('...', [])).toBe('node');
  });
});

describe('defaultConfig', () => {
  it('takes the schema defaults', () => {
    expect(defaultConfig({ config: z.object({ rate: z.number().default(20), on: z.boolean().default(true) }) })).toEqual({ rate: 20, on: true });
  });

  it('keeps the defaults it can when a required field has none', () => {
    expect(defaultConfig({ config: z.object({ topic: z.string().min(1), acks: z.enum(['all', '1']).default('all') }) })).toEqual({ acks: 'all' });
  });
});

describe('documentFingerprint', () => {
  it('ignores config key order and edge order, not values', () => {
    const a = { ...doc, nodes: [{ id: 'n', type: 't', config: { a: 1, b: 2 } }] };
    const b = { ...doc, nodes: [{ id: 'n', type: 't', config: { b: 2, a: 1 } }] };
    expect(documentFingerprint(a)).toBe(documentFingerprint(b));
    const c = { ...doc, nodes: [{ id: 'n', type: 't', config: { a: 1, b: 3 } }] };
    expect(documentFingerprint(a)).not.toBe(documentFingerprint(c));
  });

  it('sees a moved node', () => {
    expect(documentFingerprint(doc)).not.toBe(documentFingerprint({ ...doc, layout: { ...doc.layout, gen: { x: 11, y: 20 } } }));
  });
});
