import { describe, expect, it } from 'vitest';
import { createWindow } from './run';
import type { Visit } from '../../processor/records';

const visit = (ts: number, module: string, extra: Partial<Visit> = {}): Visit => ({
  ts, ip: '1.1.1.1', method: 'GET', path: `/${module}`, protocol: 'HTTP/1.1', status: 200, bytes: 1, referrer: '-', ua: '',
  module, country: 'CN', region: 'CN/Beijing', city: 'CN/Beijing/Beijing', browser: 'Chrome', os: 'Windows', device: 'desktop', ...extra,
});

describe('op.window', () => {
  const op = createWindow({ id: 'w', type: 'op.window', config: { allowedLatenessSec: 60, dimensions: ['country', 'browser'] } });
  const T = Date.UTC(2026, 0, 1, 12, 0, 0);

  it('counts per minute window, module and dimension', async () => {
    const state = {};
    const out = await op.process([visit(T + 1000, 'news'), visit(T + 2000, 'news', { browser: 'Firefox' }), visit(T + 61_000, 'shop')], { pipelineId: 'p', partition: 0, state });
    expect(out.dead).toEqual([]);
    expect(new Set(out.out)).toEqual(new Set([
      { windowStart: T, module: 'news', dim: 't', value: '', n: 2 },
      { windowStart: T, module: 'news', dim: 'country', value: 'CN', n: 2 },
      { windowStart: T, module: 'news', dim: 'browser', value: 'Chrome', n: 1 },
      { windowStart: T, module: 'news', dim: 'browser', value: 'Firefox', n: 1 },
      { windowStart: T + 60_000, module: 'shop', dim: 't', value: '', n: 1 },
      { windowStart: T + 60_000, module: 'shop', dim: 'country', value: 'CN', n: 1 },
      { windowStart: T + 60_000, module: 'shop', dim: 'browser', value: 'Chrome', n: 1 },
    ]));
    expect(state).toEqual({ watermark: T + 61_000 });
  });

  it('dead-letters records later than the allowed lateness, keeps the rest', async () => {
    const state = { watermark: T + 10 * 60_000 };
    const out = await op.process([visit(T, 'news'), visit(T + 9 * 60_000 + 30_000, 'news')], { pipelineId: 'p', partition: 0, state });
    expect(out.dead).toHaveLength(1);
    expect(out.dead[0]).toMatchObject({ code: 'late_record', nodeId: 'w' });
    expect(out.out.filter((c: any) => c.dim === 't')).toEqual([{ windowStart: T + 9 * 60_000, module: 'news', dim: 't', value: '', n: 1 }]);
  });
});
