import { z } from 'zod';
import { defineNode } from '../../spec/node-spec';

export const deadLetterSpec = defineNode({
  type: 'deadletter',
  category: 'deadletter',
  title: { en: 'Dead letters', zh: '死信' },
  description: {
    en: 'Keeps the records that failed, with their reasons, for inspection in the UI and the API.',
    zh: '保存处理失败的记录及其原因，可在界面与 API 中查看。',
  },
  inputs: [{ name: 'in', kind: 'dead', multiple: true }],
  outputs: [],
  config: z.object({
    keep: z.number().int().min(1).max(100_000).default(1_000).describe('How many recent dead letters are kept.'),
  }),
  fieldHelpZh: {
    keep: '保留最近多少条死信。',
  },
});
