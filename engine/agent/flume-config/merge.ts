import type { PipelineDocument } from '../../spec/document';

type Graph = Pick<PipelineDocument, 'nodes' | 'edges' | 'layout'>;

/**
 * Adds an imported graph to an existing one (the editor's "merge" import): imported nodes whose
 * ids are taken get a free id (`c1` → `c1-2`), with their edges and the channel ids in source
 * selectors following, and the imported layout goes below what is there. A topic node naming a
 * topic the canvas already has is not added: the imported sink connects to the existing one.
 */
export function mergeGraphs(base: Graph, imported: Graph): Graph & { renamed: Record<string, string> } {
  const taken = new Set(base.nodes.map((n) => n.id));
  const renamed: Record<string, string> = {};
  const sameTopic = new Map<string, string>();
  for (const n of imported.nodes) {
    // A topic the canvas already has is the same Kafka topic: connect to it rather than add a twin.
    const twin = n.type === 'topic' ? base.nodes.find((b) => b.type === 'topic' && b.config?.name === n.config?.name) : undefined;
    if (twin) {
      sameTopic.set(n.id, twin.id);
      if (twin.id !== n.id) renamed[n.id] = twin.id;
      continue;
    }
    let id = n.id;
    for (let i = 2; taken.has(id); i++) id = `${n.id}-${i}`;
    taken.add(id);
    if (id !== n.id) renamed[n.id] = id;
  }
  const rename = (id: string) => renamed[id] ?? id;
  const nodes = imported.nodes.filter((n) => !sameTopic.has(n.id)).map((n) => ({ ...n, id: rename(n.id), config: renameSelectorChannels(n.config ?? {}, rename) }));
  const edges = imported.edges.map((e) => ({ from: { ...e.from, node: rename(e.from.node) }, to: { ...e.to, node: rename(e.to.node) } }));

  const below = Math.max(-Infinity, ...base.nodes.map((n) => base.layout?.[n.id]?.y ?? 0));
  const dy = base.nodes.length ? below + 200 : 0;
  const layout = { ...base.layout };
  for (const n of imported.nodes) {
    if (sameTopic.has(n.id)) continue;
    const at = imported.layout?.[n.id] ?? { x: 0, y: 0 };
    layout[rename(n.id)] = { x: at.x, y: at.y + dy };
  }
  return { nodes: [...base.nodes, ...nodes], edges: [...base.edges, ...edges], layout, renamed };
}

function renameSelectorChannels(config: Record<string, unknown>, rename: (id: string) => string): Record<string, unknown> {
  const out = { ...config };
  const mapping = out['selector.mapping'];
  if (mapping && typeof mapping === 'object' && !Array.isArray(mapping)) {
    out['selector.mapping'] = Object.fromEntries(
      Object.entries(mapping as Record<string, unknown>).map(([k, v]) => [k, Array.isArray(v) ? v.map((c) => rename(String(c))) : v]),
    );
  }
  for (const key of ['selector.default']) {
    const v = out[key];
    if (Array.isArray(v)) out[key] = v.map((c) => rename(String(c)));
  }
  return out;
}
