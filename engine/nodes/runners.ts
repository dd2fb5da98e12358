import type { ChannelFactory, InterceptorFactory, SinkFactory, SourceFactory } from '../agent/types';
import type { Operator, ViewWriter } from '../processor/operator';
import type { ProcessorServices } from '../processor/services';
import type { NodeRef } from '../spec/plan';
import { createMemoryChannel } from './channel.memory/run';
import { createFileChannel } from './channel.file/run';
import { createGeoip } from './op.geoip/run';
import { createFilter } from './op.filter/run';
import { createModule } from './op.module/run';
import { createParse } from './op.parse/run';
import { createUseragent } from './op.useragent/run';
import { createUniques } from './op.uniques/run';
import { createWindow } from './op.window/run';
import { createKafkaSink } from './sink.kafka/run';
import { createLoggerSink } from './sink.logger/run';
import { createGenerator } from './source.generator/run';
import { createTaildir } from './source.taildir/run';
import { createTimestampInterceptor } from './interceptor.timestamp/run';
import { createHostInterceptor } from './interceptor.host/run';
import { createStaticInterceptor } from './interceptor.static/run';
import { createRegexFilterInterceptor } from './interceptor.regex_filter/run';
import { createRegexExtractorInterceptor } from './interceptor.regex_extractor/run';
import { createBotFilterInterceptor } from './interceptor.bot_filter/run';
import { createEventIdInterceptor } from './interceptor.event_id/run';
import { createExecSource } from './source.exec/run';
import { createHttpSource } from './source.http/run';
import { createSpooldirSource } from './source.spooldir/run';
import { createRedisView } from './view.redis/run';

/** Server-side counterpart of registry.ts: how each node type runs. */
export type NodeRunner =
  | { kind: 'operator'; create(node: NodeRef, services: ProcessorServices): Promise<Operator> | Operator }
  | { kind: 'view'; create(node: NodeRef, pipelineId: string): ViewWriter }
  | { kind: 'deadletter' }
  | { kind: 'topic' }
  | { kind: 'source'; create: SourceFactory }
  | { kind: 'interceptor'; create: InterceptorFactory }
  | { kind: 'channel'; create: ChannelFactory }
  | { kind: 'sink'; create: SinkFactory };

export const runners: Record<string, NodeRunner> = {
  'source.generator': { kind: 'source', create: createGenerator },
  'source.taildir': { kind: 'source', create: createTaildir },
  'source.exec': { kind: 'source', create: createExecSource },
  'source.http': { kind: 'source', create: createHttpSource },
  'source.spooldir': { kind: 'source', create: createSpooldirSource },
  'interceptor.timestamp': { kind: 'interceptor', create: createTimestampInterceptor },
  'interceptor.host': { kind: 'interceptor', create: createHostInterceptor },
  'interceptor.static': { kind: 'interceptor', create: createStaticInterceptor },
  'interceptor.regex_filter': { kind: 'interceptor', create: createRegexFilterInterceptor },
  'interceptor.regex_extractor': { kind: 'interceptor', create: createRegexExtractorInterceptor },
  'interceptor.bot_filter': { kind: 'interceptor', create: createBotFilterInterceptor },
  'interceptor.event_id': { kind: 'interceptor', create: createEventIdInterceptor },
  'channel.memory': { kind: 'channel', create: createMemoryChannel },
  'channel.file': { kind: 'channel', create: createFileChannel },
  'sink.kafka': { kind: 'sink', create: createKafkaSink },
  'sink.logger': { kind: 'sink', create: createLoggerSink },
  topic: { kind: 'topic' },
  'op.parse': { kind: 'operator', create: createParse },
  'op.module': { kind: 'operator', create: createModule },
  'op.filter': { kind: 'operator', create: createFilter },
  'op.geoip': {
    kind: 'operator',
    create: async (node, services) =>
      createGeoip(node, await services.geoip(String(node.config.database ?? ''), Number(node.config.cacheSize ?? 50_000), String(node.config.language ?? 'en'))),
  },
  'op.useragent': { kind: 'operator', create: (node, services) => createUseragent(node, services.userAgents(Number(node.config.cacheSize ?? 10_000))) },
  'op.window': { kind: 'operator', create: createWindow },
  'op.uniques': { kind: 'operator', create: (node, services) => createUniques(node, services.salts) },
  'view.redis': { kind: 'view', create: createRedisView },
  deadletter: { kind: 'deadletter' },
};

export function runnerFor(type: string): NodeRunner {
  const r = runners[type];
  if (!r) throw new Error(`No runner for node type "${type}" (registry and runners are out of step).`);
  return r;
}
