import type { Connection, Edge, Node } from '@xyflow/react';
import type { PipelineDocument, PipelineEdge } from '@/engine/spec/document';
import type { NodeSpec } from '@/engine/spec/node-spec';

/**
 * Pure conversions between the pipeline document (what the API stores) and React Flow's
 * nodes and edges (what the canvas edits). Handle ids are port names.
 */

export interface PipelineNodeData extends Record<string, unknown> {
  type: string;
  config: Record<string, unknown>;
}

export type PipelineFlowNode = Node<PipelineNodeData, 'pipeline'>;
export type PipelineFlowEdge = Edge;

/** Where a node without a saved position goes: a loose grid so nothing overlaps. */
const fallbackPosition = (index: number) => ({ x: (index % 5) * 260, y: Math.floor(index / 5) * 180 });

export const edgeId = (e: PipelineEdge) => `${e.from.node}:${e.from.port}->${e.to.node}:${e.to.port}`;

export function documentToFlow(doc: Pick<PipelineDocument, 'nodes' | 'edges' | 'layout'>): {
  nodes: PipelineFlowNode[];
  edges: PipelineFlowEdge[];
} {
  const nodes = doc.nodes.map<PipelineFlowNode>((n, i) => ({
    id: n.id,
    type: 'pipeline',
    position: doc.layout?.[n.id] ? { x: doc.layout[n.id].x, y: doc.layout[n.id].y } : fallbackPosition(i),
    data: { type: n.type, config: { ...(n.config ?? {}) } },
  }));
  return { nodes, edges: doc.edges.map(pipelineEdgeToFlowEdge) };
}

export function flowToDocument(
  base: Pick<PipelineDocument, 'id' | 'name' | 'version'>,
  nodes: readonly PipelineFlowNode[],
  edges: readonly PipelineFlowEdge[],
): PipelineDocument {
  const layout: PipelineDocument['layout'] = {};
  for (const n of nodes) layout[n.id] = { x: Math.round(n.position.x), y: Math.round(n.position.y) };
  return {
    id: base.id,
    name: base.name,
    version: base.version,
    nodes: nodes.map((n) => ({ id: n.id, type: n.data.type, config: n.data.config })),
    edges: edges.flatMap((e) => {
      const edge = flowEdgeToPipelineEdge(e);
      return edge ? [edge] : [];
    }),
    layout,
  };
}

/** A React Flow connection or edge as a document edge; null while an end has no port. */
export function flowEdgeToPipelineEdge(c: Connection | Edge): PipelineEdge | null {
  if (!c.source || !c.target || !c.sourceHandle || !c.targetHandle) return null;
  return { from: { node: c.source, port: c.sourceHandle }, to: { node: c.target, port: c.targetHandle } };
}

export function pipelineEdgeToFlowEdge(e: PipelineEdge): PipelineFlowEdge {
  return { id: edgeId(e), source: e.from.node, sourceHandle: e.from.port, target: e.to.node, targetHandle: e.to.port };
}

/**
 * A node id for a new node of `type` that no node in `existing` has: the type's last segment
 * (`op.parse` → `parse`), then `parse-2`, `parse-3`, ... Ids follow the document's id pattern.
 */
export function uniqueNodeId(type: string, existing: Iterable<string>): string {
  const taken = new Set(existing);
  const base =
    (type.split('.').pop() ?? type)
      .toLowerCase()
      .replace(/[^a-z0-9_-]+/g, '-')
      .replace(/^[-_]+|[-_]+$/g, '')
      .slice(0, 50) || 'node';
  if (!taken.has(base)) return base;
  for (let i = 2; ; i++) if (!taken.has(`${base}-${i}`)) return `${base}-${i}`;
}

/** The config a freshly dropped node starts with: the schema's defaults, or {} if some field has none. */
export function defaultConfig(spec: Pick<NodeSpec, 'config'>): Record<string, unknown> {
  const parsed = spec.config.safeParse({});
  if (parsed.success) return parsed.data as Record<string, unknown>;
  const defaults: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(spec.config.shape)) {
    const one = (field as { safeParse: (v: unknown) => { success: boolean; data?: unknown } }).safeParse(undefined);
    if (one.success && one.data !== undefined) defaults[key] = one.data;
  }
  return defaults;
}

/** Stable text of what gets saved: equal text ⇔ nothing to save. Key order in configs does not matter. */
export function documentFingerprint(doc: Pick<PipelineDocument, 'name' | 'nodes' | 'edges' | 'layout'>): string {
  const sortKeys = (v: unknown): unknown =>
    Array.isArray(v)
      ? v.map(sortKeys)
      : v && typeof v === 'object'
        ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, sortKeys((v as Record<string, unknown>)[k])]))
        : v;
  return JSON.stringify(
    sortKeys({
      name: doc.name,
      nodes: doc.nodes,
      edges: [...doc.edges].map(edgeId).sort(),
      layout: Object.fromEntries(Object.entries(doc.layout ?? {}).map(([k, p]) => [k, { x: Math.round(p.x), y: Math.round(p.y) }])),
    }),
  );
}
