import type { Visit } from '../records';
import { parseExpression, type Expr, type Operand } from './parser';

export type VisitPredicate = (v: Visit) => boolean;
type Getter = (v: Visit) => string | number;

/**
 * Turns a parsed expression into nested closures, built once per operator; evaluating one is a few
 * calls and compares, with no allocation. A field that an upstream operator did not set (country
 * before GeoIP) reads as "" (or 0 for numbers), so filters never throw on a missing field.
 */
export function compileExpression(src: string): VisitPredicate {
  return build(parseExpression(src));
}

function build(e: Expr): VisitPredicate {
  switch (e.kind) {
    case 'or': {
      const [l, r] = [build(e.left), build(e.right)];
      return (v) => l(v) || r(v);
    }
    case 'and': {
      const [l, r] = [build(e.left), build(e.right)];
      return (v) => l(v) && r(v);
    }
    case 'not': {
      const inner = build(e.expr);
      return (v) => !inner(v);
    }
    case 'compare': {
      const [l, r] = [getter(e.left), getter(e.right)];
      switch (e.op) {
        case '==':
          return (v) => l(v) === r(v);
        case '!=':
          return (v) => l(v) !== r(v);
        case '<':
          return (v) => l(v) < r(v);
        case '<=':
          return (v) => l(v) <= r(v);
        case '>':
          return (v) => l(v) > r(v);
        case '>=':
          return (v) => l(v) >= r(v);
      }
      break;
    }
    case 'match': {
      const l = getter(e.left);
      const re = new RegExp(e.pattern, e.flags);
      return e.negate ? (v) => !re.test(String(l(v))) : (v) => re.test(String(l(v)));
    }
    case 'in': {
      const l = getter(e.left);
      const set = new Set<string | number>(e.values);
      return (v) => set.has(l(v));
    }
  }
  throw new Error(`unknown expression node ${(e as Expr).kind}`);
}

function getter(o: Operand): Getter {
  if (o.kind === 'literal') {
    const value = o.value;
    return () => value;
  }
  const name = o.name;
  if (name === 'status' || name === 'bytes') return (v) => v[name] ?? 0;
  return (v) => v[name] ?? '';
}
