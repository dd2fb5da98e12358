import type { PipelineDocument, PipelineEdge, PipelineNode } from '../../spec/document';
import { idPattern } from '../../spec/document';
import { WeirError } from '../../spec/errors';
import type { NodeSpec } from '../../spec/node-spec';
import { nodeSpecs } from '../../nodes/registry';
import { coerceList, coerceScalar, fieldShapes, isListedRecord, type FieldShape } from './field-shapes';
import { autoLayout } from './layout';
import { parseProperties, type PropertyEntry as RawEntry } from './properties';
import { supportedFlumeTypes, weirTypeFor, type FlumeKind } from './type-names';

/**
 * Flume agent properties → a pipeline document.
 *
 * What is an error and what is a warning: anything that would make the agent do something other
 * than what the file says is an error (unknown component type, a bad value, a missing or unknown
 * channel reference, an unset ${VAR}), and every error of the file is reported at once, with its
 * line. A component with an error is not skipped with a warning, because an agent that silently
 * runs without one of its sources or sinks loses data. Things Flume itself ignores stay ignored,
 * with a warning: properties unknown to the component type, components not listed in
 * `a1.sources`/`a1.channels`/`a1.sinks`, sink groups.
 */

export interface FlumeConfigProblem {
  /** 1-based line in the properties text; 0 when the problem concerns the whole file. */
  line: number;
  key: string;
  message: string;
}

export interface FlumeParseOptions {
  /** The node types to convert to (default: the registry's). */
  specs?: readonly NodeSpec[];
  /**
   * Values for `${NAME}` references (Flume's EnvVarResolverProperties). Given: an unset name is an
   * error. Absent (in the browser): references are kept as written, with a warning.
   */
  env?: Record<string, string | undefined>;
}

export interface FlumeParseResult {
  document: PipelineDocument;
  warnings: string[];
  /**
   * Each component's properties as read (after ${NAME} substitution), by node id, for what a
   * document does not hold: `weir agent` reads the Kafka sink's `kafka.bootstrap.servers` here.
   */
  properties: Record<string, Record<string, string>>;
}

/** `unresolved`: holds a ${NAME} kept as written (no environment): its problems are only warnings. */
type PropertyEntry = RawEntry & { unresolved?: boolean };

interface Component {
  kind: FlumeKind;
  name: string;
  /** Property name below the component (`type`, `channels`, `kafka.topic`, ...) → entry. */
  props: Map<string, PropertyEntry>;
}

const plural: Record<string, FlumeKind> = { sources: 'source', channels: 'channel', sinks: 'sink' };
const exampleName = { source: 'r1', channel: 'c1', sink: 'k1' };

/** Names of the agents a properties text configures, in order of appearance. */
export function flumeAgentNames(text: string): string[] {
  const names = new Set<string>();
  for (const { key } of parseProperties(text).entries) {
    const m = /^([^.]+)\.(sources|channels|sinks)(\.|$)/.exec(key);
    if (m) names.add(m[1]);
  }
  return [...names];
}

export function parseFlumeProperties(text: string, agentName: string, opts: FlumeParseOptions = {}): FlumeParseResult {
  const specs = opts.specs ?? nodeSpecs;
  const byType = new Map(specs.map((s) => [s.type, s]));
  const lookup = (t: string) => byType.get(t);
  const errors: FlumeConfigProblem[] = [];
  const warnings: string[] = [];
  const error = (line: number, key: string, message: string) => errors.push({ line, key, message });
  const warn = (line: number, key: string, message: string) => warnings.push(line > 0 ? `line ${line}: ${key}: ${message}` : `${key}: ${message}`);
  const fail = () => {
    const list = errors.sort((a, b) => a.line - b.line);
    const first = list[0];
    return new WeirError(
      'flume_config_invalid',
      `The Flume configuration of agent "${agentName}" has ${list.length} problem(s); first: ${first.line > 0 ? `line ${first.line}: ` : ''}${first.key}: ${first.message}`,
      { status: 400, details: { errors: list, warnings } },
    );
  };

  const parsed = parseProperties(text);
  for (const p of parsed.problems) error(p.line, p.key, p.message);

  // Last value wins, as in java.util.Properties.
  const prefix = `${agentName}.`;
  const byKey = new Map<string, PropertyEntry>();
  for (const e of parsed.entries) {
    if (!e.key.startsWith(prefix)) continue; // other agents of the same file
    const before = byKey.get(e.key);
    if (before) warn(e.line, e.key, `set again (first on line ${before.line}); the last value wins`);
    byKey.set(e.key, e);
  }
  const mine = [...byKey.values()].map((e) => resolveVars(e, opts.env, error, warn));
  if (mine.length === 0) {
    const others = flumeAgentNames(text);
    error(0, agentName, others.length
      ? `no properties for agent "${agentName}"; this file configures ${others.map((n) => `"${n}"`).join(', ')} (pass that name with --name)`
      : `no properties for agent "${agentName}": expected lines like "${agentName}.sources = r1"`);
    throw fail();
  }

  // Group the agent's properties by component.
  const lists: Partial<Record<FlumeKind, PropertyEntry>> = {};
  const found: Record<FlumeKind, Map<string, Component>> = { source: new Map(), channel: new Map(), sink: new Map(), interceptor: new Map() };
  for (const e of mine) {
    const rest = e.key.slice(prefix.length);
    const dot = rest.indexOf('.');
    const group = dot < 0 ? rest : rest.slice(0, dot);
    const kind = plural[group];
    if (group === 'sinkgroups') {
      warn(e.line, e.key, 'sink groups (failover, load_balance) are not supported; each sink drains its channel on its own');
      continue;
    }
    if (!kind) {
      warn(e.line, e.key, 'not a Flume agent property (expected sources, channels or sinks); ignored');
      continue;
    }
    if (dot < 0) {
      lists[kind] = e;
      continue;
    }
    const below = rest.slice(dot + 1);
    const dot2 = below.indexOf('.');
    if (dot2 <= 0) {
      warn(e.line, e.key, `expected ${prefix}${group}.<name>.<property>; ignored`);
      continue;
    }
    const name = below.slice(0, dot2);
    const comp = found[kind].get(name) ?? { kind, name, props: new Map() };
    comp.props.set(below.slice(dot2 + 1), e);
    found[kind].set(name, comp);
  }

  const declared: Record<'source' | 'channel' | 'sink', Component[]> = { source: [], channel: [], sink: [] };
  const usedIds = new Map<string, string>();
  for (const kind of ['source', 'channel', 'sink'] as const) {
    const listEntry = lists[kind];
    const listKey = `${prefix}${kind}s`;
    if (!listEntry || splitNames(listEntry.value).length === 0) {
      error(listEntry?.line ?? 0, listKey, `agent "${agentName}" lists no ${kind}s: add "${listKey} = ${exampleName[kind]}"`);
      continue;
    }
    for (const name of unique(splitNames(listEntry.value), (n) => warn(listEntry.line, listKey, `"${n}" is listed twice`))) {
      if (!idPattern.test(name)) {
        error(listEntry.line, listKey, `component name "${name}" must be 1-63 letters, digits, "-" or "_" (it becomes a node id)`);
        continue;
      }
      const other = usedIds.get(name);
      if (other) {
        error(listEntry.line, listKey, `"${name}" names both a ${other} and a ${kind}; give each component its own name (it becomes a node id)`);
        continue;
      }
      usedIds.set(name, kind);
      const comp = found[kind].get(name);
      if (!comp) {
        error(listEntry.line, listKey, `${kind} "${name}" is listed but has no properties: add "${listKey}.${name}.type = ..."`);
        continue;
      }
      declared[kind].push(comp);
    }
    for (const [name, comp] of found[kind]) {
      if (!declared[kind].includes(comp) && !splitNames(listEntry.value).includes(name)) {
        const first = [...comp.props.values()][0];
        warn(first.line, `${listKey}.${name}`, `not listed in "${listKey}"; ignored, as Flume does`);
      }
    }
  }

  const nodes: PipelineNode[] = [];
  const edges: PipelineEdge[] = [];
  const properties: FlumeParseResult['properties'] = {};
  const channelNames = new Set(declared.channel.map((c) => c.name));
  const portOf = (type: string, side: 'inputs' | 'outputs', kind: string, fallback: string) =>
    lookup(type)?.[side].find((p) => p.kind === kind)?.name ?? fallback;
  const edge = (from: string, fromType: string, to: string, toType: string, kind = 'event') =>
    edges.push({ from: { node: from, port: portOf(fromType, 'outputs', kind, 'out') }, to: { node: to, port: portOf(toType, 'inputs', kind, 'in') } });

  const resolveType = (comp: Component, keyBase: string): string | undefined => {
    const t = comp.props.get('type');
    if (!t || t.value.trim() === '') {
      const first = [...comp.props.values()][0];
      error(first?.line ?? 0, `${keyBase}.type`, `the ${comp.kind} "${comp.name}" has no type`);
      return undefined;
    }
    const type = weirTypeFor(comp.kind, t.value, (w) => byType.has(w));
    if (!type) {
      error(t.line, `${keyBase}.type`, `unknown ${comp.kind} type "${t.value.trim()}". Supported ${comp.kind} types: ${supportedFlumeTypes(comp.kind, specs).join(', ')}`);
    }
    return type;
  };

  const build = (type: string, comp: Component, keyBase: string, skip: (prop: string) => boolean) =>
    buildConfig(lookup(type), type, [...comp.props].filter(([p]) => p !== 'type' && !skip(p)), keyBase, comp.props.get('type')?.line ?? 0, error, warn);

  const rawProps = (comp: Component, skip: (prop: string) => boolean = () => false) =>
    Object.fromEntries([...comp.props].filter(([p]) => !skip(p)).map(([p, e]) => [p, e.value]));

  for (const comp of declared.channel) {
    const keyBase = `${prefix}channels.${comp.name}`;
    const type = resolveType(comp, keyBase);
    if (!type) continue;
    nodes.push({ id: comp.name, type, config: build(type, comp, keyBase, () => false) });
    properties[comp.name] = rawProps(comp);
  }

  for (const comp of declared.source) {
    const keyBase = `${prefix}sources.${comp.name}`;
    const type = resolveType(comp, keyBase);
    const chEntry = comp.props.get('channels');
    const channels = chEntry ? unique(splitNames(chEntry.value), () => {}) : [];
    if (!chEntry || channels.length === 0) error(chEntry?.line ?? comp.props.get('type')?.line ?? 0, `${keyBase}.channels`, `the source "${comp.name}" puts into no channel: add "${keyBase}.channels = c1"`);
    for (const c of channels) {
      if (!channelNames.has(c)) error(chEntry!.line, `${keyBase}.channels`, `"${c}" is not a channel of agent "${agentName}" (its channels: ${[...channelNames].join(', ') || 'none'})`);
    }
    checkSelectorChannels(comp, keyBase, new Set(channels), error);
    const isInterceptorProp = (p: string) => p === 'interceptors' || p.startsWith('interceptors.');
    if (type) nodes.push({ id: comp.name, type, config: build(type, comp, keyBase, (p) => p === 'channels' || isInterceptorProp(p)) });
    properties[comp.name] = rawProps(comp, isInterceptorProp);

    // Interceptors: a chain between the source and its channels, named <source>-<interceptor>.
    const icEntry = comp.props.get('interceptors');
    const icNames = icEntry ? unique(splitNames(icEntry.value), (n) => warn(icEntry.line, `${keyBase}.interceptors`, `"${n}" is listed twice`)) : [];
    const icProps = new Map<string, Component>();
    for (const [p, e] of comp.props) {
      if (!p.startsWith('interceptors.')) continue;
      const below = p.slice('interceptors.'.length);
      const dot = below.indexOf('.');
      if (dot <= 0) {
        warn(e.line, e.key, `expected ${keyBase}.interceptors.<name>.<property>; ignored`);
        continue;
      }
      const name = below.slice(0, dot);
      const ic = icProps.get(name) ?? { kind: 'interceptor' as const, name, props: new Map() };
      ic.props.set(below.slice(dot + 1), e);
      icProps.set(name, ic);
    }
    for (const [name, ic] of icProps) {
      if (!icNames.includes(name)) warn([...ic.props.values()][0].line, `${keyBase}.interceptors.${name}`, `not listed in "${keyBase}.interceptors"; ignored, as Flume does`);
    }
    let last = { id: comp.name, type: type ?? '' };
    for (const name of icNames) {
      const icBase = `${keyBase}.interceptors.${name}`;
      const ic = icProps.get(name);
      if (!ic) {
        error(icEntry!.line, `${keyBase}.interceptors`, `interceptor "${name}" is listed but has no properties: add "${icBase}.type = ..."`);
        continue;
      }
      const icType = resolveType(ic, icBase);
      const id = freeId(`${comp.name}-${name}`, usedIds);
      if (!idPattern.test(id)) {
        error(icEntry!.line, `${keyBase}.interceptors`, `interceptor node id "${id}" (source name + "-" + interceptor name) must be 1-63 letters, digits, "-" or "_"`);
        continue;
      }
      if (!icType) continue;
      usedIds.set(id, 'interceptor');
      nodes.push({ id, type: icType, config: build(icType, ic, icBase, () => false) });
      properties[id] = rawProps(ic);
      edge(last.id, last.type, id, icType);
      last = { id, type: icType };
    }
    for (const c of channels) {
      const ch = nodes.find((n) => n.id === c);
      if (ch) edge(last.id, last.type, c, ch.type);
    }
  }

  const topicIds = new Map<string, string>();
  for (const comp of declared.sink) {
    const keyBase = `${prefix}sinks.${comp.name}`;
    const type = resolveType(comp, keyBase);
    const chEntry = comp.props.get('channel');
    const chNames = chEntry ? splitNames(chEntry.value) : [];
    if (!chEntry || chNames.length === 0) error(chEntry?.line ?? comp.props.get('type')?.line ?? 0, `${keyBase}.channel`, `the sink "${comp.name}" drains no channel: add "${keyBase}.channel = c1"`);
    else if (chNames.length > 1) error(chEntry.line, `${keyBase}.channel`, `a sink drains exactly one channel, got "${chEntry.value.trim()}"`);
    else if (!channelNames.has(chNames[0])) error(chEntry.line, `${keyBase}.channel`, `"${chNames[0]}" is not a channel of agent "${agentName}" (its channels: ${[...channelNames].join(', ') || 'none'})`);
    if (!type) continue;

    let topic: PropertyEntry | undefined;
    if (type === 'sink.kafka') {
      renameLegacyKafkaProps(comp, keyBase, warn);
      topic = comp.props.get('kafka.topic');
      if (!topic) {
        topic = { key: `${keyBase}.kafka.topic`, value: 'default-flume-topic', line: comp.props.get('type')!.line };
        warn(topic.line, topic.key, 'not set; the sink writes to "default-flume-topic", as Flume\'s does');
      }
    }
    const spec = lookup(type);
    const keepServers = !!spec && 'kafka.bootstrap.servers' in spec.config.shape;
    const servers = comp.props.get('kafka.bootstrap.servers');
    if (type === 'sink.kafka' && servers && !keepServers) {
      warn(servers.line, servers.key, '`weir agent` connects there; a pipeline deployed on a Weir server writes to the server\'s Kafka (KAFKA_BROKERS) and does not keep it');
    }
    const skip = (p: string) => p === 'channel' || (type === 'sink.kafka' && (p === 'kafka.topic' || (p === 'kafka.bootstrap.servers' && !keepServers)));
    nodes.push({ id: comp.name, type, config: build(type, comp, keyBase, skip) });
    properties[comp.name] = rawProps(comp);
    const ch = chNames.length === 1 ? nodes.find((n) => n.id === chNames[0]) : undefined;
    if (ch) edge(ch.id, ch.type, comp.name, type);

    if (topic) {
      // The topic is a node of its own downstream of the sink, shared by sinks that name it.
      const name = topic.value.trim();
      let id = topicIds.get(name);
      if (!id) {
        id = freeId(topicNodeId(name), usedIds, '-topic');
        usedIds.set(id, 'topic');
        topicIds.set(name, id);
        const t = topic;
        nodes.push({ id, type: 'topic', config: buildConfig(lookup('topic'), 'topic', [['name', t]], keyBase, t.line, error, warn, () => t.key) });
      }
      edge(comp.name, type, id, 'topic', 'stream');
    }
  }

  if (errors.length) throw fail();

  const document: PipelineDocument = {
    id: documentId(agentName),
    name: `Flume agent ${agentName}`,
    version: 0,
    nodes,
    edges,
    layout: autoLayout(nodes.map((n) => n.id), edges),
  };
  return { document, warnings, properties };
}

/** `${NAME}` → env[NAME] in a value. */
function resolveVars(
  e: PropertyEntry,
  env: Record<string, string | undefined> | undefined,
  error: (line: number, key: string, message: string) => void,
  warn: (line: number, key: string, message: string) => void,
): PropertyEntry {
  if (!e.value.includes('${')) return e;
  if (!env) {
    warn(e.line, e.key, `keeps "${e.value}" as written: \${NAME} references are resolved from the environment by \`weir agent\``);
    return { ...e, unresolved: true };
  }
  let unresolved = false;
  const value = e.value.replace(/\$\{([A-Za-z_][A-Za-z0-9_.]*)\}/g, (m, name: string) => {
    const v = env[name];
    if (v === undefined) {
      error(e.line, e.key, `refers to \${${name}}, which is not set in the environment`);
      unresolved = true; // reported once: no second error about the value itself
      return m;
    }
    return v;
  });
  return { ...e, value, unresolved };
}

/** Flume 1.6's Kafka sink property names, still common in the wild. */
const legacyKafkaNames: [string, string][] = [
  ['topic', 'kafka.topic'],
  ['batchSize', 'flumeBatchSize'],
  ['brokerList', 'kafka.bootstrap.servers'],
  ['requiredAcks', 'kafka.producer.acks'],
];

function renameLegacyKafkaProps(comp: Component, keyBase: string, warn: (line: number, key: string, message: string) => void) {
  for (const [old, now] of legacyKafkaNames) {
    const e = comp.props.get(old);
    if (!e) continue;
    comp.props.delete(old);
    if (comp.props.has(now)) {
      warn(e.line, e.key, `legacy name of "${now}", which is also set; "${now}" wins`);
      continue;
    }
    warn(e.line, e.key, `legacy Flume 1.6 name: read as "${keyBase}.${now}"; rename it`);
    comp.props.set(now, { ...e, key: `${keyBase}.${now}` });
  }
}

/** Flume rejects multiplexing mappings to channels the source does not put into; so do we. */
function checkSelectorChannels(comp: Component, keyBase: string, channels: Set<string>, error: (line: number, key: string, message: string) => void) {
  for (const [p, e] of comp.props) {
    if (!p.startsWith('selector.mapping.') && p !== 'selector.default' && !p.startsWith('selector.optional.')) continue;
    for (const c of splitNames(e.value)) {
      if (!channels.has(c)) error(e.line, `${keyBase}.${p}`, `"${c}" is not among the source's channels (${[...channels].join(', ') || 'none'})`);
    }
  }
}

/** Alias values Flume accepts that the specs spell otherwise. */
const valueAliases: Record<string, Record<string, string>> = {
  'kafka.producer.acks': { '-1': 'all' },
};

/**
 * A component's properties → its node config, by the shapes of the spec's fields. Only keys
 * present in the file are set (defaults stay implicit). Reports bad values at their line.
 */
function buildConfig(
  spec: NodeSpec | undefined,
  type: string,
  props: [string, PropertyEntry][],
  keyBase: string,
  typeLine: number,
  error: (line: number, key: string, message: string) => void,
  warn: (line: number, key: string, message: string) => void,
  fieldKey: (field: string) => string = (f) => `${keyBase}.${f}`,
): Record<string, unknown> {
  const config: Record<string, unknown> = {};
  if (!spec) {
    if (props.length) warn(typeLine, `${keyBase}.type`, `node type "${type}" is not available in this Weir build yet; its settings are copied as text, unchecked`);
    for (const [p, e] of props) config[p] = e.value.trim();
    return config;
  }
  const shapes = fieldShapes(spec);
  const nested = [...shapes].filter(([, s]) => s.kind === 'record' || s.kind === 'objects').sort((a, b) => b[0].length - a[0].length);
  const lineOf = new Map<string, number>();
  const nameLists = new Map<string, { names: string[]; line: number }>();
  const entryNames = new Map<string, string[]>();
  const objects = new Map<string, Map<string, Record<string, unknown>>>();

  const unresolvedFields = new Set<string>();
  const coerce = (shape: FieldShape, e: PropertyEntry, aliasKey: string): { ok: true; value: unknown } | { ok: false } => {
    const aliased = valueAliases[aliasKey]?.[e.value.trim()] ?? e.value;
    const r =
      shape.kind === 'scalar' ? coerceScalar(aliased, shape)
      : shape.kind === 'list' ? coerceList(aliased, shape)
      : { value: aliased.trim() };
    if ('error' in r) {
      if (!e.unresolved) {
        error(e.line, e.key, r.error);
        return { ok: false };
      }
      return { ok: true, value: e.value.trim() }; // already warned about; the editor's validation shows it
    }
    return { ok: true, value: r.value };
  };

  for (const [p, e] of props) {
    const shape = shapes.get(p);
    if (e.unresolved) unresolvedFields.add(shape ? p : (nested.find(([f]) => p.startsWith(`${f}.`))?.[0] ?? p));
    if (shape) {
      lineOf.set(p, lineOf.get(p) ?? e.line);
      if (shape.kind === 'record' || shape.kind === 'objects') {
        if (shape.kind === 'objects' || isListedRecord(p)) nameLists.set(p, { names: unique(splitNames(e.value), () => {}), line: e.line });
        else warn(e.line, e.key, `expected "${p}.<name> = value"; ignored`);
        continue;
      }
      const r = coerce(shape, e, p);
      if (r.ok) config[p] = r.value;
      continue;
    }
    const hit = nested.find(([f]) => p.startsWith(`${f}.`));
    if (!hit) {
      warn(e.line, e.key, `not a setting of ${type}; ignored. Its settings: ${[...shapes.keys()].join(', ') || 'none'}`);
      continue;
    }
    const [field, fshape] = hit;
    const sub = p.slice(field.length + 1);
    lineOf.set(field, Math.min(lineOf.get(field) ?? e.line, e.line));
    if (fshape.kind === 'record') {
      const record = (config[field] ??= {}) as Record<string, unknown>;
      if (fshape.value.kind === 'record') {
        const dot = sub.indexOf('.');
        if (dot <= 0) {
          error(e.line, e.key, `expected ${keyBase}.${field}.<name>.<key> = value`);
          continue;
        }
        const outer = sub.slice(0, dot);
        const r = coerce(fshape.value.value, e, field);
        if (r.ok) ((record[outer] ??= {}) as Record<string, unknown>)[sub.slice(dot + 1)] = r.value;
        entryNames.set(field, [...new Set([...(entryNames.get(field) ?? []), outer])]);
      } else {
        const r = coerce(fshape.value, e, field);
        if (r.ok) record[sub] = r.value;
        entryNames.set(field, [...(entryNames.get(field) ?? []), sub]);
      }
    } else if (fshape.kind === 'objects') {
      const dot = sub.indexOf('.');
      if (dot <= 0) {
        error(e.line, e.key, `expected ${keyBase}.${field}.<name>.<property> = value`);
        continue;
      }
      const name = sub.slice(0, dot);
      const prop = sub.slice(dot + 1);
      const items = objects.get(field) ?? new Map<string, Record<string, unknown>>();
      objects.set(field, items);
      const item = items.get(name) ?? {};
      items.set(name, item);
      const pshape = fshape.props[prop];
      if (!pshape) {
        warn(e.line, e.key, `"${prop}" is not a property of ${field} entries in ${type}; ignored. Their properties: ${Object.keys(fshape.props).join(', ')}`);
        continue;
      }
      const r = coerce(pshape, e, prop);
      if (r.ok) item[prop] = r.value;
    }
  }

  // Listed records and object lists: Flume reads only the names listed, in list order.
  for (const [field, shape] of shapes) {
    if (shape.kind !== 'record' && shape.kind !== 'objects') continue;
    const listed = nameLists.get(field);
    const present = shape.kind === 'objects' ? [...(objects.get(field)?.keys() ?? [])] : (entryNames.get(field) ?? []);
    if (!listed) {
      if (present.length && (shape.kind === 'objects' || isListedRecord(field))) {
        warn(lineOf.get(field) ?? typeLine, fieldKey(field), `no "${field} = <names>" list; using every entry given (${present.join(', ')})`);
      }
      if (shape.kind === 'objects' && present.length) config[field] = present.map((n) => objects.get(field)!.get(n));
      continue;
    }
    for (const n of present) if (!listed.names.includes(n)) warn(listed.line, fieldKey(field), `"${field}.${n}" is not listed in "${field}"; ignored, as Flume does`);
    if (shape.kind === 'objects') {
      const items = objects.get(field) ?? new Map();
      config[field] = listed.names.map((n) => items.get(n) ?? {});
    } else {
      const record = (config[field] ?? {}) as Record<string, unknown>;
      for (const n of listed.names) if (!(n in record)) error(listed.line, fieldKey(field), `"${n}" is listed but "${field}.${n}" is not set`);
      config[field] = Object.fromEntries(listed.names.filter((n) => n in record).map((n) => [n, record[n]]));
    }
  }

  const checked = spec.config.safeParse(config);
  if (!checked.success) {
    for (const issue of checked.error.issues) {
      const field = String(issue.path[0] ?? '');
      const where = issue.path.slice(1).map(String).join('.');
      const missing = field !== '' && config[field] === undefined && issue.code === 'invalid_type';
      if (unresolvedFields.has(field)) continue;
      error(
        missing ? typeLine : (lineOf.get(field) ?? typeLine),
        field ? fieldKey(field) : `${keyBase}`,
        missing ? `required by ${type} but not set` : `${where ? `${where}: ` : ''}${issue.message}`,
      );
    }
  }
  return config;
}

const splitNames = (s: string) => s.split(/\s+/).filter(Boolean);

function unique(names: string[], onDuplicate: (name: string) => void): string[] {
  const out: string[] = [];
  for (const n of names) {
    if (out.includes(n)) onDuplicate(n);
    else out.push(n);
  }
  return out;
}

function freeId(wanted: string, used: Map<string, string>, suffix = '-'): string {
  if (!used.has(wanted)) return wanted;
  if (suffix !== '-' && !used.has(`${wanted}${suffix}`)) return `${wanted}${suffix}`;
  for (let i = 2; ; i++) if (!used.has(`${wanted}-${i}`)) return `${wanted}-${i}`;
}

/** A node id for a topic name: its letters and digits, other characters as "-". */
function topicNodeId(topic: string): string {
  const id = topic.replace(/[^a-zA-Z0-9_-]+/g, '-').replace(/^[-_]+|-+$/g, '').slice(0, 63);
  return id || 'topic';
}

function documentId(agentName: string): string {
  return `flume-${agentName}`.replace(/[^a-zA-Z0-9_-]+/g, '-').slice(0, 63);
}
