import type { BatchContext, Operator, PortOutputs } from './operator';
import { deadLetter } from './records';

/**
 * Runs an operator over a batch; if it throws (a bug meeting an unforeseen record), runs it again
 * record by record from the state as it was, so only the records that throw become dead letters
 * (`operator_error`) and the partition goes on. A poison record never stops a partition.
 */
export async function processIsolated(nodeId: string, op: Operator, input: readonly unknown[], ctx: BatchContext): Promise<PortOutputs> {
  const before = structuredClone(ctx.state);
  try {
    return await op.process(input, ctx);
  } catch {
    restore(ctx.state, before);
    const merged: PortOutputs = {};
    const add = (port: string, recs: readonly unknown[]) => {
      const list = (merged[port] ??= []);
      for (const r of recs) list.push(r);
    };
    for (const record of input) {
      const saved = structuredClone(ctx.state);
      try {
        const out = await op.process([record], ctx);
        for (const [port, recs] of Object.entries(out)) add(port, recs);
      } catch (e) {
        restore(ctx.state, saved);
        const where = record as { partition?: number; offset?: number };
        add('dead', [deadLetter(nodeId, 'operator_error', `the operator failed on this record: ${(e as Error).message}`, record, { partition: where.partition ?? ctx.partition, offset: where.offset })]);
      }
    }
    return merged;
  }
}

function restore(target: Record<string, unknown>, from: Record<string, unknown>) {
  for (const k of Object.keys(target)) delete target[k];
  Object.assign(target, from);
}
