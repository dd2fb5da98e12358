/**
 * Java `.properties` syntax (java.util.Properties#load), which is what Flume reads: `#`/`!`
 * comment lines, `key = value`, `key: value` or `key value`, a line ending in an odd number of
 * backslashes continues on the next one (its leading whitespace dropped), and escapes
 * (`\t \n \r \f \uXXXX`, any other `\c` is `c`). Pure: no I/O, runs in the browser too.
 */

export interface PropertyEntry {
  key: string;
  value: string;
  /** 1-based line where the logical line starts. */
  line: number;
}

export interface PropertiesProblem {
  line: number;
  key: string;
  message: string;
}

export function parseProperties(text: string): { entries: PropertyEntry[]; problems: PropertiesProblem[] } {
  const lines = text.replace(/^\uFEFF/, '').split(/\r\n|\r|\n/);
  const entries: PropertyEntry[] = [];
  const problems: PropertiesProblem[] = [];
  for (let i = 0; i < lines.length; i++) {
    const start = i;
    let logical = lines[i].replace(/^[ \t\f]+/, '');
    if (logical === '' || logical[0] === '#' || logical[0] === '!') continue;
    while (endsWithOddBackslashes(logical) && i + 1 < lines.length) {
      i++;
      logical = logical.slice(0, -1) + lines[i].replace(/^[ \t\f]+/, '');
    }
    if (endsWithOddBackslashes(logical)) logical = logical.slice(0, -1); // continuation at end of file
    const { key, value, bad } = splitLogicalLine(logical);
    for (const b of bad) problems.push({ line: start + 1, key, message: b });
    entries.push({ key, value, line: start + 1 });
  }
  return { entries, problems };
}

function endsWithOddBackslashes(s: string): boolean {
  let n = 0;
  for (let i = s.length - 1; i >= 0 && s[i] === '\\'; i--) n++;
  return n % 2 === 1;
}

function splitLogicalLine(s: string): { key: string; value: string; bad: string[] } {
  let i = 0;
  while (i < s.length) {
    const c = s[i];
    if (c === '\\') i += 2;
    else if (c === '=' || c === ':' || c === ' ' || c === '\t' || c === '\f') break;
    else i++;
  }
  const rawKey = s.slice(0, Math.min(i, s.length));
  let j = i;
  while (j < s.length && (s[j] === ' ' || s[j] === '\t' || s[j] === '\f')) j++;
  if (j < s.length && (s[j] === '=' || s[j] === ':')) j++;
  while (j < s.length && (s[j] === ' ' || s[j] === '\t' || s[j] === '\f')) j++;
  const bad: string[] = [];
  const key = unescape(rawKey, bad);
  const value = unescape(s.slice(j), bad);
  return { key, value, bad };
}

function unescape(s: string, bad: string[]): string {
  if (!s.includes('\\')) return s;
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c !== '\\') {
      out += c;
      continue;
    }
    const n = s[++i];
    if (n === undefined) break;
    if (n === 't') out += '\t';
    else if (n === 'n') out += '\n';
    else if (n === 'r') out += '\r';
    else if (n === 'f') out += '\f';
    else if (n === 'u') {
      const hex = s.slice(i + 1, i + 5);
      if (/^[0-9a-fA-F]{4}$/.test(hex)) {
        out += String.fromCharCode(parseInt(hex, 16));
        i += 4;
      } else {
        bad.push(`malformed \\uXXXX escape "\\u${hex}"`);
      }
    } else out += n;
  }
  return out;
}

/** A key as `.properties` text: separators, comment marks and whitespace escaped. */
export function escapeKey(key: string): string {
  return escapeCommon(key).replace(/[=: #!]/g, (c) => `\\${c}`);
}

/** A value as `.properties` text: leading whitespace kept by escaping it. */
export function escapeValue(value: string): string {
  const escaped = escapeCommon(value);
  return escaped.replace(/^[ ]/, '\\ ');
}

function escapeCommon(s: string): string {
  let out = '';
  for (const c of s) {
    if (c === '\\') out += '\\\\';
    else if (c === '\t') out += '\\t';
    else if (c === '\n') out += '\\n';
    else if (c === '\r') out += '\\r';
    else if (c === '\f') out += '\\f';
    else out += c;
  }
  return out;
}
