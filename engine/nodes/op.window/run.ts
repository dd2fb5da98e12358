import type { Operator } from '../../processor/operator';
import { deadLetter, type DeadLetter, type Visit } from '../../processor/records';
import type { WindowCount } from '../../store/view-increments';
import { COMBINED_VALUE_SEPARATOR } from '../../store/view-keys';
import type { NodeRef } from '../../spec/plan';

const MINUTE = 60_000;
type Dim = WindowCount['dim'];

interface WindowState {
  /** Highest event time seen on this partition. */
  watermark?: number;
}

/**
 * 1-minute tumbling event-time windows. Counts are additive, so each batch contributes its
 * per-window increments directly (no window buffering); the watermark only decides lateness.
 */
export function createWindow(node: NodeRef): Operator {
  const latenessMs = Number(node.config.allowedLatenessSec ?? 300) * 1000;
  const dims = (node.config.dimensions as Exclude<Dim, 't'>[] | undefined) ?? ['country', 'region', 'city', 'browser', 'os', 'device', 'status'];
  const combos = ((node.config.combinations as string[] | undefined) ?? []).map((c) => ({ dim: c as Dim, parts: c.split('+') as (keyof Visit)[] }));
  return {
    process(input, ctx) {
      const state = ctx.state as WindowState;
      let watermark = state.watermark ?? -Infinity;
      const cells = new Map<string, WindowCount>();
      const add = (windowStart: number, module: string, dim: Dim, value: string) => {
        const k = `${windowStart}|${dim}|${module}|${value}`;
        const c = cells.get(k);
        if (c) c.n++;
        else cells.set(k, { windowStart, module, dim, value, n: 1 });
      };
      const dead: DeadLetter[] = [];
      for (const v of input as Visit[]) {
        if (v.ts < watermark - latenessMs) {
          dead.push(deadLetter(node.id, 'late_record', `event time ${new Date(v.ts).toISOString()} is more than ${latenessMs / 1000}s behind the watermark ${new Date(watermark).toISOString()}`, v, { partition: ctx.partition }));
          continue;
        }
        if (v.ts > watermark) watermark = v.ts;
        const ws = v.ts - (v.ts % MINUTE);
        const module = v.module ?? 'unknown';
        add(ws, module, 't', '');
        for (const d of dims) add(ws, module, d, String(v[d as keyof Visit] ?? 'unknown'));
        for (const c of combos) add(ws, module, c.dim, c.parts.map((p) => String(v[p] ?? 'unknown')).join(COMBINED_VALUE_SEPARATOR));
      }
      if (Number.isFinite(watermark)) state.watermark = watermark;
      return { out: [...cells.values()], dead };
    },
  };
}
