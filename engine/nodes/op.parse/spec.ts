import { z } from 'zod';
import { defineNode } from '../../spec/node-spec';
/*
 * The format compilers are pure TypeScript with no imports beyond each other: the spec runs them so a
 * format that cannot compile is a validation error in the editor and the REST API alike, and the
 * operator runs the very same code. The layering rule guards against server-only modules reaching
 * the browser; these are not that.
 */
import { compileDateFormat, DateFormatError, supportedDateSpecifiers } from '../../processor/parse/date-format';
import { builtinLogFormats, DEFAULT_DATE_FORMAT, DEFAULT_TIME_FORMAT, logFormatNames } from '../../processor/parse/formats';
import { compileLogFormat, LogFormatError, logSpecifierHelp, splitsDateAndTime } from '../../processor/parse/log-format';
import { jsonFields } from '../../processor/parse/nginx-json';

const config = z
  .object({
    format: z
      .enum(logFormatNames)
      .default('combined')
      .describe(
        `Log format. combined: Apache/nginx combined (${builtinLogFormats.combined}); common: CLF without referrer and user agent; ` +
          'vcombined: Apache vhost_combined (vhost:port first); nginx-json: one JSON object per line (nginx escape=json); custom: the logFormat below.',
      ),
    logFormat: z
      .string()
      .max(1000)
      .default('')
      .describe(`Custom format, GoAccess style, used when format is "custom". Specifiers: ${logSpecifierHelp}. Other text must appear as written; text after the last field is ignored.`),
    dateFormat: z
      .string()
      .min(1)
      .max(200)
      .default(DEFAULT_DATE_FORMAT)
      .describe(`How timestamps (%x, or %t alone) are written, strftime style (${supportedDateSpecifiers}). With %d and %t apart, the date only (e.g. %d/%b/%Y). Without a zone, times are UTC.`),
    timeFormat: z
      .string()
      .min(1)
      .max(200)
      .default(DEFAULT_TIME_FORMAT)
      .describe('How the time of day is written when the format has %d and %t apart.'),
    jsonFields: z
      .array(z.object({ field: z.enum(jsonFields), key: z.string().min(1).max(200) }))
      .default([])
      .describe(
        'nginx-json: read a field from another key than nginx\'s variable name (defaults: ip remote_addr; time time_local, time_iso8601 or msec; ' +
          'request request, or method request_method + uri request_uri; status status; bytes body_bytes_sent; referrer http_referer; ua http_user_agent; ' +
          'xff http_x_forwarded_for; vhost host). A mapped time is read with dateFormat, or as epoch seconds when it is a number.',
      ),
    maxLineLength: z
      .number()
      .int()
      .min(256)
      .max(1_048_576)
      .default(16_384)
      .describe('Longer lines go to the dead-letter output (line_too_long) unparsed.'),
    maxFutureSkewSec: z
      .number()
      .int()
      .min(0)
      .max(30 * 86_400)
      .default(3600)
      .describe('A visit timed more than this after its record reached Kafka is dead-lettered (timestamp_out_of_range): a wrong clock, not a visit.'),
    maxAgeDays: z
      .number()
      .int()
      .min(1)
      .max(36_500)
      .default(3650)
      .describe('A visit timed more than this many days before its record reached Kafka is dead-lettered (timestamp_out_of_range).'),
  })
  .superRefine((c, ctx) => {
    const issue = (field: string, message: string) => ctx.addIssue({ code: 'custom', path: [field], message });
    const compiled = (field: string, compile: () => void): boolean => {
      try {
        compile();
        return true;
      } catch (e) {
        if (!(e instanceof LogFormatError || e instanceof DateFormatError)) throw e;
        issue(field, e.message);
        return false;
      }
    };
    const dateOk = compiled('dateFormat', () => compileDateFormat(c.dateFormat));
    if (c.format === 'custom' && !c.logFormat) issue('logFormat', `set logFormat when format is "custom", e.g. ${builtinLogFormats.combined}`);
    else if (c.format === 'custom') {
      compiled('logFormat', () => {
        if (!splitsDateAndTime(compileLogFormat(c.logFormat))) return;
        if (dateOk && compileDateFormat(c.dateFormat).hasTime) {
          issue('dateFormat', 'with %d and %t apart in logFormat, dateFormat reads only the %d field: use a date-only format such as %d/%b/%Y');
        }
        compiled('timeFormat', () => compileDateFormat(c.timeFormat));
      });
    }
    const seen = new Set<string>();
    c.jsonFields.forEach(({ field }, i) => {
      if (seen.has(field)) ctx.addIssue({ code: 'custom', path: ['jsonFields', i, 'field'], message: `"${field}" is mapped twice; keep one` });
      seen.add(field);
    });
  });

export type ParseConfig = z.output<typeof config>;

export const parseSpec = defineNode({
  type: 'op.parse',
  category: 'processor',
  title: { en: 'Parse access log', zh: '解析访问日志' },
  description: {
    en: 'Turns each access log line into a visit (time, IP, request, status, user agent). Lines that do not parse, bad or absurd timestamps and over-long lines go to the dead-letter output with the reason.',
    zh: '将每行访问日志解析为一次访问（时间、IP、请求、状态、UA）。无法解析的行、错误或离谱的时间戳、超长的行连同原因进入死信输出。',
  },
  inputs: [{ name: 'in', kind: 'stream', required: true }],
  outputs: [
    { name: 'out', kind: 'visit' },
    { name: 'dead', kind: 'dead' },
  ],
  config,
  fieldHelpZh: {
    format:
      `日志格式。combined：Apache/nginx combined（${builtinLogFormats.combined}）；common：不含来源与 UA 的 CLF；` +
      'vcombined：Apache vhost_combined（开头为 vhost:port）；nginx-json：每行一个 JSON 对象（nginx escape=json）；custom：使用下方的 logFormat。',
    logFormat: `自定义格式，GoAccess 风格，format 为 "custom" 时使用。说明符：${logSpecifierHelp}。其他文本必须按原样出现；最后一个字段之后的文本被忽略。`,
    dateFormat: `时间戳（%x，或单独的 %t）的写法，strftime 风格（${supportedDateSpecifiers}）。%d 与 %t 分开时，只写日期（例如 %d/%b/%Y）。没有时区时按 UTC。`,
    timeFormat: '格式中 %d 与 %t 分开时，一天中时刻的写法。',
    jsonFields:
      'nginx-json：从 nginx 变量名以外的键读取字段（默认：ip 取 remote_addr；time 取 time_local、time_iso8601 或 msec；' +
      'request 取 request，或 method 取 request_method 加 uri 取 request_uri；status 取 status；bytes 取 body_bytes_sent；referrer 取 http_referer；ua 取 http_user_agent；' +
      'xff 取 http_x_forwarded_for；vhost 取 host）。映射的时间按 dateFormat 读取，为数字时按纪元秒读取。',
    maxLineLength: '超过此长度的行不经解析，直接进入死信输出（line_too_long）。',
    maxFutureSkewSec: '访问时间比其记录到达 Kafka 的时间晚超过此秒数时进入死信（timestamp_out_of_range）：这是时钟错误，不是访问。',
    maxAgeDays: '访问时间比其记录到达 Kafka 的时间早超过此天数时进入死信（timestamp_out_of_range）。',
  },
});
