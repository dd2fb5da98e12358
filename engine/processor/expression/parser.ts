import { compileUserRegex } from './regex';
import { ExpressionError, tokenize, type Token } from './lexer';

/**
 * A small, safe language for filtering visits, parsed once when the config is checked:
 *
 *   expr    := and ('||' and)*
 *   and     := unary ('&&' unary)*
 *   unary   := '!' unary | '(' expr ')' | test
 *   test    := operand ('==' | '!=' | '<' | '<=' | '>' | '>=') operand
 *            | operand ('~' | '!~') (string | /regex/flags)
 *            | operand 'in' '[' literal (',' literal)* ']'
 *   operand := field | number | string
 *
 * e.g. `status >= 400 && path ~ "^/api/" && !(country in ["CN", "US"])`.
 * `!` applies to the test after it (`!status == 200` is `!(status == 200)`). Types are checked
 * here, so a running filter never compares a number with a string. No eval, no Function.
 */

export const expressionFields = {
  status: 'number',
  bytes: 'number',
  method: 'string',
  path: 'string',
  protocol: 'string',
  ip: 'string',
  ua: 'string',
  referrer: 'string',
  vhost: 'string',
  xff: 'string',
  module: 'string',
  country: 'string',
  region: 'string',
  city: 'string',
  browser: 'string',
  os: 'string',
  device: 'string',
} as const;
export type ExpressionField = keyof typeof expressionFields;
type ValueType = 'number' | 'string';

export type Operand = { kind: 'field'; name: ExpressionField } | { kind: 'literal'; value: string | number };

export type Expr =
  | { kind: 'or' | 'and'; left: Expr; right: Expr }
  | { kind: 'not'; expr: Expr }
  | { kind: 'compare'; op: '==' | '!=' | '<' | '<=' | '>' | '>='; left: Operand; right: Operand }
  | { kind: 'match'; negate: boolean; left: Operand; pattern: string; flags: string }
  | { kind: 'in'; left: Operand; values: (string | number)[] };

const COMPARISONS = new Set(['==', '!=', '<', '<=', '>', '>=']);
const MAX_DEPTH = 64;

const shown = (t: Token) =>
  t.kind === 'end' ? 'end of expression' : t.kind === 'string' ? JSON.stringify(t.text) : t.kind === 'regex' ? `/${t.text}/` : `"${t.text}"`;

/** Throws ExpressionError saying what was expected, where (1-based column), and what was found. */
export function parseExpression(src: string): Expr {
  const tokens = tokenize(src);
  let at = 0;
  let depth = 0;
  const peek = () => tokens[at];
  const isOp = (text: string) => peek().kind === 'op' && peek().text === text;
  const fail = (expected: string, t = peek()): never => {
    throw new ExpressionError(`expected ${expected} at column ${t.column}, found ${shown(t)}`, t.column);
  };
  const expectOp = (text: string) => (isOp(text) ? tokens[at++] : fail(`"${text}"`));

  const orExpr = (): Expr => {
    let left = andExpr();
    while (isOp('||')) {
      at++;
      left = { kind: 'or', left, right: andExpr() };
    }
    return left;
  };
  const andExpr = (): Expr => {
    let left = unary();
    while (isOp('&&')) {
      at++;
      left = { kind: 'and', left, right: unary() };
    }
    return left;
  };
  const unary = (): Expr => {
    if (++depth > MAX_DEPTH) throw new ExpressionError(`expression nests deeper than ${MAX_DEPTH} levels at column ${peek().column}`, peek().column);
    try {
      if (isOp('!')) {
        at++;
        return { kind: 'not', expr: unary() };
      }
      if (isOp('(')) {
        at++;
        const inner = orExpr();
        expectOp(')');
        return inner;
      }
      return test();
    } finally {
      depth--;
    }
  };
  const test = (): Expr => {
    const left = operand();
    const t = peek();
    if (t.kind === 'op' && COMPARISONS.has(t.text)) {
      at++;
      const right = operand();
      const [lt, rt] = [typeOf(left), typeOf(right)];
      if (lt !== rt) throw new ExpressionError(`cannot compare ${describe(left)} (a ${lt}) with ${describe(right)} (a ${rt}) at column ${t.column}`, t.column);
      return { kind: 'compare', op: t.text as '==', left, right };
    }
    if (t.kind === 'op' && (t.text === '~' || t.text === '!~')) {
      at++;
      if (typeOf(left) !== 'string') throw new ExpressionError(`${describe(left)} is a number; ~ matches text at column ${t.column}`, t.column);
      const r = peek();
      if (r.kind !== 'string' && r.kind !== 'regex') fail('a regular expression ("…" or /…/)');
      at++;
      const flags = r.flags ?? '';
      if (/[^imsu]/.test(flags)) throw new ExpressionError(`regular expression flag "${flags.replace(/[imsu]/g, '')}" at column ${r.column} is not allowed; use i, m, s or u`, r.column);
      const compiled = compileUserRegex(r.text, flags);
      if (!compiled.ok) throw new ExpressionError(`regular expression at column ${r.column} ${compiled.message}`, r.column);
      return { kind: 'match', negate: t.text === '!~', left, pattern: r.text, flags };
    }
    if (t.kind === 'ident' && t.text === 'in') {
      at++;
      expectOp('[');
      const values: (string | number)[] = [];
      const want = typeOf(left);
      while (!isOp(']')) {
        if (values.length) expectOp(',');
        const v = peek();
        if (v.kind !== 'string' && v.kind !== 'number') fail(values.length ? `a ${want}` : `a ${want} or "]"`);
        if (v.kind !== want) throw new ExpressionError(`${describe(left)} is a ${want}; the list item at column ${v.column} is a ${v.kind}`, v.column);
        values.push(v.kind === 'number' ? v.value! : v.text);
        at++;
      }
      at++;
      return { kind: 'in', left, values };
    }
    return fail(`a comparison (==, !=, <, <=, >, >=, ~, !~ or in) after ${describe(left)}`);
  };
  const operand = (): Operand => {
    const t = peek();
    if (t.kind === 'number') return (at++, { kind: 'literal', value: t.value! });
    if (t.kind === 'string') return (at++, { kind: 'literal', value: t.text });
    if (t.kind === 'ident' && t.text !== 'in') {
      if (!Object.hasOwn(expressionFields, t.text)) {
        throw new ExpressionError(`unknown field "${t.text}" at column ${t.column}; fields: ${Object.keys(expressionFields).join(', ')}`, t.column);
      }
      at++;
      return { kind: 'field', name: t.text as ExpressionField };
    }
    return fail('a field name, number or string');
  };

  if (peek().kind === 'end') throw new ExpressionError('the expression is empty', 1);
  const expr = orExpr();
  if (peek().kind !== 'end') fail('&&, || or the end of the expression');
  return expr;
}

const typeOf = (o: Operand): ValueType => (o.kind === 'field' ? expressionFields[o.name] : typeof o.value === 'number' ? 'number' : 'string');
const describe = (o: Operand) => (o.kind === 'field' ? o.name : JSON.stringify(o.value));
