import { z } from 'zod';
import { defineNode } from '../../spec/node-spec';

export const windowDimensions = ['country', 'region', 'city', 'browser', 'os', 'device', 'status'] as const;
const combination = new RegExp(`^(${windowDimensions.join('|')})(\\+(${windowDimensions.join('|')}))+$`);

export const windowSpec = defineNode({
  type: 'op.window',
  category: 'processor',
  title: { en: 'Window counts', zh: '窗口计数' },
  description: {
    en: 'Counts visits per module in 1-minute tumbling event-time windows (panes), by region, client and status; hourly and daily rollups and sliding windows of any length are built from these panes. Records later than the watermark minus the allowed lateness go to the dead-letter output.',
    zh: '按事件时间 1 分钟滚动窗口（窗格）统计各模块访问量（按地区、客户端、状态码）；小时、天汇总及任意长度的滑动窗口都由这些窗格得到。晚于水位线减去允许延迟的记录进入死信输出。',
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
    combinations: z
      .array(
        z
          .string()
          .regex(combination, `dimensions joined by "+", each one of ${windowDimensions.join(', ')} (e.g. "country+browser")`)
          .refine((c) => new Set(c.split('+')).size === c.split('+').length, 'a dimension appears twice'),
      )
      .default([])
      .describe('Cross breakdowns counted per module, e.g. "region+device" (each adds cells: keep the list short).'),
  }),
  fieldHelpZh: {
    size: '窗口大小（滚动窗口）。',
    allowedLatenessSec: '记录最多可以迟到多久（秒）仍被计入。',
    dimensions: '除总数外，每个模块还按哪些维度分别计数。',
    combinations: '每个模块按维度组合交叉计数，例如 "region+device"（每个组合都会增加计数单元：列表宜短）。',
  },
});
