/**
 * Writes a page view as an Apache/nginx combined log line, so the stream processor's existing
 * `op.parse` (format "combined") reads a beacon exactly like a line from a web server's log:
 *
 *   IP - - [dd/Mon/yyyy:HH:mm:ss +0000] "GET /path?query HTTP/1.1" 200 0 "referrer" "UA"
 */

export interface PageViewLine {
  /** Client address; anything that is not a host token is written as `-`. */
  ip: string;
  /** Epoch ms; written in UTC. */
  time: number;
  /** Path and query as sent on the wire (percent-encoded), e.g. `/news/a?x=1`. */
  target: string;
  referrer?: string;
  userAgent?: string;
  method?: string;
  status?: number;
  bytes?: number;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const pad2 = (n: number) => (n < 10 ? `0${n}` : String(n));

/** `10/Oct/2000:13:55:36 +0000` (Apache's %t without the brackets), in UTC. */
export function apacheTime(ms: number): string {
  const d = new Date(ms);
  return `${pad2(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:${pad2(d.getUTCHours())}:${pad2(d.getUTCMinutes())}:${pad2(d.getUTCSeconds())} +0000`;
}

/**
 * Escapes a value for a quoted log field the way Apache's ap_escape_logitem does: `"` → `\"`,
 * `\` → `\\`, control characters → `\xhh`. The parser skips `\"` when it looks for the closing
 * quote, so whatever a browser sends cannot end the field early or start a second line.
 * Empty → `-` (Apache's "absent").
 */
export function escapeLogField(value: string | undefined): string {
  if (!value) return '-';
  let out = '';
  let from = 0;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    let rep: string | undefined;
    if (c === 34) rep = '\\"';
    else if (c === 92) rep = '\\\\';
    else if (c < 32 || c === 127) rep = `\\x${c.toString(16).padStart(2, '0')}`;
    // A lone surrogate would become U+FFFD on the way to UTF-8: the line would not round-trip.
    else if (c >= 0xd800 && c <= 0xdfff) {
      const pair = c <= 0xdbff && i + 1 < value.length && value.charCodeAt(i + 1) >= 0xdc00 && value.charCodeAt(i + 1) <= 0xdfff;
      if (pair) {
        i++;
        continue;
      }
      rep = '?';
    }
    if (rep === undefined) continue;
    out += value.slice(from, i) + rep;
    from = i + 1;
  }
  return from === 0 ? value : out + value.slice(from);
}

/** The request target must be one token without quotes or spaces; percent-encode what is not. */
function safeTarget(target: string): string {
  if (!target.startsWith('/')) target = `/${target}`;
  return target.replace(/[\u0000-\u0020"\\\u007f-\u{10ffff}]/gu, (ch) => {
    try {
      return encodeURIComponent(ch);
    } catch {
      return '%EF%BF%BD'; // a lone surrogate
    }
  });
}

const HOST_TOKEN = /^[0-9A-Za-z.:_%-]{1,255}$/;

export function formatCombinedLine(v: PageViewLine): string {
  const ip = HOST_TOKEN.test(v.ip) ? v.ip : '-';
  const request = `${v.method ?? 'GET'} ${safeTarget(v.target)} HTTP/1.1`;
  return `${ip} - - [${apacheTime(v.time)}] "${request}" ${v.status ?? 200} ${v.bytes ?? 0} "${escapeLogField(v.referrer)}" "${escapeLogField(v.userAgent)}"`;
}
