/** Filling and reading benchmark topics with plain kafkajs. */
import { Kafka, logLevel } from 'kafkajs';
import { performance } from 'node:perf_hooks';
import { progress } from './common';

export async function createTopic(brokers: string, topic: string, partitions: number): Promise<void> {
  const admin = new Kafka({ clientId: 'weir-bench-admin', brokers: [brokers], logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    await admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: partitions, replicationFactor: 1 }] });
  } finally {
    await admin.disconnect();
  }
}

/**
 * Writes the lines to the topic, line i to partition i % partitions: one producer per partition,
 * each sending its batches in order (so event time never goes backwards within a partition), all
 * partitions at once.
 */
export async function produceLines(brokers: string, topic: string, partitions: number, lines: Iterable<string>, total: number): Promise<void> {
  const kafka = new Kafka({ clientId: 'weir-bench-producer', brokers: [brokers], logLevel: logLevel.NOTHING });
  const producers = Array.from({ length: partitions }, () => kafka.producer({ allowAutoTopicCreation: false, maxInFlightRequests: 1 }));
  await Promise.all(producers.map((p) => p.connect()));
  const t0 = performance.now();
  // A produce request's batch must stay under the broker's 1 MB.
  const PER_REQUEST = 3_000;
  const pending: { partition: number; value: string }[][] = producers.map(() => []);
  const inFlight: Promise<unknown>[] = producers.map(() => Promise.resolve());
  let i = 0;
  let shown = 0;
  try {
    for (const value of lines) {
      const partition = i % partitions;
      pending[partition].push({ partition, value });
      i++;
      if (pending[partition].length >= PER_REQUEST) {
        const messages = pending[partition];
        pending[partition] = [];
        // At most one request in flight per partition: wait for the previous one, then send.
        await inFlight[partition];
        inFlight[partition] = producers[partition].send({ topic, acks: -1, messages });
        if (i - shown >= 200_000) progress(`produced ${(shown = i).toLocaleString('en')} / ${total.toLocaleString('en')} lines`);
      }
    }
    await Promise.all(inFlight);
    await Promise.all(pending.map((messages, p) => (messages.length ? producers[p].send({ topic, acks: -1, messages }) : undefined)));
  } finally {
    await Promise.all(producers.map((p) => p.disconnect()));
  }
  progress(`produced ${i.toLocaleString('en')} lines to ${topic} in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
}

/**
 * The baseline: a bare kafkajs consumer in its own group that only counts messages (eachBatch),
 * with the fetch settings of Weir's KafkaBus consumer. Returns seconds from start to the last message.
 */
export async function countingConsumer(brokers: string, topic: string, expected: number): Promise<number> {
  const kafka = new Kafka({ clientId: 'weir-bench-counter', brokers: [brokers], logLevel: logLevel.NOTHING, connectionTimeout: 3000, requestTimeout: 30_000 });
  const consumer = kafka.consumer({ groupId: `bench-counter-${Date.now()}`, allowAutoTopicCreation: false, maxWaitTimeInMs: 1000, heartbeatInterval: 1000, sessionTimeout: 30_000 });
  const t0 = performance.now();
  let count = 0;
  let done!: () => void;
  const finished = new Promise<void>((r) => (done = r));
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    eachBatch: async ({ batch }) => {
      count += batch.messages.length;
      if (count >= expected) done();
    },
  });
  await finished;
  const seconds = (performance.now() - t0) / 1000;
  await consumer.disconnect();
  if (count !== expected) throw new Error(`counting consumer saw ${count} messages, expected ${expected}`);
  return seconds;
}
