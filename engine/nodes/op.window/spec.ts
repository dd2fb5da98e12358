import { z } from 'zod';
import { defineNode } from '../../spec/node-spec';

export const windowDimensions = ['country', 'region', 'city', 'browser', 'os', 'device'] as const;

export const windowSpec = defineNode({
  type: 'op.window',
  category: 'processor',
  title: { en: 'Window counts', zh: '窗口计数' },
  description: {
    en: 'Counts visits per module in 1-minute tumbling event-time windows, by region and by client. Records later than the watermark minus the allowed lateness go to the dead-letter output.',
    zh: '按事件时间 1 分钟滚动窗口统计各模块访问量（按地区、按客户端）。晚于水位线减去允许延迟的记录进入死信输出。',
  },
  inputs: [{ name: 'in', kind: 'visit', required: true }],
  outputs: [
    { name: 'out', kind: 'counts' },
    { name: 'dead', kind: 'dead' },
  ],
  config: z.object({
    size: z.enum(['1m']).default('1m').describe('Window size (tumbling).'),
    allowedLatenessSec: z.number().int().min(0).max(7 * 86_400).default(300).describe('How late a record may arrive and still be counted.'),
    dimensions: z.array(z.enum(windowDimensions)).default([...windowDimensions]).describe('Breakdowns counted per module besides the total.'),
  }),
});
