import { z } from 'zod';
import { defineNode } from '../../spec/node-spec';

export const redisViewSpec = defineNode({
  type: 'view.redis',
  category: 'view',
  title: { en: 'Redis views', zh: 'Redis 视图' },
  description: {
    en: 'Serving views for dashboards and the stats API: minute, hour and day rollups, written exactly once together with the consumed offsets.',
    zh: '供仪表盘和统计 API 使用的服务视图：分钟、小时、天三级汇总，与消费位点一起精确一次写入。',
  },
  inputs: [{ name: 'in', kind: 'counts', required: true, multiple: true }],
  outputs: [],
  config: z.object({
    minuteRetentionHours: z.number().min(1).max(24 * 31).default(48).describe('How long minute buckets are kept.'),
    hourRetentionDays: z.number().min(1).max(3_650).default(90).describe('How long hour buckets are kept.'),
    dayRetentionDays: z.number().min(1).max(36_500).default(1_095).describe('How long day buckets are kept.'),
  }),
  fieldHelpZh: {
    minuteRetentionHours: '分钟级汇总的保留时长（小时）。',
    hourRetentionDays: '小时级汇总的保留时长（天）。',
    dayRetentionDays: '天级汇总的保留时长（天）。',
  },
});
