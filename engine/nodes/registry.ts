import type { NodeSpec } from '../spec/node-spec';
import { generatorSpec } from './source.generator/spec';
import { taildirSpec } from './source.taildir/spec';
import { timestampInterceptorSpec } from './interceptor.timestamp/spec';
import { hostInterceptorSpec } from './interceptor.host/spec';
import { staticInterceptorSpec } from './interceptor.static/spec';
import { regexFilterInterceptorSpec } from './interceptor.regex_filter/spec';
import { regexExtractorInterceptorSpec } from './interceptor.regex_extractor/spec';
import { botFilterInterceptorSpec } from './interceptor.bot_filter/spec';
import { eventIdInterceptorSpec } from './interceptor.event_id/spec';
import { execSourceSpec } from './source.exec/spec';
import { httpSourceSpec } from './source.http/spec';
import { spooldirSourceSpec } from './source.spooldir/spec';
import { memoryChannelSpec } from './channel.memory/spec';
import { fileChannelSpec } from './channel.file/spec';
import { kafkaSinkSpec } from './sink.kafka/spec';
import { loggerSinkSpec } from './sink.logger/spec';
import { topicSpec } from './topic/spec';
import { parseSpec } from './op.parse/spec';
import { moduleSpec } from './op.module/spec';
import { filterSpec } from './op.filter/spec';
import { geoipSpec } from './op.geoip/spec';
import { useragentSpec } from './op.useragent/spec';
import { windowSpec } from './op.window/spec';
import { uniquesSpec } from './op.uniques/spec';
import { redisViewSpec } from './view.redis/spec';
import { deadLetterSpec } from './deadletter/spec';

/** The one registry of node types (browser-safe: specs only, no runners). */
export const nodeSpecs: readonly NodeSpec[] = [
  generatorSpec,
  taildirSpec,
  execSourceSpec,
  httpSourceSpec,
  spooldirSourceSpec,
  timestampInterceptorSpec,
  hostInterceptorSpec,
  staticInterceptorSpec,
  regexFilterInterceptorSpec,
  regexExtractorInterceptorSpec,
  botFilterInterceptorSpec,
  eventIdInterceptorSpec,
  memoryChannelSpec,
  fileChannelSpec,
  kafkaSinkSpec,
  loggerSinkSpec,
  topicSpec,
  parseSpec,
  moduleSpec,
  filterSpec,
  geoipSpec,
  useragentSpec,
  windowSpec,
  uniquesSpec,
  redisViewSpec,
  deadLetterSpec,
];

const byType = new Map(nodeSpecs.map((s) => [s.type, s]));

export const lookupNodeSpec = (type: string): NodeSpec | undefined => byType.get(type);
