import { WeirError } from '../spec/errors';
import type { TopicSpec } from './types';

// Kafka's own rule; checked up front so both buses refuse the same names with the same message.
const LEGAL = /^[a-zA-Z0-9._-]{1,249}$/;

export function checkTopicSpec(spec: TopicSpec): void {
  if (!LEGAL.test(spec.name) || spec.name === '.' || spec.name === '..') {
    throw new WeirError('invalid_topic', `Topic name "${spec.name}" is not valid: use 1-249 of the characters a-z A-Z 0-9 . _ -`, {
      details: { topic: spec.name },
    });
  }
  if (!Number.isInteger(spec.partitions) || spec.partitions < 1 || spec.partitions > 10_000) {
    throw new WeirError('invalid_topic', `Topic "${spec.name}" needs a whole number of partitions between 1 and 10000 (got ${spec.partitions}).`, {
      details: { topic: spec.name, partitions: spec.partitions },
    });
  }
  if (spec.retentionMs !== undefined && !(Number.isInteger(spec.retentionMs) && (spec.retentionMs > 0 || spec.retentionMs === -1))) {
    throw new WeirError('invalid_topic', `Topic "${spec.name}": retentionMs must be a positive whole number of milliseconds, or -1 for unlimited.`, {
      details: { topic: spec.name, retentionMs: spec.retentionMs },
    });
  }
}

export function topicNotFound(topic: string): WeirError {
  return new WeirError('topic_not_found', `Topic "${topic}" does not exist. Create it first (ensureTopic / deploy the pipeline); topics are never auto-created.`, {
    status: 404,
    details: { topic },
  });
}
