import { compileDateFormat, type DateParser } from './date-format';
import { isAbsent, isHostToken, makeVisit, ParseError, readBytes, readInt, request, splitRequest, type LineParser } from './fields';

/**
 * One JSON object per line, as nginx writes with `log_format x escape=json '{...}'`. Keys are nginx
 * variable names unless the user maps a field to another key.
 */

export const jsonFields = ['ip', 'time', 'request', 'method', 'uri', 'query', 'protocol', 'status', 'bytes', 'referrer', 'ua', 'xff', 'vhost', 'duration'] as const;
export type JsonField = (typeof jsonFields)[number];

/** Keys tried in order for each field when it is not mapped. */
export const nginxJsonDefaults: Record<JsonField, readonly string[]> = {
  ip: ['remote_addr'],
  time: ['time_local', 'time_iso8601', 'msec'],
  request: ['request'],
  method: ['request_method', 'method'],
  uri: ['request_uri', 'uri'],
  query: ['args', 'query_string'],
  protocol: ['server_protocol', 'protocol'],
  status: ['status'],
  bytes: ['body_bytes_sent', 'bytes_sent'],
  referrer: ['http_referer'],
  ua: ['http_user_agent'],
  xff: ['http_x_forwarded_for'],
  vhost: ['host', 'server_name'],
  duration: ['request_time'],
};

// nginx's own time variables have fixed formats, whatever the user's dateFormat says.
const NGINX_TIME: Record<string, DateParser[]> = {
  time_local: [compileDateFormat('%d/%b/%Y:%H:%M:%S %z')],
  time_iso8601: [compileDateFormat('%Y-%m-%dT%H:%M:%S%z'), compileDateFormat('%Y-%m-%dT%H:%M:%S.%f%z')],
  msec: [compileDateFormat('%s')],
};

export interface NginxJsonOptions {
  /** Fields read from another key than nginx's variable name. */
  fields: readonly { field: JsonField; key: string }[];
  /** How a mapped `time` key's text is written (numbers are epoch seconds). */
  dateFormat: DateParser;
}

type Json = Record<string, unknown>;

export function createNginxJsonParser(opts: NginxJsonOptions): LineParser {
  const keys = { ...nginxJsonDefaults } as Record<JsonField, readonly string[]>;
  for (const { field, key } of opts.fields) keys[field] = [key];
  const mappedTime = opts.fields.some((m) => m.field === 'time');
  const timeParsers = keys.time.map((k) => (mappedTime ? [opts.dateFormat] : NGINX_TIME[k]));
  const fail = (reason: string) => new ParseError('unparseable_line', `line does not match the nginx-json format: ${reason}`);
  const named = (f: JsonField) => keys[f].map((k) => `"${k}"`).join(' or ');

  return (line) => {
    let obj: unknown;
    try {
      obj = JSON.parse(line);
    } catch (e) {
      return fail(`not JSON (${(e as Error).message})`);
    }
    if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) return fail('not a JSON object');
    const o = obj as Json;

    const ip = text(o, keys.ip);
    if (ip === undefined) return fail(`no ${named('ip')} field`);
    if (!isHostToken(ip)) return fail(`client address ${JSON.stringify(ip.slice(0, 64))} is not valid`);

    let ts = NaN;
    let timeText: unknown;
    for (let i = 0; i < keys.time.length && timeText === undefined; i++) {
      const v = o[keys.time[i]];
      // Epoch seconds; past year 9999 it is not a time but a corrupt number.
      if (typeof v === 'number') ts = v >= 0 && v < 253_402_300_800 ? Math.round(v * 1000) : NaN;
      else if (typeof v === 'string') {
        const parsers = timeParsers[i] ?? [];
        for (let k = 0; k < parsers.length && ts !== ts; k++) ts = parsers[k].parse(v);
      } else continue;
      timeText = v;
    }
    if (timeText === undefined) return fail(`no ${named('time')} field`);
    if (ts !== ts) return new ParseError('bad_timestamp', `timestamp ${JSON.stringify(String(timeText).slice(0, 64))} is not a valid time`);

    let method: string, path: string, protocol: string;
    const req = text(o, keys.request);
    if (req !== undefined) {
      splitRequest(req, 0, req.length);
      ({ method, path, protocol } = request);
    } else {
      const uri = text(o, keys.uri);
      if (uri === undefined) return fail(`no ${named('request')} or ${named('uri')} field`);
      path = uri;
      const q = text(o, keys.query);
      if (!isAbsent(q) && !uri.includes('?')) path += `?${q}`;
      method = text(o, keys.method) ?? '-';
      protocol = text(o, keys.protocol) ?? '';
    }

    const statusText = text(o, keys.status);
    const status = statusText === undefined ? -1 : readInt(statusText, 0, statusText.length, 3);
    if (status < 0) return fail(statusText === undefined ? `no ${named('status')} field` : `status ${JSON.stringify(statusText.slice(0, 64))} is not valid`);
    const bytesText = text(o, keys.bytes);
    const bytes = bytesText === undefined ? 0 : readBytes(bytesText, 0, bytesText.length);
    if (bytes < 0) return fail(`size ${JSON.stringify(bytesText!.slice(0, 64))} is not valid`);

    const visit = makeVisit(ts, ip, method, path, protocol, status, bytes, text(o, keys.referrer) ?? '-', text(o, keys.ua) ?? '');
    const vhost = text(o, keys.vhost);
    if (!isAbsent(vhost)) visit.vhost = vhost;
    const xff = text(o, keys.xff);
    if (!isAbsent(xff)) visit.xff = xff;
    const durationText = text(o, keys.duration);
    const duration = durationText ? Number(durationText) : NaN;
    if (Number.isFinite(duration)) visit.durationMs = Math.round(duration * 1_000_000) / 1000; // nginx: seconds with ms resolution
    return visit;
  };
}

/** The first of `keys` holding a string or a number, as text. */
function text(o: Json, keys: readonly string[]): string | undefined {
  for (let i = 0; i < keys.length; i++) {
    const v = o[keys[i]];
    if (typeof v === 'string') return v;
    if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  }
  return undefined;
}
