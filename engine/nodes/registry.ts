import type { NodeSpec } from '../spec/node-spec';
import { generatorSpec } from './source.generator/spec';
import { memoryChannelSpec } from './channel.memory/spec';
import { kafkaSinkSpec } from './sink.kafka/spec';
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
  memoryChannelSpec,
  kafkaSinkSpec,
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
