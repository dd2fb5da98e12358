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
  if (spec.compacted !== undefined && typeof spec.compacted !== 'boolean') {
    throw new WeirError('invalid_topic', `Topic "${spec.name}": compacted must be true or false.`, { details: { topic: spec.name } });
  }
}

/**
 * Kafka's default `message.max.bytes` (1 MiB + 12). The embedded bus refuses a single message
 * over it, as the broker would, so an over-long record fails the same way on both buses.
 */
export const MAX_MESSAGE_BYTES = 1_048_588;

export function messageTooLarge(topic: string, bytes?: number): WeirError {
  return new WeirError(
    'message_too_large',
    `A message ${bytes === undefined ? '' : `of ${bytes} bytes `}for topic "${topic}" is over the broker's limit (message.max.bytes, ${MAX_MESSAGE_BYTES} by default): shorten the record, or raise the limit on the broker and the topic (max.message.bytes).`,
    { status: 413, details: { topic, bytes, limit: MAX_MESSAGE_BYTES } },
  );
}

export function producerFenced(transactionalId: string, cause?: unknown): WeirError {
  return new WeirError(
    'producer_fenced',
    `Another producer with the transactional id "${transactionalId}" started (a second agent instance with the same id, or a restart of this one), so this one was fenced off; its transaction was aborted. Stop the duplicate agent, or create a new producer to take over.`,
    { status: 409, retriable: false, cause, details: { transactionalId } },
  );
}

export function topicNotFound(topic: string): WeirError {
  return new WeirError('topic_not_found', `Topic "${topic}" does not exist. Create it first (ensureTopic / deploy the pipeline); topics are never auto-created.`, {
    status: 404,
    details: { topic },
  });
}
