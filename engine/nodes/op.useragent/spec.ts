import { z } from 'zod';
import { defineNode } from '../../spec/node-spec';

export const useragentSpec = defineNode({
  type: 'op.useragent',
  category: 'processor',
  title: { en: 'User agent', zh: '用户代理' },
  description: {
    en: 'Finds browser, operating system and device type from the user agent (ua-parser-js), and flags bots.',
    zh: '通过 UA（ua-parser-js）识别浏览器、操作系统与设备类型，并标记爬虫。',
  },
  inputs: [{ name: 'in', kind: 'visit', required: true }],
  outputs: [{ name: 'out', kind: 'visit' }],
  config: z.object({
    cacheSize: z.number().int().min(0).max(1_000_000).default(10_000).describe('User agents kept in the parse cache.'),
  }),
  fieldHelpZh: {
    cacheSize: '解析缓存中保留的 UA 数。',
  },
});
