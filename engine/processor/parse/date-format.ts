/**
 * strftime-style timestamp formats (`%d/%b/%Y:%H:%M:%S %z`), compiled once into a list of steps and
 * read with char codes: this runs once per log line, so no Date.parse, no RegExp, no allocation.
 *
 * Browser-safe (no imports): op.parse's spec compiles formats to validate its config.
 *
 * A timestamp without a zone (%z / %Z / %s) is read as UTC, so a replay gives the same result on
 * every machine whatever its local time zone.
 */

export class DateFormatError extends Error {
  constructor(message: string, readonly column: number) {
    super(message);
    this.name = 'DateFormatError';
  }
}

/** Fields collected while reading; one object per parser, reused line after line. */
export interface DateParts {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  ms: number;
  /** Zone offset east of UTC, minutes. */
  offset: number;
  /** 0 = 24-hour clock, 1 = AM, 2 = PM (set by %p). */
  half: number;
  /** Epoch ms when %s was read; NaN otherwise. */
  epoch: number;
}

export const newDateParts = (): DateParts => ({ year: 1970, month: 1, day: 1, hour: 0, minute: 0, second: 0, ms: 0, offset: 0, half: 0, epoch: NaN });

export function resetDateParts(p: DateParts): void {
  p.year = 1970; p.month = 1; p.day = 1; p.hour = 0; p.minute = 0; p.second = 0; p.ms = 0; p.offset = 0; p.half = 0; p.epoch = NaN;
}

export interface DateParser {
  readonly source: string;
  /** Epoch ms of `s.slice(start, end)` (all of it must match), or NaN. */
  parse(s: string, start?: number, end?: number): number;
  /** Reads `s.slice(start, end)` into `parts` (for a date and a time read from two fields). */
  read(s: string, start: number, end: number, parts: DateParts): boolean;
  /** Whether the format reads a time of day (or an epoch), i.e. more than a date. */
  readonly hasTime: boolean;
}

// Step codes. Plain numbers (not an enum) so the interpreter's switch stays a jump table.
const LIT = 0, DAY = 1, DAY_SPACE = 2, MONTH = 3, MON_ABBR = 4, MON_NAME = 5, YEAR4 = 6, YEAR2 = 7;
const HOUR = 8, HOUR12 = 9, MINUTE = 10, SECOND = 11, FRACTION = 12, ZONE = 13, ZONE_NAME = 14, EPOCH = 15;
const WEEKDAY = 16, AMPM = 17;

const SPECIFIERS: Record<string, number | string> = {
  d: DAY, e: DAY_SPACE, m: MONTH, b: MON_ABBR, h: MON_ABBR, B: MON_NAME, Y: YEAR4, y: YEAR2,
  H: HOUR, I: HOUR12, M: MINUTE, S: SECOND, f: FRACTION, z: ZONE, Z: ZONE_NAME, s: EPOCH,
  a: WEEKDAY, A: WEEKDAY, p: AMPM,
  // Shorthands, expanded at compile time.
  T: '%H:%M:%S', D: '%m/%d/%y', F: '%Y-%m-%d', R: '%H:%M',
};
const TIME_STEPS = new Set([HOUR, HOUR12, MINUTE, SECOND, FRACTION, EPOCH]);

export const supportedDateSpecifiers = Object.keys(SPECIFIERS).map((k) => `%${k}`).join(' ');

const MONTH_NAMES = ['january', 'february', 'march', 'april', 'may', 'june', 'july', 'august', 'september', 'october', 'november', 'december'];
/** Three lower-cased letters packed into one number → month 1..12. */
const MONTH_BY_ABBR = new Map(MONTH_NAMES.map((n, i) => [(n.charCodeAt(0) << 16) | (n.charCodeAt(1) << 8) | n.charCodeAt(2), i + 1]));

export function compileDateFormat(format: string): DateParser {
  const ops: number[] = [];
  const lits: string[] = [];
  const expand = (fmt: string, column: number) => {
    for (let i = 0; i < fmt.length; i++) {
      const c = fmt[i];
      if (c !== '%') {
        if (ops.length && ops[ops.length - 1] === LIT) lits[lits.length - 1] += c;
        else (ops.push(LIT), lits.push(c));
        continue;
      }
      const k = fmt[i + 1];
      const at = column || i + 1;
      if (k === undefined) throw new DateFormatError(`"%" at column ${at} ends the format; write %% for a literal percent sign`, at);
      i++;
      if (k === '%') {
        if (ops.length && ops[ops.length - 1] === LIT) lits[lits.length - 1] += '%';
        else (ops.push(LIT), lits.push('%'));
        continue;
      }
      const spec = SPECIFIERS[k];
      if (spec === undefined) throw new DateFormatError(`unknown specifier %${k} at column ${at}; supported: ${supportedDateSpecifiers}`, at);
      if (typeof spec === 'string') expand(spec, at);
      else (ops.push(spec), lits.push(''));
    }
  };
  expand(format, 0);
  if (!ops.length) throw new DateFormatError('the format is empty; the default is %d/%b/%Y:%H:%M:%S %z', 1);
  const hasTime = ops.some((op) => TIME_STEPS.has(op));
  const litCodes = lits.map((l) => l.charCodeAt(0));
  const own = newDateParts();

  const read = (s: string, start: number, end: number, p: DateParts): boolean => {
    let pos = start;
    for (let k = 0; k < ops.length; k++) {
      const op = ops[k];
      if (op === LIT) {
        const lit = lits[k];
        // Most literals are one separator char: compare the code, skip startsWith's generality.
        if (lit.length === 1 ? pos >= end || s.charCodeAt(pos) !== litCodes[k] : pos + lit.length > end || !s.startsWith(lit, pos)) return false;
        pos += lit.length;
        continue;
      }
      let v = 0;
      switch (op) {
        case DAY_SPACE:
          if (pos < end && s.charCodeAt(pos) === 32) pos++;
        // falls through
        case DAY:
          if ((v = readNum(s, pos, end, 1, 2)) < 0) return false;
          p.day = v;
          break;
        case MONTH:
          if ((v = readNum(s, pos, end, 1, 2)) < 0) return false;
          p.month = v;
          break;
        case MON_ABBR: {
          if (pos + 3 > end) return false;
          const m = MONTH_BY_ABBR.get(((s.charCodeAt(pos) | 32) << 16) | ((s.charCodeAt(pos + 1) | 32) << 8) | (s.charCodeAt(pos + 2) | 32));
          if (m === undefined) return false;
          p.month = m;
          cursor = pos + 3;
          break;
        }
        case MON_NAME: {
          const m = readMonthName(s, pos, end);
          if (m < 0) return false;
          p.month = m;
          break;
        }
        case YEAR4:
          if ((v = readNum(s, pos, end, 4, 4)) < 0) return false;
          p.year = v;
          break;
        case YEAR2:
          if ((v = readNum(s, pos, end, 2, 2)) < 0) return false;
          p.year = v < 69 ? 2000 + v : 1900 + v; // POSIX strptime's pivot
          break;
        case HOUR:
        case HOUR12:
          if ((v = readNum(s, pos, end, 1, 2)) < 0) return false;
          p.hour = v;
          break;
        case MINUTE:
          if ((v = readNum(s, pos, end, 1, 2)) < 0) return false;
          p.minute = v;
          break;
        case SECOND:
          if ((v = readNum(s, pos, end, 1, 2)) < 0) return false;
          p.second = v;
          break;
        case FRACTION:
          if ((v = readFraction(s, pos, end)) < 0) return false;
          p.ms = v;
          break;
        case ZONE:
          if ((v = readZone(s, pos, end)) === NO_ZONE) return false;
          p.offset = v;
          break;
        case ZONE_NAME:
          if (!readZoneName(s, pos, end)) return false;
          p.offset = 0;
          break;
        case EPOCH:
          if ((v = readEpoch(s, pos, end)) < 0) return false;
          p.epoch = v;
          break;
        case WEEKDAY:
          // Named weekdays carry nothing the date does not; skip the letters.
          cursor = pos;
          while (cursor < end && isLetter(s.charCodeAt(cursor))) cursor++;
          if (cursor === pos) return false;
          break;
        case AMPM: {
          if (pos + 2 > end || (s.charCodeAt(pos + 1) | 32) !== 109 /* m */) return false;
          const c = s.charCodeAt(pos) | 32;
          if (c !== 97 /* a */ && c !== 112 /* p */) return false;
          p.half = c === 97 ? 1 : 2;
          cursor = pos + 2;
          break;
        }
      }
      pos = cursor;
    }
    return pos === end;
  };

  return {
    source: format,
    hasTime,
    read,
    parse(s, start = 0, end = s.length) {
      resetDateParts(own);
      return read(s, start, end, own) ? datePartsToEpoch(own) : NaN;
    },
  };
}

/** Epoch ms of validated parts, or NaN for impossible dates (31 Feb, 25:00). */
export function datePartsToEpoch(p: DateParts): number {
  if (p.epoch === p.epoch) return p.epoch; // %s wins; (x === x) is false only for NaN
  let hour = p.hour;
  if (p.half !== 0) {
    if (hour < 1 || hour > 12) return NaN;
    hour = (hour % 12) + (p.half === 2 ? 12 : 0);
  }
  const { year, month, day, minute, second } = p;
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return NaN;
  if (hour > 23 || minute > 59 || second > 60) return NaN; // 60: a leap second, rolls into the next minute
  return (daysFromCivil(year, month, day) * 86_400 + hour * 3600 + minute * 60 + second - p.offset * 60) * 1000 + p.ms;
}

/** Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm). */
export function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month > 2 ? month - 3 : month + 9) + 2) / 5) + day - 1;
  return era * 146_097 + yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy - 719_468;
}

const daysInMonth = (y: number, m: number) =>
  m === 2 ? ((y % 4 === 0 && y % 100 !== 0) || y % 400 === 0 ? 29 : 28) : m === 4 || m === 6 || m === 9 || m === 11 ? 30 : 31;

// The readers below return their value and leave the position after it in `cursor`: two results
// without allocating a tuple per field. Parsing is synchronous, so one module-level slot is enough.
let cursor = 0;

/** An unsigned integer of min..max digits, or -1. */
function readNum(s: string, pos: number, end: number, min: number, max: number): number {
  let v = 0;
  let n = 0;
  while (n < max && pos + n < end) {
    const c = s.charCodeAt(pos + n) - 48;
    if (c < 0 || c > 9) break;
    v = v * 10 + c;
    n++;
  }
  if (n < min) return -1;
  cursor = pos + n;
  return v;
}

/** Digits after a decimal point → ms (extra precision is cut, not rounded, like strptime). */
function readFraction(s: string, pos: number, end: number): number {
  let v = 0;
  let n = 0;
  while (pos + n < end) {
    const c = s.charCodeAt(pos + n) - 48;
    if (c < 0 || c > 9) break;
    if (n < 3) v = v * 10 + c;
    n++;
  }
  if (n === 0) return -1;
  for (let k = n; k < 3; k++) v *= 10;
  cursor = pos + n;
  return v;
}

/** Seconds since the epoch, optionally with a fraction (nginx $msec: `1704067200.123`) → ms. */
function readEpoch(s: string, pos: number, end: number): number {
  const sec = readNum(s, pos, end, 1, 12);
  if (sec < 0) return -1;
  let ms = 0;
  if (cursor < end && s.charCodeAt(cursor) === 46 /* . */) {
    ms = readFraction(s, cursor + 1, end);
    if (ms < 0) return -1;
  }
  return sec * 1000 + ms;
}

const NO_ZONE = 100_000;

/** `Z`, `+hhmm`, `+hh:mm` or `+hh` → minutes east of UTC; NO_ZONE when it is none of those. */
function readZone(s: string, pos: number, end: number): number {
  if (pos >= end) return NO_ZONE;
  const c = s.charCodeAt(pos);
  if (c === 90 /* Z */) {
    cursor = pos + 1;
    return 0;
  }
  if (c !== 43 /* + */ && c !== 45 /* - */) return NO_ZONE;
  const hh = readNum(s, pos + 1, end, 2, 2);
  if (hh < 0 || hh > 18) return NO_ZONE;
  // Minutes are optional (`+08`), as is the colon (`+08:00`, nginx $time_iso8601).
  const afterHours = cursor;
  const at = afterHours < end && s.charCodeAt(afterHours) === 58 /* : */ ? afterHours + 1 : afterHours;
  let mm = 0;
  const d = at < end ? s.charCodeAt(at) - 48 : -1;
  if (d >= 0 && d <= 9) {
    mm = readNum(s, at, end, 2, 2);
    if (mm < 0 || mm > 59) return NO_ZONE;
  } else cursor = afterHours;
  const minutes = hh * 60 + mm;
  return c === 45 ? -minutes : minutes;
}

/** `UTC`, `GMT` or `Z`: the only zone names that mean one thing everywhere. */
function readZoneName(s: string, pos: number, end: number): boolean {
  if (s.startsWith('UTC', pos) || s.startsWith('GMT', pos)) cursor = pos + 3;
  else if (s.startsWith('Z', pos)) cursor = pos + 1;
  else return false;
  return cursor <= end;
}

function readMonthName(s: string, pos: number, end: number): number {
  let stop = pos;
  while (stop < end && isLetter(s.charCodeAt(stop))) stop++;
  const m = MONTH_NAMES.indexOf(s.slice(pos, stop).toLowerCase()) + 1;
  if (m === 0) return -1;
  cursor = stop;
  return m;
}

const isLetter = (c: number) => (c | 32) >= 97 && (c | 32) <= 122;
