import { z } from 'zod';
import { channelSelectorFieldHelpZh, channelSelectorFields } from '../../spec/channel-selector';
import { defineNode } from '../../spec/node-spec';

export const generatorSpec = defineNode({
  type: 'source.generator',
  category: 'source',
  title: { en: 'Demo traffic generator', zh: '演示流量生成器' },
  description: {
    en: 'Writes realistic combined-format access log lines: visitors from many countries and Chinese provinces, a real-world browser mix with bots, a module set and a daily rhythm.',
    zh: '生成逼真的 combined 格式访问日志：来自多个国家和中国各省的访客、真实的浏览器分布（含爬虫）、站点模块与昼夜节奏。',
  },
  inputs: [],
  outputs: [{ name: 'out', kind: 'event' }],
  config: z.object({
    rate: z.number().positive().max(1_000_000).default(20).describe('Events per second.'),
    total: z.number().int().min(0).default(0).describe('Stop after this many events (0 = run forever).'),
    seed: z.number().int().default(1).describe('Same seed, same traffic: runs are reproducible.'),
    modules: z
      .array(z.string().min(1).regex(/^[a-z0-9_-]+$/i, 'a module is a path segment: letters, digits, "-" or "_"'))
      .min(1)
      .default(['home', 'news', 'sports', 'video', 'shop', 'search', 'user', 'api'])
      .describe('Site modules (first path segment) the visits are spread over.'),
    botShare: z.number().min(0).max(1).default(0.05).describe('Share of visits made by crawlers.'),
    dailyRhythm: z.boolean().default(true).describe('Vary the rate over the day (40%–100%, busiest in the Chinese evening).'),
    batchSize: z.number().int().min(1).max(10_000).default(100).describe('Events handed to the channel per put.'),
    ...channelSelectorFields,
  }),
  fieldHelpZh: {
    rate: '每秒事件数。',
    total: '生成这么多事件后停止（0 = 一直运行）。',
    seed: '相同的种子产生相同的流量：运行可复现。',
    modules: '访问所分布的站点模块（路径首段）。',
    botShare: '爬虫访问所占的比例。',
    dailyRhythm: '速率随一天中的时段变化（40%–100%，中国晚间最繁忙）。',
    batchSize: '每次 put 交给通道的事件数。',
    ...channelSelectorFieldHelpZh,
  },
});
