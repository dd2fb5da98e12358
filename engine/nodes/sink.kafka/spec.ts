import { z } from 'zod';
import { defineNode } from '../../spec/node-spec';

export const kafkaSinkSpec = defineNode({
  type: 'sink.kafka',
  category: 'sink',
  title: { en: 'Kafka sink', zh: 'Kafka 汇' },
  description: {
    en: 'Takes events from the channel in batches and writes them to the connected topic (Flume KafkaSink).',
    zh: '从通道批量取出事件并写入所连接的主题（Flume KafkaSink）。',
  },
  inputs: [{ name: 'in', kind: 'event', required: true }],
  outputs: [{ name: 'out', kind: 'stream' }],
  config: z.object({
    'kafka.topic': z
      .string()
      .default('')
      .describe('Topic name; empty = the name of the connected topic node.'),
    flumeBatchSize: z.number().int().min(1).max(100_000).default(500).describe('Events per Kafka batch.'),
    'kafka.producer.acks': z.enum(['all', '1', '0']).default('all').describe('Broker acknowledgements required.'),
  }),
});
