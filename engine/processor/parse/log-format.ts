import { datePartsToEpoch, newDateParts, resetDateParts, type DateParser } from './date-format';
import { isAbsent, isHostToken, makeVisit, ParseError, readBytes, readInt, request, splitRequest, type LineParser } from './fields';

/**
 * GoAccess-style log format strings (`%h %^[%d:%t %^] "%r" %s %b "%R" "%u"`), compiled once into
 * a scanner: each field runs up to the literal text that follows it in the format, found with
 * indexOf. That is GoAccess's own model; it needs no backtracking, so a hostile line costs one pass.
 *
 * Imported by op.parse's spec (browser) to validate formats; keep it free of server-only imports.
 */

export class LogFormatError extends Error {
  constructor(message: string, readonly column: number) {
    super(message);
    this.name = 'LogFormatError';
  }
}

// Field codes: plain numbers so the scanner's switch is a jump table.
const HOST = 0, TIMESTAMP = 1, DATE = 2, TIME = 3, REQUEST = 4, METHOD = 5, PATH = 6, QUERY = 7, PROTOCOL = 8;
const STATUS = 9, BYTES = 10, REFERRER = 11, UA = 12, VHOST = 13, IGNORE = 14, XFF = 15;
const DUR_US = 16, DUR_S = 17, DUR_MS = 18, DUR_NS = 19;

interface FieldDef {
  code: number;
  help: string;
  /** A one-word field: when it ends the format it stops at the next space, so trailing extras are ignored. */
  word: boolean;
}

const f = (code: number, help: string, word = false): FieldDef => ({ code, help, word });
const FIELDS: Record<string, FieldDef> = {
  '%h': f(HOST, 'client IP or host', true),
  '%t': f(TIME, 'time (the whole timestamp with dateFormat, or the time of day after %d with timeFormat)'),
  '%d': f(DATE, 'date, read with dateFormat'),
  '%x': f(TIMESTAMP, 'full timestamp, read with dateFormat'),
  '%r': f(REQUEST, 'request line "METHOD /path PROTOCOL"'),
  '%m': f(METHOD, 'method', true),
  '%U': f(PATH, 'URL path'),
  '%q': f(QUERY, 'query string'),
  '%H': f(PROTOCOL, 'protocol', true),
  '%s': f(STATUS, 'status code', true),
  '%b': f(BYTES, 'response size', true),
  '%R': f(REFERRER, 'referrer'),
  '%u': f(UA, 'user agent'),
  '%v': f(VHOST, 'virtual host', true),
  '%^': f(IGNORE, 'a field to skip', true),
  '%e': f(IGNORE, 'authenticated user (skipped: not needed, and personal data)', true),
  '%D': f(DUR_US, 'time taken, microseconds', true),
  '%T': f(DUR_S, 'time taken, seconds', true),
  '%L': f(DUR_MS, 'time taken, milliseconds', true),
  '%n': f(DUR_NS, 'time taken, nanoseconds', true),
  '~h': f(XFF, 'X-Forwarded-For value (GoAccess ~h{delimiters}; the braces are optional)'),
};

export const supportedLogSpecifiers = Object.keys(FIELDS).join(' ');
export const logSpecifierHelp = Object.entries(FIELDS).map(([k, d]) => `${k} ${d.help}`).join('; ');

const SPLIT = 1, WHOLE = 2, DATE_ONLY = 3;

export interface CompiledLogFormat {
  source: string;
  /** Literal text before the first field. */
  prefix: string;
  codes: number[];
  /** Literal text after each field; '' = the field ends the format. */
  seps: string[];
  /** Specifier of each field, for error messages. */
  names: string[];
  /** A field whose terminator is a quote: `\"` inside it does not end it (Apache escapes quotes so). */
  escaped: boolean[];
  words: boolean[];
  /** How the event time is read: SPLIT (%d + %t), WHOLE (%x or %t alone), DATE_ONLY (%d). */
  timeMode: number;
}

/** Throws LogFormatError naming the offending specifier and its column (1-based). */
export function compileLogFormat(source: string): CompiledLogFormat {
  const out: CompiledLogFormat = { source, prefix: '', codes: [], seps: [], names: [], escaped: [], words: [], timeMode: 0 };
  let literal = '';
  let i = 0;
  while (i < source.length) {
    const c = source[i];
    const isTilde = c === '~' && source[i + 1] === 'h';
    if (c !== '%' && !isTilde) {
      literal += c;
      i++;
      continue;
    }
    const column = i + 1;
    if (c === '%' && source[i + 1] === '%') {
      literal += '%';
      i += 2;
      continue;
    }
    const key = source.slice(i, i + 2);
    const def = FIELDS[key];
    if (!def) {
      const shown = key.length < 2 ? '"%" at the end' : `unknown specifier ${key}`;
      throw new LogFormatError(`${shown} at column ${column}; supported: ${supportedLogSpecifiers} (write %% for a literal %)`, column);
    }
    i += 2;
    // GoAccess writes the X-Forwarded-For delimiters in braces; the whole value is kept, so skip them.
    if (isTilde && source[i] === '{') {
      const close = source.indexOf('}', i);
      if (close < 0) throw new LogFormatError(`~h{ at column ${column} is missing its closing "}"`, column);
      i = close + 1;
    }
    if (out.codes.length === 0) out.prefix = literal;
    else if (literal === '') {
      throw new LogFormatError(`${out.names[out.names.length - 1]} and ${key} at column ${column} need literal text between them (e.g. a space), or the scanner cannot tell where one ends`, column);
    } else out.seps.push(literal);
    literal = '';
    out.codes.push(def.code);
    out.names.push(key);
    out.words.push(def.word);
  }
  if (!out.codes.length) throw new LogFormatError(`the format has no specifiers; e.g. combined is %h %^ %^ [%x] "%r" %s %b "%R" "%u"`, 1);
  out.seps.push(literal);
  out.escaped = out.seps.map((s) => s.startsWith('"'));

  const has = (code: number) => out.codes.includes(code);
  if (!has(HOST)) throw new LogFormatError('the format needs %h (the client IP): visits are located and counted by it', 1);
  if (has(TIMESTAMP) && (has(DATE) || has(TIME))) throw new LogFormatError('use either %x (a whole timestamp) or %d/%t (date and time apart), not both', 1);
  out.timeMode = has(DATE) && has(TIME) ? SPLIT : has(DATE) ? DATE_ONLY : has(TIME) || has(TIMESTAMP) ? WHOLE : 0;
  if (!out.timeMode) throw new LogFormatError('the format needs a time: %x, %t, or %d with %t; windows count visits by the time in the log', 1);
  if (!has(REQUEST) && !has(PATH)) throw new LogFormatError('the format needs %r (request line) or %U (URL path): modules are found from the path', 1);
  for (const code of [HOST, TIMESTAMP, DATE, TIME, REQUEST, STATUS]) {
    if (out.codes.indexOf(code) !== out.codes.lastIndexOf(code)) {
      const name = out.names[out.codes.lastIndexOf(code)];
      throw new LogFormatError(`${name} appears twice; use %^ to skip the other field`, source.lastIndexOf(name) + 1);
    }
  }
  return out;
}

/** Whether the format reads the date and the time of day from two fields (then dateFormat is a date only). */
export const splitsDateAndTime = (f: CompiledLogFormat): boolean => f.timeMode === SPLIT;

export interface LogParserOptions {
  /** Named in dead-letter reasons, e.g. "combined". */
  name: string;
  /** For %x / %t alone (the whole timestamp), or %d when the date and time are apart. */
  dateFormat: DateParser;
  /** For %t when %d is in the format too. */
  timeFormat: DateParser;
  /** The line must end where the format does (by default text after the last field is ignored). */
  exact?: boolean;
  /** Tried on a line that does not match (not on a bad timestamp); its error is reported only if this one fails too. */
  fallback?: LineParser;
}

export function createLogFormatParser(fmt: CompiledLogFormat, opts: LogParserOptions): LineParser {
  const { prefix, codes, seps, escaped, words, timeMode } = fmt;
  const n = codes.length;
  const parts = newDateParts();
  const { dateFormat, timeFormat } = opts;
  const exact = opts.exact === true;
  const label = `${opts.name} log format (${fmt.source})`;

  const { fallback } = opts;
  // Built once, not per line: the hot path only calls it for lines that already failed.
  const unparseable = (line: string, reason: string) => {
    const err = new ParseError('unparseable_line', reason);
    if (!fallback) return err;
    const again = fallback(line);
    return again instanceof ParseError ? err : again;
  };
  const mismatch = (line: string, i: number, pos: number) =>
    unparseable(line, i < 0
      ? `line does not match the ${label}: it should start with ${JSON.stringify(prefix)}`
      : `line does not match the ${label}: no ${JSON.stringify(seps[i])} after ${fmt.names[i]} (from column ${pos + 1})`);
  const badField = (line: string, what: string, start: number, stop: number) =>
    unparseable(line, `line does not match the ${label}: ${what} ${JSON.stringify(line.slice(start, Math.min(stop, start + 64)))} is not valid`);

  return (line) => {
    let end = line.length;
    if (end > 0 && line.charCodeAt(end - 1) === 10) end--;
    if (end > 0 && line.charCodeAt(end - 1) === 13) end--;
    if (!line.startsWith(prefix)) return mismatch(line, -1, 0);
    let pos = prefix.length;
    let ip = '';
    let referrer = '-';
    let ua = '';
    let vhost: string | undefined;
    let xff: string | undefined;
    let method = '-';
    let path = '';
    let query = '';
    let protocol = '';
    let status = 0;
    let bytes = 0;
    let duration = NaN;
    let reqStart = -1, reqEnd = -1, tsStart = -1, tsEnd = -1, timeStart = -1, timeEnd = -1;
    let hasPath = false, hasMethod = false, hasProtocol = false;

    for (let i = 0; i < n; i++) {
      const sep = seps[i];
      let stop: number;
      if (sep === '') {
        stop = words[i] && !exact ? wordEnd(line, pos, end) : end;
      } else {
        stop = line.indexOf(sep, pos);
        if (escaped[i]) while (stop > pos && isEscaped(line, stop, pos)) stop = line.indexOf(sep, stop + 1);
        if (stop < 0 || stop + sep.length > end) return mismatch(line, i, pos);
      }
      switch (codes[i]) {
        case HOST:
          ip = line.slice(pos, stop);
          if (!isHostToken(ip)) return badField(line, 'client address (%h)', pos, stop);
          break;
        case TIMESTAMP:
        case DATE:
          tsStart = pos;
          tsEnd = stop;
          break;
        case TIME:
          if (timeMode === SPLIT) {
            timeStart = pos;
            timeEnd = stop;
          } else {
            tsStart = pos;
            tsEnd = stop;
          }
          break;
        case REQUEST:
          reqStart = pos;
          reqEnd = stop;
          break;
        case METHOD:
          method = line.slice(pos, stop);
          hasMethod = true;
          break;
        case PATH:
          path = line.slice(pos, stop);
          hasPath = true;
          break;
        case QUERY:
          query = line.slice(pos, stop);
          break;
        case PROTOCOL:
          protocol = line.slice(pos, stop);
          hasProtocol = true;
          break;
        case STATUS:
          status = readInt(line, pos, stop, 3);
          if (status < 0) return badField(line, 'status (%s)', pos, stop);
          break;
        case BYTES:
          bytes = readBytes(line, pos, stop);
          if (bytes < 0) return badField(line, 'size (%b)', pos, stop);
          break;
        case REFERRER:
          referrer = line.slice(pos, stop);
          break;
        case UA:
          ua = line.slice(pos, stop);
          break;
        case VHOST:
          vhost = line.slice(pos, stop);
          break;
        case XFF:
          xff = line.slice(pos, stop);
          break;
        case DUR_US:
        case DUR_S:
        case DUR_MS:
        case DUR_NS:
          // A duration that is not a number is dropped, not fatal: no count depends on it.
          duration = stop > pos ? Math.round(+line.slice(pos, stop) * DURATION_TO_MS[codes[i] - DUR_US] * 1000) / 1000 : NaN;
          break;
      }
      pos = stop + sep.length;
    }
    if (exact && pos < end) return unparseable(line, `line does not match the ${label}: unexpected text from column ${pos + 1}`);

    let ts: number;
    if (timeMode === SPLIT) {
      resetDateParts(parts);
      ts = dateFormat.read(line, tsStart, tsEnd, parts) && timeFormat.read(line, timeStart, timeEnd, parts) ? datePartsToEpoch(parts) : NaN;
    } else ts = dateFormat.parse(line, tsStart, tsEnd);
    if (ts !== ts) {
      const text = timeMode === SPLIT ? `${line.slice(tsStart, tsEnd)}" + "${line.slice(timeStart, timeEnd)}` : line.slice(tsStart, Math.min(tsEnd, tsStart + 64));
      const expected = timeMode === SPLIT ? `${dateFormat.source}" + "${timeFormat.source}` : dateFormat.source;
      return new ParseError('bad_timestamp', `timestamp "${text}" does not match "${expected}" or is not a real date`);
    }

    if (reqStart >= 0) {
      splitRequest(line, reqStart, reqEnd);
      if (!hasMethod) method = request.method;
      if (!hasPath) path = request.path;
      if (!hasProtocol) protocol = request.protocol;
    }
    if (!isAbsent(query)) path += query.charCodeAt(0) === 63 /* ? */ ? query : `?${query}`;

    const visit = makeVisit(ts, ip, method, path, protocol, status, bytes, referrer, ua);
    if (!isAbsent(vhost)) visit.vhost = vhost;
    if (!isAbsent(xff)) visit.xff = xff;
    if (duration === duration) visit.durationMs = duration;
    return visit;
  };
}

const DURATION_TO_MS = [1 / 1000, 1000, 1, 1 / 1_000_000];

/** First space or tab at or after `pos`, or `end`. */
function wordEnd(s: string, pos: number, end: number): number {
  for (let i = pos; i < end; i++) {
    const c = s.charCodeAt(i);
    if (c === 32 || c === 9) return i;
  }
  return end;
}

/** Whether s[at] is preceded (back to `from`) by an odd number of backslashes. */
function isEscaped(s: string, at: number, from: number): boolean {
  let k = at - 1;
  while (k >= from && s.charCodeAt(k) === 92) k--;
  return (at - 1 - k) % 2 === 1;
}
