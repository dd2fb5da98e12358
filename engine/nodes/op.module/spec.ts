import { z } from 'zod';
import { defineNode } from '../../spec/node-spec';
// Pure (browser-safe by lint rule), shared with the operator so config checks and runs agree.
import { compileUserRegex } from '../../processor/expression/regex';

export const moduleStrategies = ['firstSegment', 'segments', 'regex', 'queryParam', 'mapping'] as const;

const config = z
  .object({
    strategy: z
      .enum(moduleStrategies)
      .default('firstSegment')
      .describe(
        'How the module is found. firstSegment: /news/a.html → news; segments: the first N path segments (/docs/api/x → docs/api); ' +
          'regex: the first capture group of pattern; queryParam: the value of a query parameter; mapping: the longest matching path prefix.',
      ),
    segments: z.number().int().min(1).max(10).default(2).describe('segments: how many path segments make the module name.'),
    pattern: z
      .string()
      .max(500)
      .default('')
      .describe('regex: a JavaScript regular expression applied to the path (query included); its first capture group is the module, e.g. ^/(?:en|zh)/([^/?]+)'),
    param: z.string().max(100).default('').describe('queryParam: the query parameter whose value is the module, e.g. channel (for /?channel=news).'),
    mapping: z
      .array(z.object({ prefix: z.string().min(1).max(500), module: z.string().min(1).max(100) }))
      .default([])
      .describe('mapping: { prefix, module } pairs, e.g. { "prefix": "/shop/cart", "module": "checkout" }; the longest prefix that the path starts with wins.'),
    default: z.string().min(1).max(100).default('home').describe('Module for "/" and for paths that match nothing.'),
    lowercase: z.boolean().default(true).describe('Lower-case the module name taken from the URL (and compare mapping prefixes ignoring case).'),
  })
  .superRefine((c, ctx) => {
    const issue = (path: (string | number)[], message: string) => ctx.addIssue({ code: 'custom', path, message });
    if (c.strategy === 'regex' || c.pattern) {
      const r = compileUserRegex(c.pattern);
      if (!c.pattern) issue(['pattern'], 'set pattern when strategy is "regex", e.g. ^/([^/?]+)');
      else if (!r.ok) issue(['pattern'], `pattern ${r.message}`);
      else if (r.groups < 1) issue(['pattern'], 'pattern needs a capture group: the text it captures is the module, e.g. ^/([^/?]+)');
    }
    if (c.strategy === 'queryParam' && !c.param) issue(['param'], 'set param when strategy is "queryParam", e.g. channel');
    if (c.strategy === 'mapping' && c.mapping.length === 0) issue(['mapping'], 'add at least one { prefix, module } when strategy is "mapping"');
  });

export type ModuleConfig = z.output<typeof config>;

export const moduleSpec = defineNode({
  type: 'op.module',
  category: 'processor',
  title: { en: 'Site module', zh: '站点模块' },
  description: {
    en: 'Finds the site module a visit belongs to from its URL: first path segment(s), a regular expression, a query parameter or a prefix mapping.',
    zh: '根据 URL 判断访问所属的站点模块：路径首段（或前几段）、正则表达式、查询参数或前缀映射。',
  },
  inputs: [{ name: 'in', kind: 'visit', required: true }],
  outputs: [{ name: 'out', kind: 'visit' }],
  config,
  fieldHelpZh: {
    strategy:
      '如何确定模块。firstSegment：/news/a.html → news；segments：路径的前 N 段（/docs/api/x → docs/api）；' +
      'regex：pattern 的第一个捕获组；queryParam：某个查询参数的值；mapping：匹配的最长路径前缀。',
    segments: 'segments：模块名由路径的前几段组成。',
    pattern: 'regex：作用于路径（含查询字符串）的 JavaScript 正则表达式；第一个捕获组即为模块，例如 ^/(?:en|zh)/([^/?]+)',
    param: 'queryParam：其值即为模块的查询参数，例如 channel（对应 /?channel=news）。',
    mapping: 'mapping：{ prefix, module } 对，例如 { "prefix": "/shop/cart", "module": "checkout" }；路径开头所匹配的最长前缀胜出。',
    default: '"/" 以及什么都不匹配的路径所属的模块。',
    lowercase: '把从 URL 取得的模块名转为小写（比较 mapping 前缀时也忽略大小写）。',
  },
});
