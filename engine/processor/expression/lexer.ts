/**
 * Tokens of the filter expression language. Positions are kept so every error can point at a column.
 * Browser-safe: op.filter's spec parses expressions to validate them.
 */

export class ExpressionError extends Error {
  constructor(message: string, readonly column: number) {
    super(message);
    this.name = 'ExpressionError';
  }
}

export type TokenKind = 'number' | 'string' | 'regex' | 'ident' | 'op' | 'end';

export interface Token {
  kind: TokenKind;
  /** The source text (for op and ident), the decoded value (string), the pattern (regex). */
  text: string;
  value?: number;
  flags?: string;
  /** 1-based column of the token's first character. */
  column: number;
}

// Longest first, so `<=` is not read as `<` then `=`.
const OPERATORS = ['==', '!=', '<=', '>=', '!~', '&&', '||', '<', '>', '~', '!', '(', ')', '[', ']', ','];
const ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', '\\': '\\', '"': '"', "'": "'", '/': '/' };

export function tokenize(src: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i];
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      i++;
      continue;
    }
    const column = i + 1;
    if ((c >= '0' && c <= '9') || (c === '-' && src[i + 1] >= '0' && src[i + 1] <= '9')) {
      const m = /^-?\d+(\.\d+)?/.exec(src.slice(i))!;
      tokens.push({ kind: 'number', text: m[0], value: Number(m[0]), column });
      i += m[0].length;
      continue;
    }
    if (/[A-Za-z_]/.test(c)) {
      const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(src.slice(i))!;
      tokens.push({ kind: 'ident', text: m[0], column });
      i += m[0].length;
      continue;
    }
    if (c === '"' || c === "'") {
      const [value, next] = readQuoted(src, i, c, column);
      tokens.push({ kind: 'string', text: value, column });
      i = next;
      continue;
    }
    if (c === '/') {
      // No division in this language, so a slash always starts a regular expression literal.
      const [pattern, next] = readRegex(src, i, column);
      const flags = /^[a-z]*/.exec(src.slice(next))![0];
      tokens.push({ kind: 'regex', text: pattern, flags, column });
      i = next + flags.length;
      continue;
    }
    const op = OPERATORS.find((o) => src.startsWith(o, i));
    if (!op) {
      const hint = c === '=' ? ' (use == to compare)' : c === '&' || c === '|' ? ` (use ${c}${c})` : '';
      throw new ExpressionError(`unexpected character "${c}" at column ${column}${hint}`, column);
    }
    tokens.push({ kind: 'op', text: op, column });
    i += op.length;
  }
  tokens.push({ kind: 'end', text: '', column: src.length + 1 });
  return tokens;
}

function readQuoted(src: string, start: number, quote: string, column: number): [string, number] {
  let out = '';
  for (let i = start + 1; i < src.length; i++) {
    const c = src[i];
    if (c === quote) return [out, i + 1];
    if (c === '\\') {
      const e = src[i + 1];
      if (e === undefined) break;
      if (!Object.hasOwn(ESCAPES, e)) throw new ExpressionError(`unknown escape "\\${e}" at column ${i + 1}; use \\\\ for a backslash`, i + 1);
      out += ESCAPES[e];
      i++;
      continue;
    }
    out += c;
  }
  throw new ExpressionError(`string starting at column ${column} is not closed with ${quote}`, column);
}

function readRegex(src: string, start: number, column: number): [string, number] {
  let inClass = false;
  for (let i = start + 1; i < src.length; i++) {
    const c = src[i];
    if (c === '\\') {
      i++;
      continue;
    }
    if (c === '[') inClass = true;
    else if (c === ']') inClass = false;
    else if (c === '/' && !inClass) return [src.slice(start + 1, i), i + 1];
  }
  throw new ExpressionError(`regular expression starting at column ${column} is not closed with /`, column);
}
