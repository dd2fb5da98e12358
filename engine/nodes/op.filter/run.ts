import { compileExpression, type VisitPredicate } from '../../processor/expression/compile';
import { compileUserRegex } from '../../processor/expression/regex';
import type { Operator } from '../../processor/operator';
import type { Visit } from '../../processor/records';
import type { NodeRef } from '../../spec/plan';
// The pattern op.useragent flags bots with, so a filter before op.useragent judges alike.
import { BOT } from '../../processor/lookup/useragent';
import { filterSpec, type FilterConfig } from './spec';

/** Lower-cased extension of the path's last segment, ignoring query and fragment; '' when none. */
export function extensionOf(path: string): string {
  let end = path.length;
  const q = path.indexOf('?');
  if (q >= 0) end = q;
  const h = path.indexOf('#');
  if (h >= 0 && h < end) end = h;
  const dot = path.lastIndexOf('.', end - 1);
  if (dot < 0 || dot < path.lastIndexOf('/', end - 1)) return '';
  return path.slice(dot + 1, end).toLowerCase();
}

const regexOf = (pattern: string, field: string): RegExp => {
  const r = compileUserRegex(pattern);
  if (!r.ok) throw new Error(`op.filter ${field} ${r.message}`);
  return r.regex;
};

/** Every configured condition as one predicate each; a visit is kept when all hold. */
function conditions(c: FilterConfig): VisitPredicate[] {
  const checks: VisitPredicate[] = [];
  if (c.statuses.length) {
    const codes = new Set(c.statuses.filter((s) => !/x/i.test(s)).map(Number));
    const classes = new Set(c.statuses.filter((s) => /x/i.test(s)).map((s) => Number(s[0])));
    checks.push((v) => codes.has(v.status) || classes.has(Math.floor(v.status / 100)));
  }
  if (c.methods.length) {
    const methods = new Set(c.methods.map((m) => m.toUpperCase()));
    checks.push((v) => methods.has(v.method) || methods.has(v.method.toUpperCase()));
  }
  if (c.includePath) {
    const re = regexOf(c.includePath, 'includePath');
    checks.push((v) => re.test(v.path));
  }
  if (c.excludePath) {
    const re = regexOf(c.excludePath, 'excludePath');
    checks.push((v) => !re.test(v.path));
  }
  if (c.excludeStatic && c.staticExtensions.length) {
    const exts = new Set(c.staticExtensions.map((e) => e.replace(/^\./, '').toLowerCase()));
    checks.push((v) => !exts.has(extensionOf(v.path)));
  }
  if (c.excludeBots) checks.push((v) => !(v.bot ?? BOT.test(v.ua)));
  if (c.expression.trim()) checks.push(compileExpression(c.expression));
  return checks;
}

export function createFilter(node: NodeRef): Operator {
  const checks = conditions(filterSpec.config.parse(node.config ?? {}));
  const keep = (v: Visit) => {
    for (let k = 0; k < checks.length; k++) if (!checks[k](v)) return false;
    return true;
  };
  return {
    process(input) {
      const out: Visit[] = [];
      const rejected: Visit[] = [];
      for (let i = 0; i < input.length; i++) {
        const v = input[i] as Visit;
        let kept = false;
        try {
          kept = keep(v);
        } catch {
          // A malformed visit (no path, say) is not kept, and not lost: it leaves on "rejected".
        }
        (kept ? out : rejected).push(v);
      }
      return { out, rejected };
    },
  };
}
