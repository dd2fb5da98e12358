import { z } from 'zod';
import { defineNode } from '../../spec/node-spec';

export const loggerSinkSpec = defineNode({
  type: 'sink.logger',
  category: 'sink',
  title: { en: 'Logger sink', zh: '日志汇' },
  description: {
    en: 'Writes the events it takes from the channel to the agent log, headers and the start of the body (Flume LoggerSink), for checking what a source and its interceptors produce. Past maxEventsPerSecond it keeps draining but logs only a count.',
    zh: '把从通道取出的事件（事件头和正文开头）写入代理日志（Flume LoggerSink），用于检查源和拦截器的输出。超过 maxEventsPerSecond 后照常取出事件，只记录数量。',
  },
  inputs: [{ name: 'in', kind: 'event', required: true }],
  outputs: [],
  config: z.object({
    maxBytesToLog: z.number().int().min(0).max(1_000_000).default(16).describe('Bytes of each event body written to the log (Flume default 16).'),
    maxEventsPerSecond: z
      .number()
      .int()
      .min(1)
      .max(100_000)
      .default(10)
      .describe('Most events logged per second; the others are taken from the channel and counted in one line per second.'),
    batchSize: z.number().int().min(1).max(10_000).default(100).describe('Most events taken from the channel at once.'),
  }),
  fieldHelpZh: {
    maxBytesToLog: '每个事件正文写入日志的字节数（Flume 默认 16）。',
    maxEventsPerSecond: '每秒最多记录的事件数；其余事件照常从通道取出，每秒汇总成一行计数。',
    batchSize: '一次从通道取出的最大事件数。',
  },
});
