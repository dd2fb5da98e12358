import { z } from 'zod';
import { defineNode } from '../../spec/node-spec';

export const topicSpec = defineNode({
  type: 'topic',
  category: 'topic',
  title: { en: 'Kafka topic', zh: 'Kafka 主题' },
  description: {
    en: 'A partitioned, replayable log between the collection agents and the stream processor.',
    zh: '采集代理与流处理器之间的分区、可重放日志。',
  },
  inputs: [{ name: 'in', kind: 'stream', multiple: true }],
  outputs: [{ name: 'out', kind: 'stream' }],
  config: z.object({
    name: z
      .string()
      .regex(/^[a-zA-Z0-9._-]{1,200}$/, 'topic names use letters, digits, ".", "_" or "-"')
      .describe('Kafka topic name.'),
    partitions: z.number().int().min(1).max(1_000).default(3).describe('Partitions: the unit of parallelism.'),
    retentionHours: z.number().min(1).max(100_000).default(168).describe('How long raw records are kept (replay).'),
  }),
  fieldHelpZh: {
    name: 'Kafka 主题名。',
    partitions: '分区数：并行的单位。',
    retentionHours: '原始记录的保留时长（用于重放）。',
  },
});
