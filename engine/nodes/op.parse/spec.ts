import { z } from 'zod';
import { defineNode } from '../../spec/node-spec';

export const parseSpec = defineNode({
  type: 'op.parse',
  category: 'processor',
  title: { en: 'Parse access log', zh: '解析访问日志' },
  description: {
    en: 'Turns each access log line into a visit (time, IP, request, status, user agent). Lines that do not parse go to the dead-letter output with the reason.',
    zh: '将每行访问日志解析为一次访问（时间、IP、请求、状态、UA）。无法解析的行连同原因进入死信输出。',
  },
  inputs: [{ name: 'in', kind: 'stream', required: true }],
  outputs: [
    { name: 'out', kind: 'visit' },
    { name: 'dead', kind: 'dead' },
  ],
  config: z.object({
    format: z.enum(['combined']).default('combined').describe('Log format (Apache/nginx combined).'),
  }),
});
