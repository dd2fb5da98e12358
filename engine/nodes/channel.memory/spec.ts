import { z } from 'zod';
import { defineNode } from '../../spec/node-spec';

export const memoryChannelSpec = defineNode({
  type: 'channel.memory',
  category: 'channel',
  title: { en: 'Memory channel', zh: '内存通道' },
  description: {
    en: 'A bounded in-memory queue between sources and sinks (Flume MemoryChannel). When it is full, sources wait: back-pressure, no loss.',
    zh: '源与汇之间的有界内存队列（Flume MemoryChannel）。满时源等待：背压，不丢数据。',
  },
  inputs: [{ name: 'in', kind: 'event', required: true, multiple: true }],
  outputs: [{ name: 'out', kind: 'event' }],
  config: z.object({
    capacity: z.number().int().min(1).max(10_000_000).default(10_000).describe('Maximum events held.'),
    transactionCapacity: z
      .number()
      .int()
      .min(1)
      .max(1_000_000)
      .default(1_000)
      .describe('Maximum events a source puts or a sink takes in one transaction.'),
  }),
  fieldHelpZh: {
    capacity: '最多容纳的事件数。',
    transactionCapacity: '源在一个事务中写入、或汇在一个事务中取出的最大事件数。',
  },
});
