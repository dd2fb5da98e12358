/**
 * Regular expressions that interceptors run on every event body, on the source's put path. Pure and
 * browser-safe: the specs check a pattern with the same function the interceptors compile it with.
 *
 * Guard against catastrophic backtracking, in two parts:
 * - a pattern with a nested quantifier (a repeated group that contains an unbounded quantifier,
 *   like `(a+)+`, `(\w+\s?)*` or `(?:x*y){2,}`) is refused: it can take exponential time on a
 *   line that almost matches. Exact repetition (`(\d+\.){3}`) and `?` are allowed.
 * - the regex sees at most the first `REGEX_INPUT_LIMIT` characters of a body, which bounds the
 *   polynomial cases (`.*a.*b.*c`) the first check lets through.
 * Overlapping alternatives under a quantifier (`(a|a)*`) are not detected.
 */
import { compileUserRegex } from '../../processor/expression/regex';

export const REGEX_INPUT_LIMIT = 16_384;

export type InterceptorRegex = { ok: true; regex: RegExp; groups: number } | { ok: false; message: string };

/**
 * JavaScript syntax, plus Java's leading inline flags `(?i)`, `(?s)`, `(?m)` (common in Flume
 * configs; JavaScript has no inline flags), which become the regex's flags. Compiled once.
 */
export function compileInterceptorRegex(pattern: string): InterceptorRegex {
  const inline = /^\(\?([ims]+)\)/.exec(pattern);
  const compiled = inline ? compileUserRegex(pattern.slice(inline[0].length), [...new Set(inline[1])].join('')) : compileUserRegex(pattern);
  if (!compiled.ok) return { ok: false, message: `"${pattern}" ${compiled.message}` };
  const nested = nestedQuantifier(inline ? pattern.slice(inline[0].length) : pattern);
  if (nested) {
    return {
      ok: false,
      message:
        `"${pattern}" has a nested quantifier "${nested}" (a repeated group that contains +, * or {n,}), ` +
        'which can take exponential time on some lines; rewrite it without the nesting, e.g. (a+)+ as a+',
    };
  }
  return compiled;
}

/** The text the regex may look at. */
export const regexInput = (body: string): string => (body.length > REGEX_INPUT_LIMIT ? body.slice(0, REGEX_INPUT_LIMIT) : body);

interface Quantifier {
  length: number;
  unbounded: boolean;
  /** Repeats more than once, by a varying count: *, +, {n,}, {n,m} with m > n and m > 1. */
  repeats: boolean;
}

function quantifierAt(p: string, i: number): Quantifier | null {
  const c = p[i];
  let q: Quantifier | null = null;
  if (c === '*' || c === '+') q = { length: 1, unbounded: true, repeats: true };
  else if (c === '?') q = { length: 1, unbounded: false, repeats: false };
  else if (c === '{') {
    const m = /^\{(\d+)(,(\d*))?\}/.exec(p.slice(i, i + 24));
    if (!m) return null; // a literal "{" outside the u flag
    const min = Number(m[1]);
    const max = m[2] === undefined ? min : m[3] === '' ? Infinity : Number(m[3]);
    q = { length: m[0].length, unbounded: max === Infinity, repeats: max > min && max > 1 };
  }
  if (q && p[i + q.length] === '?') q.length++; // lazy
  return q;
}

/** The first nested quantifier in a (valid) pattern, as written, or null. */
export function nestedQuantifier(p: string): string | null {
  // Per open group: where it starts, and whether it contains an unbounded quantifier.
  const stack: { start: number; unbounded: boolean }[] = [];
  let inClass = false;
  let i = 0;
  const markParent = () => {
    if (stack.length) stack[stack.length - 1].unbounded = true;
  };
  while (i < p.length) {
    const c = p[i];
    if (c === '\\') {
      i += 2;
      continue;
    }
    if (inClass) {
      if (c === ']') inClass = false;
      i++;
      continue;
    }
    if (c === '[') {
      inClass = true;
      i++;
      continue;
    }
    if (c === '(') {
      stack.push({ start: i, unbounded: false });
      i++;
      if (p[i] === '?') {
        // (?:  (?=  (?!  (?<=  (?<!  (?<name>: the "?" is group syntax, not a quantifier
        i++;
        if (p[i] === '<' && p[i + 1] !== '=' && p[i + 1] !== '!') i = p.indexOf('>', i) + 1;
        else i += p[i] === '<' ? 2 : 1;
      }
      continue;
    }
    if (c === ')') {
      const group = stack.pop();
      i++;
      const q = quantifierAt(p, i);
      if (group && q?.repeats && group.unbounded) return p.slice(group.start, i + q.length);
      if (group?.unbounded || q?.unbounded) markParent();
      if (q) i += q.length;
      continue;
    }
    const q = quantifierAt(p, i);
    if (q) {
      if (q.unbounded) markParent();
      i += q.length;
      continue;
    }
    i++;
  }
  return null;
}
