import { z } from 'zod';
import { defineNode } from '../../spec/node-spec';
import { interceptorRegexField } from '../interceptor.regex_filter/spec';
import { compileInterceptorRegex, REGEX_INPUT_LIMIT } from '../interceptor.regex_filter/user-regex';

// Flume's default (and only supported) serializer: the group's text as the header value.
const passThrough = ['default', 'org.apache.flume.interceptor.RegexExtractorInterceptorPassThroughSerializer'] as const;

const config = z
  .object({
    regex: interceptorRegexField().describe('Regular expression with capture groups, searched for in the body (the first match counts).'),
    serializers: z
      .array(
        z.object({
          name: z.string().min(1).max(200).describe('Header that receives this capture group.'),
          type: z
            .enum(passThrough)
            .default('default')
            .describe('Flume serializer type; only the pass-through serializer (the group text as is) is supported.'),
        }),
      )
      .min(1, 'give at least one serializer: the header name for the first capture group')
      .max(64)
      .describe('One per capture group, in group order (Flume: serializers = s1 s2, serializers.s1.name = header).'),
  })
  .superRefine((c, ctx) => {
    const r = compileInterceptorRegex(c.regex);
    if (r.ok && c.serializers.length > r.groups) {
      ctx.addIssue({
        code: 'custom',
        path: ['serializers'],
        message: `there are ${c.serializers.length} serializers but the regex has ${r.groups} capture group${r.groups === 1 ? '' : 's'}; add groups with ( ) or remove serializers`,
      });
    }
  });

export const regexExtractorInterceptorSpec = defineNode({
  type: 'interceptor.regex_extractor',
  category: 'interceptor',
  title: { en: 'Regex extractor interceptor', zh: '正则提取拦截器' },
  description: {
    en:
      "Copies the capture groups of a regular expression's first match in the body into headers, one serializer per group (Flume RegexExtractorInterceptor, pass-through serializer only). " +
      'An event without a match, or a group that did not take part in the match, sets no header; an existing header is overwritten. ' +
      `JavaScript regex syntax (a leading (?i), (?s) or (?m) works as in Java); nested quantifiers like (a+)+ are refused and the regex sees the first ${REGEX_INPUT_LIMIT} characters of a body.`,
    zh:
      '把正则表达式在正文中第一次匹配的各捕获组写入头部，每组对应一个 serializer（Flume RegexExtractorInterceptor，仅支持直通序列化器）。' +
      '没有匹配的事件、或未参与匹配的组不设置头部；已有的头部会被覆盖。' +
      `使用 JavaScript 正则语法（开头的 (?i)、(?s)、(?m) 与 Java 相同）；拒绝 (a+)+ 这类嵌套量词，正则只检查正文的前 ${REGEX_INPUT_LIMIT} 个字符。`,
  },
  inputs: [{ name: 'in', kind: 'event', required: true }],
  outputs: [{ name: 'out', kind: 'event' }],
  config,
  fieldHelpZh: {
    regex: '带捕获组的正则表达式，在正文中查找（以第一次匹配为准）。',
    serializers: '每个捕获组一个，按组的顺序排列（Flume：serializers = s1 s2，serializers.s1.name = header）。',
  },
});
