import type { Operator } from '../../processor/operator';
import { privacyHash, type DailySalts } from '../../processor/privacy-hash';
import type { Visit } from '../../processor/records';
import type { UniqueVisitor } from '../../store/view-uniques';
import type { NodeRef } from '../../spec/plan';

const MINUTE = 60_000;

export function createUniques(node: NodeRef, salts: DailySalts): Operator {
  const excludeBots = node.config.excludeBots !== false;
  return {
    async process(input, ctx) {
      const out: UniqueVisitor[] = [];
      for (const v of input as Visit[]) {
        if (excludeBots && v.bot) continue;
        const salt = await salts.salt(ctx.pipelineId, v.ts);
        out.push({ windowStart: v.ts - (v.ts % MINUTE), module: v.module ?? 'unknown', hash: privacyHash(salt, v.ip, v.ua) });
      }
      return { out };
    },
  };
}
