import { z } from 'zod';
import { defineNode } from '../../spec/node-spec';

export const timestampInterceptorSpec = defineNode({
  type: 'interceptor.timestamp',
  category: 'interceptor',
  title: { en: 'Timestamp interceptor', zh: '时间戳拦截器' },
  description: {
    en: 'Sets a header to the time the agent received the event, in milliseconds since the epoch (Flume TimestampInterceptor).',
    zh: '把代理收到事件的时间（自纪元起的毫秒数）写入一个头部（Flume TimestampInterceptor）。',
  },
  inputs: [{ name: 'in', kind: 'event', required: true }],
  outputs: [{ name: 'out', kind: 'event' }],
  config: z.object({
    preserveExisting: z.boolean().default(false).describe('Keep the header when the event already has it.'),
    header: z.string().min(1).max(200).default('timestamp').describe('Header to set.'),
  }),
  fieldHelpZh: {
    preserveExisting: '事件已有该头部时保留原值。',
    header: '要设置的头部。',
  },
});
