import { z } from 'zod';
import { defineNode } from '../../spec/node-spec';

export const moduleSpec = defineNode({
  type: 'op.module',
  category: 'processor',
  title: { en: 'Site module', zh: '站点模块' },
  description: {
    en: 'Finds the site module a visit belongs to from its URL path.',
    zh: '根据 URL 路径判断访问所属的站点模块。',
  },
  inputs: [{ name: 'in', kind: 'visit', required: true }],
  outputs: [{ name: 'out', kind: 'visit' }],
  config: z.object({
    strategy: z.enum(['firstSegment']).default('firstSegment').describe('How the module is found.'),
    default: z.string().min(1).default('home').describe('Module for "/" and paths that match nothing.'),
  }),
});
