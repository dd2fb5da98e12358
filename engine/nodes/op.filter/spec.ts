import { z } from 'zod';
import { defineNode } from '../../spec/node-spec';
// Pure (browser-safe by lint rule), shared with the operator so config checks and runs agree.
import { ExpressionError } from '../../processor/expression/lexer';
import { expressionFields, parseExpression } from '../../processor/expression/parser';
import { compileUserRegex } from '../../processor/expression/regex';

export const defaultStaticExtensions = ['css', 'js', 'png', 'jpg', 'jpeg', 'gif', 'svg', 'ico', 'woff', 'woff2', 'ttf', 'map', 'webp', 'avif'];

const config = z
  .object({
    statuses: z
      .array(z.string().regex(/^[1-5]([0-9]{2}|xx)$/i, 'a status is a code like 304 or a class like 2xx'))
      .default([])
      .describe('Keep only visits with these statuses: codes (304) or classes (2xx). Empty keeps every status.'),
    methods: z
      .array(z.string().regex(/^[A-Za-z-]{1,20}$/, 'a method is a word like GET'))
      .default([])
      .describe('Keep only these request methods (GET, POST…). Empty keeps every method.'),
    includePath: z.string().max(500).default('').describe('Keep only paths matching this regular expression (JavaScript syntax; empty keeps all).'),
    excludePath: z.string().max(500).default('').describe('Drop paths matching this regular expression (JavaScript syntax).'),
    excludeStatic: z.boolean().default(true).describe('Drop requests for static files (by extension; see staticExtensions): assets are not page views.'),
    staticExtensions: z
      .array(z.string().regex(/^\.?[A-Za-z0-9]{1,16}$/, 'an extension is letters and digits, like woff2'))
      .default(defaultStaticExtensions)
      .describe('File extensions that excludeStatic drops.'),
    excludeBots: z
      .boolean()
      .default(false)
      .describe('Drop bots: the user agent operator\'s bot flag when it ran before this node, else a bot pattern on the user agent.'),
    expression: z
      .string()
      .max(2000)
      .default('')
      .describe(
        `Optional condition a kept visit must meet, e.g. status >= 400 && path ~ "^/api/" && !(country in ["CN", "US"]). ` +
          `Fields: ${Object.keys(expressionFields).join(', ')}. Operators: == != < <= > >= ~ !~ (regex, "…" or /…/i) in [..] && || ! ( ).`,
      ),
  })
  .superRefine((c, ctx) => {
    const issue = (field: string, message: string) => ctx.addIssue({ code: 'custom', path: [field], message });
    for (const field of ['includePath', 'excludePath'] as const) {
      const r = c[field] ? compileUserRegex(c[field]) : null;
      if (r && !r.ok) issue(field, `${field} ${r.message}`);
    }
    if (c.expression.trim()) {
      try {
        parseExpression(c.expression);
      } catch (e) {
        if (!(e instanceof ExpressionError)) throw e;
        issue('expression', e.message);
      }
    }
  });

export type FilterConfig = z.output<typeof config>;

export const filterSpec = defineNode({
  type: 'op.filter',
  category: 'processor',
  title: { en: 'Filter visits', zh: '过滤访问' },
  description: {
    en: 'Keeps the visits that pass every condition (status, method, path, static files, bots, an expression) on "out"; the others leave on "rejected". Filtered visits are not failures.',
    zh: '满足全部条件（状态码、方法、路径、静态文件、爬虫、表达式）的访问从 "out" 输出，其余从 "rejected" 输出。被过滤的访问不算失败。',
  },
  inputs: [{ name: 'in', kind: 'visit', required: true }],
  outputs: [
    { name: 'out', kind: 'visit' },
    { name: 'rejected', kind: 'visit' },
  ],
  config,
  fieldHelpZh: {
    statuses: '只保留这些状态的访问：状态码（304）或状态类别（2xx）。留空则保留所有状态。',
    methods: '只保留这些请求方法（GET、POST…）。留空则保留所有方法。',
    includePath: '只保留匹配此正则表达式的路径（JavaScript 语法；留空则全部保留）。',
    excludePath: '丢弃匹配此正则表达式的路径（JavaScript 语法）。',
    excludeStatic: '丢弃静态文件请求（按扩展名判断，见 staticExtensions）：静态资源不是页面访问。',
    staticExtensions: 'excludeStatic 所丢弃的文件扩展名。',
    excludeBots: '丢弃爬虫：若用户代理算子（op.useragent）在本节点之前运行过，则依据它的爬虫标记，否则用爬虫规则匹配 UA。',
    expression:
      `保留的访问必须满足的可选条件，例如 status >= 400 && path ~ "^/api/" && !(country in ["CN", "US"])。` +
      `字段：${Object.keys(expressionFields).join(', ')}。运算符：== != < <= > >= ~ !~（正则，写作 "…" 或 /…/i） in [..] && || ! ( )。`,
  },
});
