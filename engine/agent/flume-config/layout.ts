import type { PipelineDocument, PipelineEdge } from '../../spec/document';

const columnWidth = 260;
const rowHeight = 150;

/**
 * Left → right columns: each node one column right of its furthest upstream node (source,
 * interceptors, channel, sink, topic), rows in document order.
 */
export function autoLayout(nodeIds: readonly string[], edges: readonly PipelineEdge[], origin = { x: 0, y: 0 }): PipelineDocument['layout'] {
  const column = new Map(nodeIds.map((id) => [id, 0]));
  // Longest path by relaxation; agent graphs are small and acyclic, so n passes settle it.
  for (let pass = 0; pass < nodeIds.length; pass++) {
    let changed = false;
    for (const e of edges) {
      const from = column.get(e.from.node);
      const to = column.get(e.to.node);
      if (from !== undefined && to !== undefined && to < from + 1) {
        column.set(e.to.node, from + 1);
        changed = true;
      }
    }
    if (!changed) break;
  }
  const rows = new Map<number, number>();
  const layout: PipelineDocument['layout'] = {};
  for (const id of nodeIds) {
    const col = column.get(id)!;
    const row = rows.get(col) ?? 0;
    rows.set(col, row + 1);
    layout[id] = { x: origin.x + col * columnWidth, y: origin.y + row * rowHeight };
  }
  return layout;
}
