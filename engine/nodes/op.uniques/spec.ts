import { z } from 'zod';
import { defineNode } from '../../spec/node-spec';

export const uniquesSpec = defineNode({
  type: 'op.uniques',
  category: 'processor',
  title: { en: 'Unique visitors', zh: '独立访客' },
  description: {
    en: 'Counts distinct visitors per module per hour and day with HyperLogLog over a privacy hash (a random daily salt + IP + user agent). Raw IPs are never stored, and yesterday\'s hashes cannot be linked to today\'s.',
    zh: '用 HyperLogLog 按模块统计每小时、每天的独立访客，基于隐私哈希（每日随机盐 + IP + UA）。不保存原始 IP，不同日期的哈希无法关联。',
  },
  inputs: [{ name: 'in', kind: 'visit', required: true }],
  outputs: [{ name: 'out', kind: 'counts' }],
  config: z.object({
    excludeBots: z.boolean().default(true).describe('Leave crawlers out of the visitor count.'),
  }),
  fieldHelpZh: {
    excludeBots: '统计访客数时不计入爬虫。',
  },
});
