import type { PipelineDocument, PipelineNode } from '../../spec/document';
import type { NodeSpec } from '../../spec/node-spec';
import { nodeSpecs } from '../../nodes/registry';
import { fieldShapes, isListedRecord, listSeparator, type FieldShape } from './field-shapes';
import { escapeKey, escapeValue } from './properties';
import { flumeTypeFor, kindOfWeirType } from './type-names';

/**
 * A document's agent nodes (sources, interceptors, channels, sinks) → Flume agent properties.
 * The stream-processor part has no Flume equivalent and is left out (named in a comment).
 * parseFlumeProperties(toFlumeProperties(doc)) gives doc back, but for layout and ids/names
 * Flume cannot hold (see `warnings`).
 */
export function toFlumeProperties(doc: Pick<PipelineDocument, 'name' | 'nodes' | 'edges'>, agentName: string, opts: { specs?: readonly NodeSpec[] } = {}): string {
  return exportFlumeProperties(doc, agentName, opts).text;
}

export function exportFlumeProperties(
  doc: Pick<PipelineDocument, 'name' | 'nodes' | 'edges'>,
  agentName: string,
  opts: { specs?: readonly NodeSpec[] } = {},
): { text: string; warnings: string[] } {
  const specs = opts.specs ?? nodeSpecs;
  const byType = new Map(specs.map((s) => [s.type, s]));
  const warnings: string[] = [];
  const kindOf = (n: PipelineNode) => kindOfWeirType(n.type, byType.get(n.type)?.category);
  const byId = new Map(doc.nodes.map((n) => [n.id, n]));
  const downstream = (id: string) => doc.edges.filter((e) => e.from.node === id).map((e) => byId.get(e.to.node)).filter((n): n is PipelineNode => !!n);
  const upstream = (id: string) => doc.edges.filter((e) => e.to.node === id).map((e) => byId.get(e.from.node)).filter((n): n is PipelineNode => !!n);

  const sources = doc.nodes.filter((n) => kindOf(n) === 'source');
  const channels = doc.nodes.filter((n) => kindOf(n) === 'channel');
  const sinks = doc.nodes.filter((n) => kindOf(n) === 'sink');
  const a = agentName;
  const lines: string[] = [
    `# Flume agent "${a}", exported by Weir from pipeline "${doc.name}".`,
    `# Run it with: npx weir agent --conf <this file> --name ${a}   (or flume-ng agent -f <this file> -n ${a})`,
  ];
  const left = doc.nodes.filter((n) => kindOf(n) === undefined);
  if (left.length) lines.push(`# Not part of the agent (stream processor): ${left.map((n) => `${n.id} (${n.type})`).join(', ')}`);
  lines.push('', `${a}.sources = ${sources.map((n) => n.id).join(' ')}`, `${a}.channels = ${channels.map((n) => n.id).join(' ')}`, `${a}.sinks = ${sinks.map((n) => n.id).join(' ')}`);

  const put = (key: string, value: string) => lines.push(`${escapeKey(key)} = ${escapeValue(value)}`);

  for (const src of sources) {
    const base = `${a}.sources.${src.id}`;
    lines.push('');
    put(`${base}.type`, flumeTypeFor(src.type));
    // Follow the interceptor chain to the channels.
    const chain: PipelineNode[] = [];
    let cur = src;
    for (;;) {
      const next = downstream(cur.id).filter((n) => kindOf(n) === 'interceptor');
      if (next.length === 0) break;
      if (next.length > 1) warnings.push(`${cur.id} feeds several interceptors (${next.map((n) => n.id).join(', ')}); Flume chains them one after another, so only ${next[0].id} is exported`);
      if (chain.includes(next[0])) break;
      chain.push(next[0]);
      cur = next[0];
    }
    const chs = downstream(cur.id).filter((n) => kindOf(n) === 'channel');
    if (chs.length === 0) warnings.push(`source ${src.id} is connected to no channel`);
    put(`${base}.channels`, chs.map((n) => n.id).join(' '));
    writeConfig(src, base, byType.get(src.type), put);
    if (chain.length) {
      const names = chain.map((ic) => (ic.id.startsWith(`${src.id}-`) ? ic.id.slice(src.id.length + 1) : ic.id));
      put(`${base}.interceptors`, names.join(' '));
      chain.forEach((ic, i) => {
        const icBase = `${base}.interceptors.${names[i]}`;
        put(`${icBase}.type`, flumeTypeFor(ic.type));
        writeConfig(ic, icBase, byType.get(ic.type), put);
      });
    }
  }
  for (const ch of channels) {
    const base = `${a}.channels.${ch.id}`;
    lines.push('');
    put(`${base}.type`, flumeTypeFor(ch.type));
    writeConfig(ch, base, byType.get(ch.type), put);
  }
  for (const sink of sinks) {
    const base = `${a}.sinks.${sink.id}`;
    lines.push('');
    put(`${base}.type`, flumeTypeFor(sink.type));
    const ch = upstream(sink.id).filter((n) => kindOf(n) === 'channel');
    if (ch.length !== 1) warnings.push(`sink ${sink.id} takes from ${ch.length} channels; a Flume sink drains exactly one`);
    put(`${base}.channel`, ch.map((n) => n.id).join(' '));
    if (sink.type === 'sink.kafka') {
      const topicNode = downstream(sink.id).find((n) => kindOf(n) === 'topic');
      const topic = String(sink.config?.['kafka.topic'] ?? '') || String(topicNode?.config?.name ?? '');
      if (topic) put(`${base}.kafka.topic`, topic);
      else warnings.push(`Kafka sink ${sink.id} has no topic: connect it to a topic node or set kafka.topic`);
    }
    writeConfig(sink, base, byType.get(sink.type), put, (k) => sink.type === 'sink.kafka' && k === 'kafka.topic');
  }
  lines.splice(2, 0, ...warnings.map((w) => `# Note: ${w}`));
  return { text: `${lines.join('\n')}\n`, warnings };
}

function writeConfig(
  node: PipelineNode,
  base: string,
  spec: NodeSpec | undefined,
  put: (key: string, value: string) => void,
  skip: (key: string) => boolean = () => false,
) {
  const config = node.config ?? {};
  const shapes = spec ? fieldShapes(spec) : new Map<string, FieldShape>();
  // Spec order first, so files read like the docs; then anything else the config holds.
  const keys = [...new Set([...shapes.keys(), ...Object.keys(config)])].filter((k) => config[k] !== undefined && config[k] !== null && !skip(k));
  for (const key of keys) writeValue(`${base}.${key}`, key, config[key], shapes.get(key), put);
}

function writeValue(fullKey: string, field: string, value: unknown, shape: FieldShape | undefined, put: (key: string, value: string) => void) {
  if (Array.isArray(value)) {
    if (shape?.kind === 'objects' || value.some((v) => v !== null && typeof v === 'object')) {
      const names = value.map((_, i) => `s${i + 1}`);
      put(fullKey, names.join(' '));
      value.forEach((item, i) => {
        for (const [k, v] of Object.entries((item ?? {}) as Record<string, unknown>)) if (v !== undefined) put(`${fullKey}.${names[i]}.${k}`, scalarText(v, k));
      });
      return;
    }
    put(fullKey, value.map(String).join(listSeparator(field)));
    return;
  }
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>);
    if (isListedRecord(field)) put(fullKey, entries.map(([k]) => k).join(' '));
    for (const [k, v] of entries) {
      if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
        for (const [k2, v2] of Object.entries(v as Record<string, unknown>)) put(`${fullKey}.${k}.${k2}`, scalarText(v2, k2));
      } else put(`${fullKey}.${k}`, scalarText(v, field));
    }
    return;
  }
  put(fullKey, String(value));
}

const scalarText = (v: unknown, key: string) => (Array.isArray(v) ? v.map(String).join(listSeparator(key)) : String(v));
