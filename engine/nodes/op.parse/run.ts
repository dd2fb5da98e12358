import type { Operator } from '../../processor/operator';
import { parseCombined } from '../../processor/parse-combined';
import { deadLetter, type DeadLetter, type RawRecord, type Visit } from '../../processor/records';
import type { NodeRef } from '../../spec/plan';

export function createParse(node: NodeRef): Operator {
  return {
    process(input) {
      const out: Visit[] = [];
      const dead: DeadLetter[] = [];
      for (const rec of input as RawRecord[]) {
        const r = parseCombined(rec.value);
        if (r.ok) out.push(r.visit);
        else dead.push(deadLetter(node.id, r.code, r.reason, rec.value, rec));
      }
      return { out, dead };
    },
  };
}
