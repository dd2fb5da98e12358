import { z } from 'zod';
import { defineNode } from '../../spec/node-spec';

export const botFilterInterceptorSpec = defineNode({
  type: 'interceptor.bot_filter',
  category: 'interceptor',
  title: { en: 'Bot filter interceptor', zh: '爬虫过滤拦截器' },
  description: {
    en:
      'Drops (or tags with header bot=true) events whose user agent is a crawler, monitor or script, with the same pattern op.useragent flags bots with. ' +
      'The user agent is read from a header, else from the last quoted field of the body (combined log format). Events without a user agent pass.',
    zh:
      '丢弃（或打上头部 bot=true）用户代理为爬虫、监控或脚本的事件，判断规则与 op.useragent 标记爬虫的规则相同。' +
      '用户代理取自头部，没有时取正文最后一个引号字段（combined 日志格式）。没有用户代理的事件放行。',
  },
  inputs: [{ name: 'in', kind: 'event', required: true }],
  outputs: [{ name: 'out', kind: 'event' }],
  config: z.object({
    mode: z.enum(['drop', 'tag']).default('drop').describe('drop: bots do not go on; tag: they go on with header bot=true.'),
    userAgentHeader: z
      .string()
      .min(1)
      .max(200)
      .default('userAgent')
      .describe('Header holding the user agent (exact name); when absent or empty, the last quoted field of the body.'),
  }),
  fieldHelpZh: {
    mode: 'drop：爬虫事件不再往下传；tag：带上头部 bot=true 后继续往下传。',
    userAgentHeader: '存放用户代理的头部（名称须完全一致）；该头部不存在或为空时，取正文最后一个引号字段。',
  },
});
