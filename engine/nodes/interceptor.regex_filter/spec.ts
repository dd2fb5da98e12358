import { z } from 'zod';
import { defineNode } from '../../spec/node-spec';
import { compileInterceptorRegex, REGEX_INPUT_LIMIT } from './user-regex';

/** A zod string that must be a regex interceptors accept (compiles, no nested quantifier). */
export const interceptorRegexField = () =>
  z
    .string()
    .min(1)
    .max(1000)
    .superRefine((pattern, ctx) => {
      const r = compileInterceptorRegex(pattern);
      if (!r.ok) ctx.addIssue({ code: 'custom', message: r.message });
    });

export const regexFilterInterceptorSpec = defineNode({
  type: 'interceptor.regex_filter',
  category: 'interceptor',
  title: { en: 'Regex filter interceptor', zh: '正则过滤拦截器' },
  description: {
    en:
      'Keeps the events whose body contains a match of a regular expression, or with excludeEvents drops them (Flume RegexFilteringInterceptor). ' +
      `JavaScript regex syntax (a leading (?i), (?s) or (?m) works as in Java); nested quantifiers like (a+)+ are refused and the regex sees the first ${REGEX_INPUT_LIMIT} characters of a body.`,
    zh:
      '保留正文中能匹配正则表达式的事件，开启 excludeEvents 时则丢弃它们（Flume RegexFilteringInterceptor）。' +
      `使用 JavaScript 正则语法（开头的 (?i)、(?s)、(?m) 与 Java 相同）；拒绝 (a+)+ 这类嵌套量词，正则只检查正文的前 ${REGEX_INPUT_LIMIT} 个字符。`,
  },
  inputs: [{ name: 'in', kind: 'event', required: true }],
  outputs: [{ name: 'out', kind: 'event' }],
  config: z.object({
    regex: interceptorRegexField().default('.*').describe('Regular expression searched for in the body (a match anywhere counts).'),
    excludeEvents: z.boolean().default(false).describe('Drop the matching events instead of keeping only them.'),
  }),
  fieldHelpZh: {
    regex: '在正文中查找的正则表达式（任意位置匹配即算）。',
    excludeEvents: '丢弃匹配的事件，而不是只保留它们。',
  },
});
