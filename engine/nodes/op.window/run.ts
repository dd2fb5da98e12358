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

/** The cells of one module in one window: its total, then one map per dimension (value → cell). */
interface ModuleCells {
  total: WindowCount;
  byDim: Map<string, WindowCount>[];
}

/**
 * 1-minute tumbling event-time windows. Counts are additive, so each batch contributes its
 * per-window increments directly (no window buffering); the watermark only decides lateness.
 *
 * Hot path (8 counts per visit): cells sit in nested maps, window → module → dimension → value,
 * so a visit costs a few Map lookups on values it already holds and no key strings; consecutive
 * visits of the same window and module (the common case) skip the outer lookups. Output order is
 * the order in which cells were first seen.
 */
export function createWindow(node: NodeRef): Operator {
  const latenessMs = Number(node.config.allowedLatenessSec ?? 300) * 1000;
  const dims = (node.config.dimensions as Exclude<Dim, 't'>[] | undefined) ?? ['country', 'region', 'city', 'browser', 'os', 'device', 'status'];
  const combos = ((node.config.combinations as string[] | undefined) ?? []).map((c) => ({ dim: c as Dim, parts: c.split('+') as (keyof Visit)[] }));
  const nDims = dims.length;
  const nCells = nDims + combos.length;
  return {
    process(input, ctx) {
      const state = ctx.state as WindowState;
      let watermark = state.watermark ?? -Infinity;
      const out: WindowCount[] = [];
      const windows = new Map<number, Map<string, ModuleCells>>();
      let lastWs = NaN;
      let modules: Map<string, ModuleCells> | undefined;
      let lastModule: string | undefined;
      let cells: ModuleCells | undefined;
      const dead: DeadLetter[] = [];
      for (const v of input as Visit[]) {
        if (v.ts < watermark - latenessMs) {
          dead.push(deadLetter(node.id, 'late_record', `event time ${new Date(v.ts).toISOString()} is more than ${latenessMs / 1000}s behind the watermark ${new Date(watermark).toISOString()}`, v, { partition: ctx.partition }));
          continue;
        }
        if (v.ts > watermark) watermark = v.ts;
        const ws = v.ts - (v.ts % MINUTE);
        const module = v.module ?? 'unknown';
        if (ws !== lastWs) {
          lastWs = ws;
          modules = windows.get(ws);
          if (modules === undefined) windows.set(ws, (modules = new Map()));
          lastModule = undefined;
        }
        if (module !== lastModule) {
          lastModule = module;
          cells = modules!.get(module);
          if (cells === undefined) {
            const total: WindowCount = { windowStart: ws, module, dim: 't', value: '', n: 0 };
            out.push(total);
            cells = { total, byDim: Array.from({ length: nCells }, () => new Map()) };
            modules!.set(module, cells);
          }
        }
        const c = cells!;
        c.total.n++;
        for (let d = 0; d < nCells; d++) {
          let value: string;
          let dim: Dim;
          if (d < nDims) {
            dim = dims[d];
            const raw = v[dim as keyof Visit];
            // Strings as they are; numbers (status) through V8's number-string cache, no new string.
            value = typeof raw === 'string' ? raw : String(raw ?? 'unknown');
          } else {
            const combo = combos[d - nDims];
            dim = combo.dim;
            value = combo.parts.map((p) => String(v[p] ?? 'unknown')).join(COMBINED_VALUE_SEPARATOR);
          }
          const byValue = c.byDim[d];
          const cell = byValue.get(value);
          if (cell !== undefined) cell.n++;
          else {
            const fresh: WindowCount = { windowStart: ws, module, dim, value, n: 1 };
            byValue.set(value, fresh);
            out.push(fresh);
          }
        }
      }
      if (Number.isFinite(watermark)) state.watermark = watermark;
      return { out, dead };
    },
  };
}
