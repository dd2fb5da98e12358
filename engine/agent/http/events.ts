import { randomUUID } from 'node:crypto';
import type { FlumeEvent } from '../types';
import { WeirError } from '../../spec/errors';
import { formatCombinedLine } from './combined-line';

/*
 * The two request bodies source.http understands, each turned into Flume events; a body that does
 * not fit is a 400 naming what to change, never a 500.
 */

const bad = (code: string, message: string, details?: unknown) => new WeirError(code, message, { status: 400, details });

function parseJson(text: string, example: string, contentType = ''): unknown {
  if (!text.trim()) throw bad('empty_body', `The request has no body; send ${example}.`);
  try {
    return JSON.parse(text);
  } catch (e) {
    const type = contentType.split(';')[0].trim().toLowerCase();
    const form = type === 'application/x-www-form-urlencoded' || type === 'multipart/form-data';
    const hint = form ? ` The request says Content-Type ${type}: send the JSON itself as the body (application/json or text/plain), not a form.` : '';
    throw bad('malformed_json', `The body is not valid JSON (${(e as Error).message}); send ${example}.${hint}`);
  }
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const typeName = (v: unknown) => (v === null ? 'null' : Array.isArray(v) ? 'an array' : typeof v);

const JSON_EXAMPLE = 'a JSON array of events like [{"headers": {"host": "web1"}, "body": "one log line"}]';

/** Flume's JSONHandler: `[{ "headers": { "k": "v" }, "body": "..." }, ...]`; headers optional. */
export function parseJsonHandlerBody(text: string, contentType?: string): FlumeEvent[] {
  const value = parseJson(text, JSON_EXAMPLE, contentType);
  if (!Array.isArray(value)) {
    const hint = isObject(value) ? 'wrap the event in an array: [ {...} ]' : `got ${typeName(value)}`;
    throw bad('invalid_events', `The body must be ${JSON_EXAMPLE}; ${hint}.`, { path: '(body)' });
  }
  return value.map((item, i): FlumeEvent => {
    if (!isObject(item)) throw bad('invalid_events', `Event [${i}] must be an object with "headers" and "body"; got ${typeName(item)}.`, { path: `[${i}]` });
    if (typeof item.body !== 'string') {
      throw bad('invalid_events', `Event [${i}] needs "body" as a string (the log line); got ${typeName(item.body)}.`, { path: `[${i}].body` });
    }
    const headers: Record<string, string> = {};
    if (item.headers !== undefined && item.headers !== null) {
      if (!isObject(item.headers)) {
        throw bad('invalid_events', `Event [${i}] "headers" must be an object of string values; got ${typeName(item.headers)}.`, { path: `[${i}].headers` });
      }
      for (const [k, v] of Object.entries(item.headers)) {
        if (typeof v !== 'string') {
          throw bad('invalid_events', `Event [${i}] header "${k}" must be a string (Flume headers are strings); got ${typeName(v)}. Quote it: "${k}": "${String(v)}".`, {
            path: `[${i}].headers.${k}`,
          });
        }
        headers[k] = v;
      }
    }
    return { headers, body: item.body };
  });
}

export interface BeaconContext {
  contentType?: string;
  clientIp: string;
  userAgent: string;
  /** Receipt time (epoch ms): the line's time, as a web server logs its own clock, not the browser's. */
  now: number;
  /** From X-Request-Id when it is a sane token, else random. */
  requestId?: string;
}

const BEACON_EXAMPLE = 'a JSON object like {"url": "https://shop.example/news/1", "referrer": "https://search.example/"} (what weir-beacon.js sends)';
const MAX_URL = 4096;
const MAX_META = 256;
const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export const requestIdFrom = (header: string | undefined): string => (header && REQUEST_ID.test(header) ? header : randomUUID());

function optionalString(body: Record<string, unknown>, key: string): string | undefined {
  const v = body[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw bad('invalid_beacon', `"${key}" must be a string; got ${typeName(v)}.`, { path: key });
  return v;
}

/** A page view `{ url, referrer?, title?, ts?, lang?, screen? }` → one event whose body is a combined log line. */
export function beaconEvent(text: string, ctx: BeaconContext): FlumeEvent {
  const body = parseJson(text, BEACON_EXAMPLE, ctx.contentType);
  if (!isObject(body)) throw bad('invalid_beacon', `The body must be ${BEACON_EXAMPLE}; got ${typeName(body)}.`, { path: '(body)' });
  if (typeof body.url !== 'string' || !body.url) throw bad('invalid_beacon', `"url" is required: the page's address as a string; send ${BEACON_EXAMPLE}.`, { path: 'url' });
  if (body.url.length > MAX_URL) throw bad('invalid_beacon', `"url" is ${body.url.length} characters; at most ${MAX_URL} are accepted.`, { path: 'url' });
  let page: URL;
  try {
    page = new URL(body.url);
  } catch {
    throw bad('invalid_beacon', `"url" must be an absolute URL like https://shop.example/news/1; got ${JSON.stringify(body.url.slice(0, 100))}.`, { path: 'url' });
  }
  if (page.protocol !== 'http:' && page.protocol !== 'https:') {
    throw bad('invalid_beacon', `"url" must be an http or https address; got ${page.protocol} .`, { path: 'url' });
  }
  const referrerText = optionalString(body, 'referrer');
  const title = optionalString(body, 'title');
  const lang = optionalString(body, 'lang');
  const screen = body.screen === undefined || body.screen === null ? undefined : typeof body.screen === 'number' ? String(body.screen) : optionalString(body, 'screen');
  if (body.ts !== undefined && body.ts !== null && (typeof body.ts !== 'number' || !Number.isFinite(body.ts))) {
    throw bad('invalid_beacon', `"ts" must be a number (epoch milliseconds); got ${typeName(body.ts)}.`, { path: 'ts' });
  }
  let referrer = '';
  if (referrerText) {
    try {
      referrer = new URL(referrerText.slice(0, MAX_URL)).href;
    } catch {
      referrer = ''; // browsers send URLs here; anything else is noise, logged as "-"
    }
  }

  const headers: Record<string, string> = {
    host: page.host,
    userAgent: ctx.userAgent,
    clientIp: ctx.clientIp,
    timestamp: String(ctx.now),
    requestId: ctx.requestId ?? randomUUID(),
  };
  if (title) headers.title = title.slice(0, MAX_META);
  if (lang) headers.lang = lang.slice(0, MAX_META);
  if (screen) headers.screen = screen.slice(0, MAX_META);
  if (typeof body.ts === 'number') headers.clientTimestamp = String(Math.trunc(body.ts));
  return {
    headers,
    body: formatCombinedLine({ ip: ctx.clientIp, time: ctx.now, target: page.pathname + page.search, referrer, userAgent: ctx.userAgent }),
  };
}
