import { expect, it } from 'vitest';
import { processIsolated } from './isolate';
import type { Operator } from './operator';

it('turns only the records an operator throws on into dead letters, with state as if they were skipped', async () => {
  const op: Operator = {
    process(input, ctx) {
      const out: number[] = [];
      for (const n of input as number[]) {
        ctx.state.sum = ((ctx.state.sum as number) ?? 0) + n;
        if (n === 13) throw new Error('unlucky');
        out.push(n * 2);
      }
      return { out };
    },
  };
  const ctx = { pipelineId: 'p', partition: 2, state: {} as Record<string, unknown> };
  const res = await processIsolated('double', op, [1, 13, 2], ctx);
  expect(res.out).toEqual([2, 4]);
  expect(res.dead).toEqual([expect.objectContaining({ nodeId: 'double', code: 'operator_error', reason: expect.stringContaining('unlucky'), partition: 2 })]);
  expect(ctx.state).toEqual({ sum: 3 });
});
