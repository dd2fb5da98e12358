import type { Visit } from '../records';
import { compileDateFormat } from './date-format';
import { ParseError, type LineParser } from './fields';
import { compileLogFormat, createLogFormatParser, type LogParserOptions } from './log-format';
import { createNginxJsonParser, type JsonField } from './nginx-json';

/**
 * The log formats op.parse offers, and the one place that turns its config into a line parser.
 * Apache's named formats are written as GoAccess format strings and go through the same compiler as
 * a user's custom format: one scanner to make fast and to test.
 */

export const logFormatNames = ['combined', 'common', 'vcombined', 'nginx-json', 'custom'] as const;
export type LogFormatName = (typeof logFormatNames)[number];

export const builtinLogFormats = {
  /** Apache/nginx combined: `%h %l %u %t "%r" %>s %b "%{Referer}i" "%{User-agent}i"`. */
  combined: '%h %^ %^ [%x] "%r" %s %b "%R" "%u"',
  /** Apache common (CLF): combined without referrer and user agent. */
  common: '%h %^ %^ [%x] "%r" %s %b',
  /** Apache vhost_combined: `%v:%p` first. */
  vcombined: '%v:%^ %h %^ %^ [%x] "%r" %s %b "%R" "%u"',
} as const;

export const DEFAULT_DATE_FORMAT = '%d/%b/%Y:%H:%M:%S %z';
export const DEFAULT_TIME_FORMAT = '%H:%M:%S';

export interface LineFormatConfig {
  format: LogFormatName;
  logFormat?: string;
  dateFormat?: string;
  timeFormat?: string;
  jsonFields?: readonly { field: JsonField; key: string }[];
}

/** Compiles everything the config names, once; throws LogFormatError / DateFormatError on bad formats. */
export function createLineParser(config: LineFormatConfig): LineParser {
  const dateFormat = compileDateFormat(config.dateFormat || DEFAULT_DATE_FORMAT);
  if (config.format === 'nginx-json') return createNginxJsonParser({ fields: config.jsonFields ?? [], dateFormat });
  const timeFormat = compileDateFormat(config.timeFormat || DEFAULT_TIME_FORMAT);
  const textParser = (name: string, source: string, more: Partial<LogParserOptions> = {}) =>
    createLogFormatParser(compileLogFormat(source), { name, dateFormat, timeFormat, ...more });
  if (config.format === 'custom') return textParser('custom', config.logFormat ?? '');
  if (config.format !== 'combined') return textParser(config.format, builtinLogFormats[config.format]);
  // Servers logging "combined" write a common line now and then (a vhost with another LogFormat);
  // read those rather than lose them. Only a line that ends right after %b qualifies, so a combined
  // line cut short still fails. Only lines that failed pay the second try.
  const common = textParser('combined', builtinLogFormats.common, { exact: true });
  return textParser('combined', builtinLogFormats.combined, { fallback: common });
}

export type ParseResult = { ok: true; visit: Visit } | { ok: false; code: string; reason: string };

let combined: LineParser | undefined;

/** One combined line, for tests and tools that do not build an operator. */
export function parseCombined(line: string): ParseResult {
  const r = (combined ??= createLineParser({ format: 'combined' }))(line);
  return r instanceof ParseError ? { ok: false, code: r.code, reason: r.reason } : { ok: true, visit: r };
}
