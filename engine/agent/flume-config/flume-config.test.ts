import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { compile } from '../../spec/compile';
import type { PipelineDocument } from '../../spec/document';
import { isWeirError } from '../../spec/errors';
import { siteAnalyticsTemplate } from '../../spec/templates';
import { nodeSpecs } from '../../nodes/registry';
import { exportFlumeProperties, flumeAgentNames, mergeGraphs, parseFlumeProperties, parseProperties, toFlumeProperties, weirTypeFor } from './index';
import type { FlumeConfigProblem } from './parse';

const specs = nodeSpecs;
const lookup = (t: string) => specs.find((s) => s.type === t);
const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');
const env = { LOG_DIR: '/var/log/nginx', FLUME_DATA_DIR: '/var/lib/flume', KAFKA_BROKERS: 'kafka1:9092,kafka2:9092', KAFKA_TOPIC: 'access-log' };
const parse = (text: string, agent = 'a1', e: Record<string, string> | undefined = env) => parseFlumeProperties(text, agent, { specs, env: e });
const node = (doc: PipelineDocument, id: string) => doc.nodes.find((n) => n.id === id);
const edgeList = (doc: PipelineDocument) => doc.edges.map((e) => `${e.from.node}.${e.from.port}->${e.to.node}.${e.to.port}`);
const withoutLayout = (doc: PipelineDocument) => ({ ...doc, layout: {} });

/** The problems a parse throws with (fails the test when it does not throw). */
function problems(text: string, agent = 'a1', e: Record<string, string> | undefined = env): FlumeConfigProblem[] {
  try {
    parse(text, agent, e);
  } catch (err) {
    expect(isWeirError(err)).toBe(true);
    if (!isWeirError(err)) throw err;
    expect(err.code).toBe('flume_config_invalid');
    expect(err.status).toBe(400);
    return (err.details as { errors: FlumeConfigProblem[] }).errors;
  }
  throw new Error('expected the parse to fail');
}

const minimal = (extra = '') => `
a1.sources = r1
a1.channels = c1
a1.sinks = k1
a1.sources.r1.type = weir.generator
a1.sources.r1.channels = c1
a1.channels.c1.type = memory
a1.sinks.k1.type = org.apache.flume.sink.kafka.KafkaSink
a1.sinks.k1.channel = c1
a1.sinks.k1.kafka.topic = t1
${extra}`;

describe('.properties syntax', () => {
  it('reads comments, separators, continuations and escapes as java.util.Properties does', () => {
    const { entries, problems: bad } = parseProperties(
      [
        '# comment',
        '   ! another comment',
        '',
        'a = 1',
        'b:2',
        'c   3',
        'd=',
        'e = one \\',
        '    two \\',
        '  three',
        'f\\ g = x\\ty\\u00e9\\\\',
        'h = ends with backslash \\\\',
        'i = #not a comment',
        '  j = leading space in key line',
      ].join('\r\n'),
    );
    expect(bad).toEqual([]);
    expect(Object.fromEntries(entries.map((e) => [e.key, e.value]))).toEqual({
      a: '1',
      b: '2',
      c: '3',
      d: '',
      e: 'one two three',
      'f g': 'x\tyé\\',
      h: 'ends with backslash \\',
      i: '#not a comment',
      j: 'leading space in key line',
    });
    expect(entries.find((e) => e.key === 'e')!.line).toBe(8);
    expect(entries.find((e) => e.key === 'i')!.line).toBe(13);
  });

  it('reports a malformed \\u escape with its line', () => {
    expect(parseProperties('a = 1\nb = \\u12').problems).toEqual([{ line: 2, key: 'b', message: expect.stringContaining('\\u') }]);
  });
});

describe('Flume type names', () => {
  const known = (t: string) => !!lookup(t);
  it('maps short names case-insensitively and class names exactly', () => {
    expect(weirTypeFor('source', 'TAILDIR', known)).toBe('source.taildir');
    expect(weirTypeFor('source', 'taildir', known)).toBe('source.taildir');
    expect(weirTypeFor('source', 'org.apache.flume.source.http.HTTPSource', known)).toBe('source.http');
    expect(weirTypeFor('interceptor', 'org.apache.flume.interceptor.TimestampInterceptor$Builder', known)).toBe('interceptor.timestamp');
    expect(weirTypeFor('sink', 'org.apache.flume.sink.kafka.KafkaSink', known)).toBe('sink.kafka');
    expect(weirTypeFor('sink', 'org.apache.flume.sink.kafka.kafkasink', known)).toBeUndefined();
    expect(weirTypeFor('channel', 'FILE', known)).toBe('channel.file');
  });
  it('accepts weir.<name> and Weir type ids for registered types', () => {
    expect(weirTypeFor('source', 'weir.generator', known)).toBe('source.generator');
    expect(weirTypeFor('source', 'source.generator', known)).toBe('source.generator');
    expect(weirTypeFor('source', 'weir.nope', known)).toBeUndefined();
    expect(weirTypeFor('sink', 'hdfs', known)).toBeUndefined();
  });
});

describe('parseFlumeProperties: the taildir → memory → Kafka fixture', () => {
  const text = fixture('taildir-memory-kafka.properties');
  const result = parse(text);
  const doc = result.document;

  it('makes one node per component, plus the topic the Kafka sink writes to', () => {
    expect(doc.nodes.map((n) => [n.id, n.type])).toEqual([
      ['c1', 'channel.memory'],
      ['r1', 'source.taildir'],
      ['k1', 'sink.kafka'],
      ['access-log', 'topic'],
    ]);
    expect(edgeList(doc)).toEqual(['r1.out->c1.in', 'c1.out->k1.in', 'k1.out->access-log.in']);
    expect(node(doc, 'access-log')!.config).toEqual({ name: 'access-log' });
  });

  it('converts values to the types of the node specs, with ${NAME} resolved', () => {
    expect(node(doc, 'r1')!.config).toEqual({
      positionFile: '/var/lib/flume/taildir_position.json',
      filegroups: { f1: '/var/log/nginx/access.log' },
      headers: { f1: { logtype: 'access' } },
      fileHeader: true,
      batchSize: 500,
    });
    expect(node(doc, 'c1')!.config).toEqual({ capacity: 10000, transactionCapacity: 1000 });
    expect(node(doc, 'k1')!.config).toMatchObject({ flumeBatchSize: 500, 'kafka.producer.acks': 'all' });
    expect(node(doc, 'k1')!.config).not.toHaveProperty('kafka.topic'); // it is the topic node's name
  });

  it('keeps each component\'s properties, where weir agent finds the brokers', () => {
    expect(result.properties.k1['kafka.bootstrap.servers']).toBe('kafka1:9092,kafka2:9092');
  });

  it('lays the agent out left to right', () => {
    const x = (id: string) => doc.layout[id].x;
    expect(x('r1')).toBeLessThan(x('c1'));
    expect(x('c1')).toBeLessThan(x('k1'));
    expect(x('k1')).toBeLessThan(x('access-log'));
  });

  it('compiles to an agent plan', () => {
    const plan = compile(doc, lookup);
    expect(plan.topics.map((t) => t.name)).toEqual(['access-log']);
    expect(plan.agents).toHaveLength(1);
    expect(plan.agents[0].sinks.map((s) => s.topic)).toEqual(['access-log']);
  });

  it('round-trips: parse → export → parse gives the same document but for layout', () => {
    const again = parse(toFlumeProperties(doc, 'a1', { specs }));
    expect(withoutLayout(again.document)).toEqual(withoutLayout(doc));
  });
});

describe('parseFlumeProperties: conversions', () => {
  it('builds the interceptor chain between the source and its channels, ids <source>-<name>', () => {
    const { document: doc } = parse(`
a1.sources = r1
a1.channels = c1 c2
a1.sinks = k1 k2
a1.sources.r1.type = exec
a1.sources.r1.command = tail -F /var/log/app.log
a1.sources.r1.channels = c1 c2
a1.sources.r1.interceptors = ts h st re
a1.sources.r1.interceptors.ts.type = org.apache.flume.interceptor.TimestampInterceptor$Builder
a1.sources.r1.interceptors.h.type = host
a1.sources.r1.interceptors.h.useIP = false
a1.sources.r1.interceptors.h.hostHeader = hostname
a1.sources.r1.interceptors.st.type = static
a1.sources.r1.interceptors.st.key = datacenter
a1.sources.r1.interceptors.st.value = NEW_YORK
a1.sources.r1.interceptors.re.type = regex_extractor
a1.sources.r1.interceptors.re.regex = ^(\\\\d+) (\\\\w+)
a1.sources.r1.interceptors.re.serializers = s1 s2
a1.sources.r1.interceptors.re.serializers.s1.name = code
a1.sources.r1.interceptors.re.serializers.s2.name = word
a1.channels.c1.type = memory
a1.channels.c2.type = file
a1.channels.c2.checkpointDir = /var/lib/flume/checkpoint
a1.channels.c2.dataDirs = /data/1,/data/2
a1.sinks.k1.type = logger
a1.sinks.k1.channel = c1
a1.sinks.k2.type = logger
a1.sinks.k2.channel = c2
`);
    expect(doc.nodes.map((n) => n.id)).toEqual(['c1', 'c2', 'r1', 'r1-ts', 'r1-h', 'r1-st', 'r1-re', 'k1', 'k2']);
    expect(edgeList(doc)).toEqual([
      'r1.out->r1-ts.in',
      'r1-ts.out->r1-h.in',
      'r1-h.out->r1-st.in',
      'r1-st.out->r1-re.in',
      'r1-re.out->c1.in',
      'r1-re.out->c2.in',
      'c1.out->k1.in',
      'c2.out->k2.in',
    ]);
    expect(node(doc, 'r1-h')!.config).toEqual({ useIP: false, hostHeader: 'hostname' });
    expect(node(doc, 'r1-re')!.config).toEqual({ regex: '^(\\d+) (\\w+)', serializers: [{ name: 'code' }, { name: 'word' }] });
    expect(node(doc, 'c2')!.config).toEqual({ checkpointDir: '/var/lib/flume/checkpoint', dataDirs: '/data/1,/data/2' });
    const exported = toFlumeProperties(doc, 'a1', { specs });
    expect(exported).toContain('a1.channels.c2.dataDirs = /data/1,/data/2');
    expect(exported).toContain('a1.sources.r1.interceptors = ts h st re');
    expect(withoutLayout(parse(exported).document)).toEqual(withoutLayout(doc));
  });

  it('reads a multiplexing channel selector', () => {
    const { document: doc } = parse(`
a1.sources = r1
a1.channels = c1 c2
a1.sinks = k1 k2
a1.sources.r1.type = TAILDIR
a1.sources.r1.filegroups = f1
a1.sources.r1.filegroups.f1 = /var/log/a.log
a1.sources.r1.channels = c1 c2
a1.sources.r1.selector.type = multiplexing
a1.sources.r1.selector.header = country
a1.sources.r1.selector.mapping.CN = c1
a1.sources.r1.selector.mapping.US = c1 c2
a1.sources.r1.selector.default = c2
a1.channels.c1.type = memory
a1.channels.c2.type = memory
a1.sinks.k1.type = logger
a1.sinks.k1.channel = c1
a1.sinks.k2.type = logger
a1.sinks.k2.channel = c2
`);
    expect(node(doc, 'r1')!.config).toMatchObject({
      'selector.type': 'multiplexing',
      'selector.header': 'country',
      'selector.mapping': { CN: ['c1'], US: ['c1', 'c2'] },
      'selector.default': ['c2'],
    });
    expect(withoutLayout(parse(toFlumeProperties(doc, 'a1', { specs })).document)).toEqual(withoutLayout(doc));
  });

  it('reads only the file groups listed, in list order, as Flume does', () => {
    const r = parse(`
a1.sources = r1
a1.channels = c1
a1.sinks = k1
a1.sources.r1.type = taildir
a1.sources.r1.channels = c1
a1.sources.r1.filegroups = f2 f1
a1.sources.r1.filegroups.f1 = /var/log/a.log
a1.sources.r1.filegroups.f2 = /var/log/b.log
a1.sources.r1.filegroups.f3 = /var/log/c.log
a1.channels.c1.type = memory
a1.sinks.k1.type = logger
a1.sinks.k1.channel = c1
`);
    expect(node(r.document, 'r1')!.config.filegroups).toEqual({ f2: '/var/log/b.log', f1: '/var/log/a.log' });
    expect(Object.keys(node(r.document, 'r1')!.config.filegroups as object)).toEqual(['f2', 'f1']);
    expect(r.warnings.join('\n')).toMatch(/filegroups\.f3.*not listed/);
  });

  it('maps Flume 1.6 Kafka sink names to the current ones, with a warning each', () => {
    const r = parse(`
a1.sources = r1
a1.channels = c1
a1.sinks = k1
a1.sources.r1.type = weir.generator
a1.sources.r1.channels = c1
a1.channels.c1.type = memory
a1.sinks.k1.type = org.apache.flume.sink.kafka.KafkaSink
a1.sinks.k1.channel = c1
a1.sinks.k1.topic = legacy-topic
a1.sinks.k1.brokerList = old:9092
a1.sinks.k1.batchSize = 200
a1.sinks.k1.requiredAcks = -1
`);
    expect(node(r.document, 'k1')!.config).toMatchObject({ flumeBatchSize: 200, 'kafka.producer.acks': 'all' });
    expect(node(r.document, 'legacy-topic')).toMatchObject({ type: 'topic', config: { name: 'legacy-topic' } });
    expect(r.properties.k1['kafka.bootstrap.servers']).toBe('old:9092');
    const legacy = r.warnings.filter((w) => w.includes('legacy Flume 1.6 name'));
    expect(legacy).toHaveLength(4);
    expect(legacy[0]).toMatch(/^line 10: a1\.sinks\.k1\.topic: .*kafka\.topic/);
  });

  it('warns (and goes on) about properties, components and features Flume or Weir ignore', () => {
    const r = parse(minimal(`
a1.sources.r1.noSuchSetting = 1
a1.sinks.k1.kafka.producer.max.request.size = 1048576
a1.sinks.k9.type = logger
a1.sinkgroups = g1
a1.sinkgroups.g1.sinks = k1
a1.channels.c1.capacity = 100
a1.channels.c1.capacity = 200
a2.sources = x
`));
    const w = r.warnings.join('\n');
    expect(w).toMatch(/a1\.sources\.r1\.noSuchSetting: not a setting of source\.generator; ignored/);
    expect(w).toMatch(/kafka\.producer\.max\.request\.size: not a setting of sink\.kafka/);
    expect(w).toMatch(/a1\.sinks\.k9: not listed in "a1\.sinks"; ignored/);
    expect(w).toMatch(/sink groups .* not supported/);
    expect(w).toMatch(/a1\.channels\.c1\.capacity: set again \(first on line \d+\); the last value wins/);
    expect(w).not.toMatch(/a2\./);
    expect(node(r.document, 'c1')!.config).toEqual({ capacity: 200 });
    expect(node(r.document, 'k9')).toBeUndefined();
  });

  it('keeps ${NAME} as written when no environment is given (the editor), with warnings instead of errors', () => {
    const r = parseFlumeProperties(fixture('taildir-memory-kafka.properties'), 'a1', { specs });
    expect(r.warnings.filter((w) => w.includes('references are resolved from the environment'))).toHaveLength(4);
    expect(node(r.document, 'r1')!.config.filegroups).toEqual({ f1: '${LOG_DIR}/access.log' });
    expect(r.document.nodes.find((n) => n.type === 'topic')).toMatchObject({ id: 'KAFKA_TOPIC', config: { name: '${KAFKA_TOPIC}' } });
    const numeric = parseFlumeProperties(minimal('a1.channels.c1.capacity = ${CAP}'), 'a1', { specs });
    expect(node(numeric.document, 'c1')!.config).toEqual({ capacity: '${CAP}' });
  });

  it('defaults the Kafka topic as Flume does, and gives each topic one node', () => {
    const r = parse(`
a1.sources = r1
a1.channels = c1
a1.sinks = k1 k2 k3
a1.sources.r1.type = weir.generator
a1.sources.r1.channels = c1
a1.channels.c1.type = memory
a1.sinks.k1.type = org.apache.flume.sink.kafka.KafkaSink
a1.sinks.k1.channel = c1
a1.sinks.k2.type = org.apache.flume.sink.kafka.KafkaSink
a1.sinks.k2.channel = c1
a1.sinks.k3.type = org.apache.flume.sink.kafka.KafkaSink
a1.sinks.k3.channel = c1
a1.sinks.k3.kafka.topic = default-flume-topic
`);
    expect(r.document.nodes.filter((n) => n.type === 'topic').map((n) => [n.id, n.config.name])).toEqual([['default-flume-topic', 'default-flume-topic']]);
    expect(edgeList(r.document).filter((e) => e.includes('->default-flume-topic'))).toHaveLength(3);
    expect(r.warnings.filter((w) => w.includes('default-flume-topic'))).toHaveLength(2);
  });

  it('finds the agents a file configures', () => {
    expect(flumeAgentNames('a1.sources = r1\nagent2.channels = c\n# x.sinks = y\nfoo.bar = 1')).toEqual(['a1', 'agent2']);
  });
});

describe('parseFlumeProperties: errors', () => {
  it('names the line, the key and the supported types for an unknown type, and lists every problem at once', () => {
    const errs = problems(`
a1.sources = r1 r2
a1.channels = c1
a1.sinks = k1
a1.sources.r1.type = avro
a1.sources.r1.channels = c1
a1.sources.r2.type = TAILDIR
a1.sources.r2.channels = c9
a1.sources.r2.filegroups = f1
a1.sources.r2.filegroups.f1 = /var/log/a.log
a1.sources.r2.batchSize = lots
a1.channels.c1.type = memory
a1.sinks.k1.type = hdfs
a1.sinks.k1.channel = c1
`);
    expect(errs).toEqual([
      { line: 5, key: 'a1.sources.r1.type', message: expect.stringMatching(/unknown source type "avro". Supported source types: TAILDIR, exec, spooldir, http, weir\.generator/) },
      { line: 8, key: 'a1.sources.r2.channels', message: expect.stringContaining('"c9" is not a channel of agent "a1"') },
      { line: 11, key: 'a1.sources.r2.batchSize', message: 'expects a number, got "lots"' },
      { line: 13, key: 'a1.sinks.k1.type', message: expect.stringMatching(/unknown sink type "hdfs". Supported sink types: org\.apache\.flume\.sink\.kafka\.KafkaSink, logger/) },
    ]);
  });

  it('says which agents the file has when the name is wrong', () => {
    expect(problems(minimal(), 'agent')).toEqual([
      { line: 0, key: 'agent', message: expect.stringContaining('this file configures "a1"') },
    ]);
  });

  it('refuses missing wiring: no type, no channel, a sink on two channels, an unlisted interceptor', () => {
    const errs = problems(`
a1.sources = r1
a1.channels = c1 c2
a1.sinks = k1 k2
a1.sources.r1.type = weir.generator
a1.sources.r1.interceptors = i1
a1.channels.c1.type = memory
a1.channels.c2.capacity = 5
a1.sinks.k1.type = logger
a1.sinks.k1.channel = c1 c2
a1.sinks.k2.type = logger
`);
    const text = errs.map((e) => `${e.line} ${e.key}: ${e.message}`).join('\n');
    expect(text).toMatch(/a1\.sources\.r1\.channels: the source "r1" puts into no channel/);
    expect(text).toMatch(/a1\.sources\.r1\.interceptors: interceptor "i1" is listed but has no properties/);
    expect(text).toMatch(/8 a1\.channels\.c2\.type: the channel "c2" has no type/);
    expect(text).toMatch(/10 a1\.sinks\.k1\.channel: a sink drains exactly one channel/);
    expect(text).toMatch(/a1\.sinks\.k2\.channel: the sink "k2" drains no channel/);
  });

  it('refuses values the spec does not accept, and unset ${NAME}s', () => {
    const errs = problems(minimal(`
a1.channels.c1.capacity = -5
a1.sinks.k1.kafka.producer.acks = sometimes
a1.sources.r1.rate = \${RATE}
`), 'a1', {});
    const keys = errs.map((e) => e.key);
    expect(keys).toContain('a1.channels.c1.capacity');
    expect(keys).toContain('a1.sinks.k1.kafka.producer.acks');
    expect(errs.find((e) => e.key === 'a1.sources.r1.rate')!.message).toMatch(/\$\{RATE\}, which is not set/);
  });

  it('refuses a multiplexing mapping to a channel the source does not put into', () => {
    const errs = problems(minimal(`
a1.sources.r1.selector.type = multiplexing
a1.sources.r1.selector.mapping.CN = c2
`));
    expect(errs).toEqual([{ line: expect.any(Number), key: 'a1.sources.r1.selector.mapping.CN', message: expect.stringContaining('"c2" is not among the source\'s channels') }]);
  });

  it('refuses one name for two components (names become node ids)', () => {
    const errs = problems(minimal().replace('a1.sinks = k1', 'a1.sinks = k1 c1'));
    expect(errs.some((e) => e.message.includes('"c1" names both a channel and a sink'))).toBe(true);
  });
});

describe('toFlumeProperties', () => {
  it('exports the agent part of the site analytics template and leaves the processor out', () => {
    const tpl = siteAnalyticsTemplate();
    const doc = { id: 'site', version: 1, ...tpl, layout: tpl.layout ?? {} } as PipelineDocument;
    const { text, warnings } = exportFlumeProperties(doc, 'web', { specs });
    expect(warnings).toEqual([]);
    expect(text).toContain('web.sources = generator');
    expect(text).toContain('web.sources.generator.type = weir.generator');
    expect(text).toContain('web.sinks.kafka.type = org.apache.flume.sink.kafka.KafkaSink');
    expect(text).toContain('web.sinks.kafka.kafka.topic = weir.site-analytics.access-log');
    expect(text).toMatch(/# Not part of the agent .*parse \(op\.parse\)/);
    const back = parseFlumeProperties(text, 'web', { specs }).document;
    expect(back.nodes.map((n) => n.type)).toEqual(['channel.memory', 'source.generator', 'sink.kafka', 'topic']);
    expect(node(back, 'generator')!.config).toEqual(node(doc, 'generator')!.config);
  });

  it('escapes what .properties would otherwise misread', () => {
    const doc: PipelineDocument = {
      id: 'x', name: 'x', version: 0, layout: {},
      nodes: [
        { id: 'r1', type: 'source.exec', config: { command: ' tail -F "/var/log/a b.log" # not a comment\\' } },
        { id: 'c1', type: 'channel.memory', config: {} },
        { id: 'k1', type: 'sink.logger', config: {} },
      ],
      edges: [
        { from: { node: 'r1', port: 'out' }, to: { node: 'c1', port: 'in' } },
        { from: { node: 'c1', port: 'out' }, to: { node: 'k1', port: 'in' } },
      ],
    };
    const back = parseFlumeProperties(toFlumeProperties(doc, 'a1', { specs }), 'a1', { specs }).document;
    // Values are trimmed on import, so the leading space does not come back.
    expect(node(back, 'r1')!.config.command).toBe('tail -F "/var/log/a b.log" # not a comment\\');
  });
});

describe('mergeGraphs', () => {
  it('renames imported ids that are taken, with edges and selector channel ids following', () => {
    const base = { nodes: [{ id: 'c1', type: 'channel.memory', config: {} }], edges: [], layout: { c1: { x: 0, y: 100 } } };
    const imported = {
      nodes: [
        { id: 'r1', type: 'source.taildir', config: { 'selector.mapping': { CN: ['c1'] }, 'selector.default': ['c1'] } },
        { id: 'c1', type: 'channel.memory', config: {} },
      ],
      edges: [{ from: { node: 'r1', port: 'out' }, to: { node: 'c1', port: 'in' } }],
      layout: { r1: { x: 0, y: 0 }, c1: { x: 260, y: 0 } },
    };
    const m = mergeGraphs(base, imported);
    expect(m.renamed).toEqual({ c1: 'c1-2' });
    expect(m.nodes.map((n) => n.id)).toEqual(['c1', 'r1', 'c1-2']);
    expect(m.edges).toEqual([{ from: { node: 'r1', port: 'out' }, to: { node: 'c1-2', port: 'in' } }]);
    expect(m.nodes[1].config).toEqual({ 'selector.mapping': { CN: ['c1-2'] }, 'selector.default': ['c1-2'] });
    expect(m.layout['c1-2'].y).toBeGreaterThan(100);
  });

  it('connects an imported Kafka sink to the topic node the canvas already has', () => {
    const base = { nodes: [{ id: 'visits', type: 'topic', config: { name: 'access-log' } }], edges: [], layout: {} };
    const { document } = parse(fixture('taildir-memory-kafka.properties'));
    const m = mergeGraphs(base, document);
    expect(m.nodes.filter((n) => n.type === 'topic').map((n) => n.id)).toEqual(['visits']);
    expect(m.edges).toContainEqual({ from: { node: 'k1', port: 'out' }, to: { node: 'visits', port: 'in' } });
  });
});

it('stays browser-safe: no Node or server-side imports (the editor bundles it)', () => {
  const dir = new URL('./', import.meta.url);
  for (const file of ['index.ts', 'parse.ts', 'export.ts', 'merge.ts', 'layout.ts', 'properties.ts', 'type-names.ts', 'field-shapes.ts']) {
    const imports = [...readFileSync(new URL(file, dir), 'utf8').matchAll(/^import[^;]*?from '([^']+)'/gms)].map((m) => m[1]);
    for (const spec of imports) expect(spec, `${file} imports ${spec}`).toMatch(/^(zod|\.\/[\w-]+|\.\.\/\.\.\/spec\/[\w-]+|\.\.\/\.\.\/nodes\/registry)$/);
  }
});
