import type { ViewWriter } from '../../processor/operator';
import { countIncrements, type WindowCount } from '../../store/view-increments';
import { uniqueWrites, type UniqueVisitor } from '../../store/view-uniques';
import type { NodeRef } from '../../spec/plan';

/** Counts (from op.window) become sorted-set counters; visitors (from op.uniques) HyperLogLogs. */
export function createRedisView(node: NodeRef, pipelineId: string): ViewWriter {
  const c = node.config as { minuteRetentionHours: number; hourRetentionDays: number; dayRetentionDays: number };
  const ttl = { m: Math.round(c.minuteRetentionHours * 3600), h: Math.round(c.hourRetentionDays * 86_400), d: Math.round(c.dayRetentionDays * 86_400) };
  return {
    writes(input) {
      const counts: WindowCount[] = [];
      const visitors: UniqueVisitor[] = [];
      for (const r of input as (WindowCount | UniqueVisitor)[]) {
        if ('hash' in r) visitors.push(r);
        else counts.push(r);
      }
      const counters = countIncrements(pipelineId, node.id, counts, ttl);
      const uniques = uniqueWrites(pipelineId, node.id, visitors, ttl);
      return {
        increments: [],
        zincrs: counters.zincrs,
        expire: [...counters.expire, ...uniques.expire],
        hllAdds: uniques.hllAdds,
      };
    },
  };
}
