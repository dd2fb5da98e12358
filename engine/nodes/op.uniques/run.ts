import type { Operator } from '../../processor/operator';
import { privacyHash, type DailySalts } from '../../processor/privacy-hash';
import type { Visit } from '../../processor/records';
import type { UniqueVisitor } from '../../store/view-uniques';
import type { NodeRef } from '../../spec/plan';

const MINUTE = 60_000;
const DAY = 86_400_000;

export function createUniques(node: NodeRef, salts: DailySalts): Operator {
  const excludeBots = node.config.excludeBots !== false;
  return {
    async process(input, ctx) {
      const out: UniqueVisitor[] = [];
      // The salt changes once a day: ask for it (an await) only when the day changes.
      let day = NaN;
      let salt = '';
      for (const v of input as Visit[]) {
        if (excludeBots && v.bot) continue;
        const d = Math.floor(v.ts / DAY);
        if (d !== day) {
          salt = await salts.salt(ctx.pipelineId, v.ts);
          day = d;
        }
        out.push({ windowStart: v.ts - (v.ts % MINUTE), module: v.module ?? 'unknown', hash: privacyHash(salt, v.ip, v.ua) });
      }
      return { out };
    },
  };
}
