import type { PipelineDocument, PipelineEdge, PipelineNode } from './document';
import type { ValidationIssue } from './errors';
import { planAgents } from './agent-plan';
import type { NodeSpec, PortSpec } from './node-spec';
import type { NodeRef } from './plan';

/**
 * Graph rules: pure functions shared by the editor (isValidConnection) and the server (validation).
 * They take the registry lookup as a parameter so engine/spec stays below engine/nodes.
 */
export type SpecLookup = (type: string) => NodeSpec | undefined;

const edgeLabel = (e: PipelineEdge) => `${e.from.node}.${e.from.port} → ${e.to.node}.${e.to.port}`;

const portOf = (spec: NodeSpec | undefined, side: 'inputs' | 'outputs', name: string): PortSpec | undefined =>
  spec?.[side].find((p) => p.name === name);

/** Why `edge` may not be added to `doc`, or null if it may. */
export function canConnect(doc: Pick<PipelineDocument, 'nodes' | 'edges'>, edge: PipelineEdge, lookup: SpecLookup): ValidationIssue | null {
  const others = doc.edges.filter((e) => e !== edge);
  return checkEdge(doc.nodes, others, edge, lookup, 'edges[new]') ?? createsCycle(doc.nodes, others, edge);
}

function checkEdge(
  nodes: PipelineNode[],
  otherEdges: PipelineEdge[],
  edge: PipelineEdge,
  lookup: SpecLookup,
  path: string,
): ValidationIssue | null {
  const from = nodes.find((n) => n.id === edge.from.node);
  const to = nodes.find((n) => n.id === edge.to.node);
  for (const [end, node] of [['from', from], ['to', to]] as const) {
    if (!node) {
      return {
        code: 'unknown_edge_node',
        path: `${path}.${end}.node`,
        edge,
        message: `Edge ${edgeLabel(edge)} refers to node "${edge[end].node}", which is not in the pipeline. Remove the edge or add the node.`,
      };
    }
  }
  if (edge.from.node === edge.to.node) {
    return { code: 'cycle', path, edge, nodeId: edge.from.node, message: `Edge ${edgeLabel(edge)} connects node "${edge.from.node}" to itself; pipelines must not loop.` };
  }
  const fromSpec = lookup(from!.type);
  const toSpec = lookup(to!.type);
  if (!fromSpec || !toSpec) return null; // unknown types are reported on the node itself
  const out = portOf(fromSpec, 'outputs', edge.from.port);
  if (!out) {
    return {
      code: 'unknown_port', path: `${path}.from.port`, edge, nodeId: from!.id,
      message: `Node "${from!.id}" (${fromSpec.type}) has no output port "${edge.from.port}". Its outputs: ${fromSpec.outputs.map((p) => p.name).join(', ') || 'none'}.`,
    };
  }
  const inp = portOf(toSpec, 'inputs', edge.to.port);
  if (!inp) {
    return {
      code: 'unknown_port', path: `${path}.to.port`, edge, nodeId: to!.id,
      message: `Node "${to!.id}" (${toSpec.type}) has no input port "${edge.to.port}". Its inputs: ${toSpec.inputs.map((p) => p.name).join(', ') || 'none'}.`,
    };
  }
  if (out.kind !== inp.kind) {
    return {
      code: 'incompatible_ports', path, edge, nodeId: to!.id,
      message: `Cannot connect ${edgeLabel(edge)}: "${from!.id}.${out.name}" carries ${out.kind} records but "${to!.id}.${inp.name}" takes ${inp.kind}. Connect it to an input that takes ${out.kind}.`,
    };
  }
  if (otherEdges.some((e) => e.from.node === edge.from.node && e.from.port === edge.from.port && e.to.node === edge.to.node && e.to.port === edge.to.port)) {
    return { code: 'duplicate_edge', path, edge, message: `Edge ${edgeLabel(edge)} appears twice; remove one.` };
  }
  if (!inp.multiple && otherEdges.some((e) => e.to.node === edge.to.node && e.to.port === edge.to.port)) {
    return {
      code: 'port_already_connected', path, edge, nodeId: to!.id,
      message: `Input "${to!.id}.${inp.name}" takes one connection and already has one. Remove the existing edge first.`,
    };
  }
  return null;
}

function createsCycle(nodes: PipelineNode[], edges: PipelineEdge[], edge: PipelineEdge): ValidationIssue | null {
  // Adding from→to closes a loop iff `from` is already reachable from `to`.
  const path = findPath(edges, edge.to.node, edge.from.node);
  if (!path) return null;
  const loop = [edge.from.node, ...path];
  return {
    code: 'cycle', path: 'edges[new]', edge, nodeId: edge.to.node,
    message: `Connecting ${edgeLabel(edge)} would make a loop (${loop.join(' → ')}); pipelines must flow one way.`,
  };
}

function findPath(edges: PipelineEdge[], start: string, goal: string): string[] | null {
  const next = new Map<string, string[]>();
  for (const e of edges) next.set(e.from.node, [...(next.get(e.from.node) ?? []), e.to.node]);
  const prev = new Map<string, string>();
  const queue = [start];
  const seen = new Set(queue);
  while (queue.length) {
    const cur = queue.shift()!;
    if (cur === goal) {
      const out = [cur];
      for (let p = prev.get(cur); p !== undefined; p = prev.get(p)) out.unshift(p);
      return out;
    }
    for (const n of next.get(cur) ?? []) if (!seen.has(n)) (seen.add(n), prev.set(n, cur), queue.push(n));
  }
  return null;
}

/** Every node in an order where each comes after all its upstream nodes; null if the graph loops. */
export function topologicalOrder(nodes: PipelineNode[], edges: PipelineEdge[]): string[] | null {
  const indegree = new Map(nodes.map((n) => [n.id, 0]));
  for (const e of edges) if (indegree.has(e.to.node)) indegree.set(e.to.node, indegree.get(e.to.node)! + 1);
  const ready = nodes.filter((n) => indegree.get(n.id) === 0).map((n) => n.id);
  const order: string[] = [];
  while (ready.length) {
    const id = ready.shift()!;
    order.push(id);
    for (const e of edges) {
      if (e.from.node !== id || !indegree.has(e.to.node)) continue;
      const d = indegree.get(e.to.node)! - 1;
      indegree.set(e.to.node, d);
      if (d === 0) ready.push(e.to.node);
    }
  }
  return order.length === nodes.length ? order : null;
}

/** All structural and semantic problems of a document (empty = valid). */
export function validatePipeline(doc: PipelineDocument, lookup: SpecLookup): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  const seen = new Set<string>();
  doc.nodes.forEach((node, i) => {
    if (seen.has(node.id)) {
      issues.push({ code: 'duplicate_node_id', path: `nodes[${i}].id`, nodeId: node.id, message: `Two nodes have the id "${node.id}"; give each node its own id.` });
    }
    seen.add(node.id);
    issues.push(...validateNodeConfig(node, i, lookup));
  });

  doc.edges.forEach((edge, i) => {
    const issue = checkEdge(doc.nodes, doc.edges.slice(0, i), edge, lookup, `edges[${i}]`);
    if (issue) issues.push(issue);
  });

  if (!issues.some((i) => i.code === 'cycle') && topologicalOrder(doc.nodes, doc.edges) === null) {
    const loopEdge = doc.edges.find((e) => findPath(doc.edges, e.to.node, e.from.node));
    issues.push({
      code: 'cycle', path: 'edges', edge: loopEdge, nodeId: loopEdge?.to.node,
      message: `The pipeline loops${loopEdge ? ` through ${edgeLabel(loopEdge)}` : ''}; remove an edge so records flow one way.`,
    });
  }

  doc.nodes.forEach((node, i) => {
    const spec = lookup(node.type);
    for (const port of spec?.inputs ?? []) {
      if (port.required && !doc.edges.some((e) => e.to.node === node.id && e.to.port === port.name)) {
        issues.push({
          code: 'missing_input', path: `nodes[${i}]`, nodeId: node.id,
          message: `Node "${node.id}" (${node.type}) needs its input "${port.name}" connected to an output that carries ${port.kind} records.`,
        });
      }
    }
  });
  if (issues.length === 0) issues.push(...planAgents(doc, parsedNodes(doc, lookup), lookup, topicNameOf(doc, lookup)).issues);
  return issues;
}

/** Nodes with their config parsed by their spec (defaults filled in); only for a document whose configs are valid. */
export function parsedNodes(doc: PipelineDocument, lookup: SpecLookup): Map<string, NodeRef> {
  return new Map(doc.nodes.map((n) => [n.id, { id: n.id, type: n.type, config: lookup(n.type)!.config.parse(n.config ?? {}) as Record<string, unknown> }]));
}

/** A topic node's topic name, or undefined if the node is not a topic. */
export const topicNameOf = (doc: PipelineDocument, lookup: SpecLookup) => (nodeId: string): string | undefined => {
  const node = doc.nodes.find((n) => n.id === nodeId);
  if (!node || lookup(node.type)?.category !== 'topic') return undefined;
  return String((lookup(node.type)!.config.parse(node.config ?? {}) as { name: string }).name);
};

export function validateNodeConfig(node: PipelineNode, index: number, lookup: SpecLookup): ValidationIssue[] {
  const spec = lookup(node.type);
  const base = `nodes[${index}]`;
  if (!spec) {
    return [{
      code: 'unknown_node_type', path: `${base}.type`, nodeId: node.id,
      message: `Node "${node.id}" has unknown type "${node.type}". Use a type from GET /api/node-types.`,
    }];
  }
  const issues: ValidationIssue[] = [];
  const known = new Set(Object.keys(spec.config.shape));
  for (const key of Object.keys(node.config ?? {})) {
    if (!known.has(key)) {
      issues.push({
        code: 'unknown_config_field', path: `${base}.config.${key}`, nodeId: node.id,
        message: `Node "${node.id}" (${node.type}) has no setting "${key}". Its settings: ${[...known].join(', ') || 'none'}.`,
      });
    }
  }
  const parsed = spec.config.safeParse(node.config ?? {});
  if (!parsed.success) {
    for (const zi of parsed.error.issues) {
      const field = zi.path.map(String).join('.');
      const missing = zi.code === 'invalid_type' && valueAt(node.config, zi.path) === undefined;
      issues.push({
        code: missing ? 'missing_required_field' : 'invalid_config',
        path: `${base}.config${field ? `.${field}` : ''}`,
        nodeId: node.id,
        message: missing
          ? `Node "${node.id}" (${node.type}) needs the setting "${field}": ${zi.message}.`
          : `Node "${node.id}" (${node.type}) setting "${field}": ${zi.message}.`,
      });
    }
  }
  return issues;
}

function valueAt(value: unknown, path: PropertyKey[]): unknown {
  let cur = value;
  for (const key of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<PropertyKey, unknown>)[key];
  }
  return cur;
}
