import { z } from 'zod';
import { defineNode } from '../../spec/node-spec';

export const staticInterceptorSpec = defineNode({
  type: 'interceptor.static',
  category: 'interceptor',
  title: { en: 'Static header interceptor', zh: '静态头部拦截器' },
  description: {
    en: 'Sets a fixed header on every event (Flume StaticInterceptor), e.g. the data center or the site the logs come from.',
    zh: '给每个事件设置一个固定的头部（Flume StaticInterceptor），例如日志所属的机房或站点。',
  },
  inputs: [{ name: 'in', kind: 'event', required: true }],
  outputs: [{ name: 'out', kind: 'event' }],
  config: z.object({
    preserveExisting: z.boolean().default(true).describe('Keep the header when the event already has it.'),
    key: z.string().min(1).max(200).default('key').describe('Header name.'),
    value: z.string().max(10_000).default('value').describe('Header value.'),
  }),
  fieldHelpZh: {
    preserveExisting: '事件已有该头部时保留原值。',
    key: '头部名称。',
    value: '头部值。',
  },
});
