import type { ViewWriter } from '../../processor/operator';
import { countIncrements, type WindowCount } from '../../store/view-increments';
import type { NodeRef } from '../../spec/plan';

export function createRedisView(node: NodeRef, pipelineId: string): ViewWriter {
  const c = node.config as { minuteRetentionHours: number; hourRetentionDays: number; dayRetentionDays: number };
  const ttl = { m: c.minuteRetentionHours * 3600, h: c.hourRetentionDays * 86_400, d: c.dayRetentionDays * 86_400 };
  return {
    writes(input) {
      return countIncrements(pipelineId, node.id, input as WindowCount[], ttl);
    },
  };
}
