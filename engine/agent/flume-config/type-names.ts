import type { NodeCategory } from '../../spec/node-spec';

/**
 * Flume component type names ⇄ Weir node types: the one dictionary the conversion needs, since
 * agent nodes take Flume's property names as their config keys. The first Flume name of each row
 * is what export writes. Flume's short names are case-insensitive (it upper-cases them to look
 * up its enums); class names are compared as written.
 */
export type FlumeKind = 'source' | 'interceptor' | 'channel' | 'sink';

interface TypeRow {
  kind: FlumeKind;
  weir: string;
  flume: string[];
}

export const flumeTypeTable: readonly TypeRow[] = [
  { kind: 'source', weir: 'source.taildir', flume: ['TAILDIR', 'org.apache.flume.source.taildir.TaildirSource'] },
  { kind: 'source', weir: 'source.exec', flume: ['exec', 'org.apache.flume.source.ExecSource'] },
  { kind: 'source', weir: 'source.spooldir', flume: ['spooldir', 'org.apache.flume.source.SpoolDirectorySource'] },
  { kind: 'source', weir: 'source.http', flume: ['http', 'org.apache.flume.source.http.HTTPSource'] },
  { kind: 'source', weir: 'source.generator', flume: ['weir.generator'] },
  { kind: 'interceptor', weir: 'interceptor.timestamp', flume: ['timestamp', 'org.apache.flume.interceptor.TimestampInterceptor$Builder'] },
  { kind: 'interceptor', weir: 'interceptor.host', flume: ['host', 'org.apache.flume.interceptor.HostInterceptor$Builder'] },
  { kind: 'interceptor', weir: 'interceptor.static', flume: ['static', 'org.apache.flume.interceptor.StaticInterceptor$Builder'] },
  {
    kind: 'interceptor',
    weir: 'interceptor.regex_filter',
    flume: ['regex_filter', 'org.apache.flume.interceptor.RegexFilteringInterceptor$Builder'],
  },
  {
    kind: 'interceptor',
    weir: 'interceptor.regex_extractor',
    flume: ['regex_extractor', 'org.apache.flume.interceptor.RegexExtractorInterceptor$Builder'],
  },
  { kind: 'interceptor', weir: 'interceptor.bot_filter', flume: ['weir.bot_filter'] },
  { kind: 'interceptor', weir: 'interceptor.event_id', flume: ['weir.event_id'] },
  { kind: 'channel', weir: 'channel.memory', flume: ['memory', 'org.apache.flume.channel.MemoryChannel'] },
  { kind: 'channel', weir: 'channel.file', flume: ['file', 'org.apache.flume.channel.file.FileChannel'] },
  // Flume has no short name for its Kafka sink; `kafka` is accepted for convenience.
  { kind: 'sink', weir: 'sink.kafka', flume: ['org.apache.flume.sink.kafka.KafkaSink', 'kafka'] },
  { kind: 'sink', weir: 'sink.logger', flume: ['logger', 'org.apache.flume.sink.LoggerSink'] },
];

const isClassName = (name: string) => name.includes('.') && !name.startsWith('weir.');

/**
 * The Weir type for a Flume type name, or undefined. Beyond the table: `weir.<name>` names any
 * registered Weir type `<kind>.<name>` (so types added later convert without a new row), and a
 * Weir type id itself (`source.taildir`) is accepted as written.
 */
export function weirTypeFor(kind: FlumeKind, flumeType: string, isKnown: (weirType: string) => boolean): string | undefined {
  const name = flumeType.trim();
  for (const row of flumeTypeTable) {
    if (row.kind !== kind) continue;
    if (row.flume.some((f) => (isClassName(f) ? f === name : f.toLowerCase() === name.toLowerCase()))) return row.weir;
  }
  const lower = name.toLowerCase();
  if (lower.startsWith('weir.') && isKnown(`${kind}.${name.slice(5)}`)) return `${kind}.${name.slice(5)}`;
  if (lower.startsWith(`${kind}.`) && isKnown(name)) return name;
  return undefined;
}

/** The Flume type name export writes for a Weir type. */
export function flumeTypeFor(weirType: string): string {
  const row = flumeTypeTable.find((r) => r.weir === weirType);
  if (row) return row.flume[0];
  const dot = weirType.indexOf('.');
  return `weir.${dot >= 0 ? weirType.slice(dot + 1) : weirType}`;
}

/** Supported Flume type names of a kind, for error messages. */
export function supportedFlumeTypes(kind: FlumeKind, registered: readonly { type: string; category: NodeCategory }[] = []): string[] {
  const names = flumeTypeTable.filter((r) => r.kind === kind).map((r) => r.flume[0]);
  for (const spec of registered) {
    if (spec.category === kind && !flumeTypeTable.some((r) => r.weir === spec.type)) names.push(flumeTypeFor(spec.type));
  }
  return names;
}

/** The agent category of a Weir type from its spec, or from its id prefix when it is not registered. */
export function kindOfWeirType(weirType: string, category?: NodeCategory): FlumeKind | 'topic' | undefined {
  const c = category ?? (weirType === 'topic' ? 'topic' : weirType.slice(0, weirType.indexOf('.')));
  return c === 'source' || c === 'interceptor' || c === 'channel' || c === 'sink' || c === 'topic' ? c : undefined;
}
