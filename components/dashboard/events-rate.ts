import type { PipelineDocument } from '@/engine/spec/document';
import type { SpecLookup } from '@/engine/spec/graph';
import type { NodeStatus } from '@/components/api/types';

/**
 * Events per second entering the pipeline: what its sources emit. A pipeline fed by an outside
 * agent has no source node, so then the busiest node's output rate stands in.
 */
export function ingestRate(doc: Pick<PipelineDocument, 'nodes'> | null, nodes: Record<string, NodeStatus> | undefined, lookup: SpecLookup): number {
  if (!nodes) return 0;
  const sources = (doc?.nodes ?? []).filter((n) => lookup(n.type)?.category === 'source' && nodes[n.id]);
  if (sources.length > 0) return sources.reduce((sum, n) => sum + (nodes[n.id].outRate ?? 0), 0);
  return Object.values(nodes).reduce((max, s) => Math.max(max, s.outRate ?? 0), 0);
}
