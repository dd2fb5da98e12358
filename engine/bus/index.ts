/**
 * Picks the transport from the environment: KAFKA_BROKERS (comma-separated host:port list) → real
 * Kafka; unset or empty → the in-process bus. A function, not a singleton: each caller owns its bus.
 */
import { EmbeddedBus } from './embedded';
import { KafkaBus } from './kafka';
import type { Bus } from './types';

export type { Bus, BusConsumer, BusProducer, ConsumeOptions, IncomingMessage, OutgoingMessage, PartitionBatch, ProducerOptions, TopicSpec, TransactionalProducer } from './types';
export { EmbeddedBus } from './embedded';
export { KafkaBus } from './kafka';

export function createBus(env: Record<string, string | undefined> = process.env): Bus {
  const brokers = (env.KAFKA_BROKERS ?? '')
    .split(',')
    .map((b) => b.trim())
    .filter(Boolean);
  if (brokers.length === 0) return new EmbeddedBus();
  return new KafkaBus({ brokers, clientId: env.WEIR_KAFKA_CLIENT_ID || 'weir' });
}
