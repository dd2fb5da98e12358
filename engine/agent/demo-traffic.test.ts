import { describe, expect, it } from 'vitest';
import { parseCombined } from '../processor/parse/formats';
import { dailyRhythm, demoTraffic } from './demo-traffic';

describe('demo traffic', () => {
  const opts = { seed: 42, modules: ['home', 'news', 'shop'], botShare: 0.1 };

  it('is reproducible from its seed', () => {
    const a = demoTraffic(opts);
    const b = demoTraffic(opts);
    for (let i = 0; i < 100; i++) expect(a.next(1_700_000_000_000 + i)).toBe(b.next(1_700_000_000_000 + i));
  });

  it('writes lines the combined parser reads back, with their event time and modules', () => {
    const t = demoTraffic(opts);
    const ts = Date.UTC(2026, 10, 21, 12, 34, 56);
    const modules = new Set<string>();
    let bots = 0;
    for (let i = 0; i < 2000; i++) {
      const r = parseCombined(t.next(ts));
      expect(r.ok).toBe(true);
      if (!r.ok) continue;
      expect(r.visit.ts).toBe(ts);
      modules.add(r.visit.path === '/' ? 'home' : r.visit.path.split('/')[1]);
      if (/bot|spider/i.test(r.visit.ua)) bots++;
    }
    expect(modules).toEqual(new Set(opts.modules));
    expect(bots / 2000).toBeGreaterThan(0.05);
    expect(bots / 2000).toBeLessThan(0.15);
  });

  it('follows a daily rhythm that never stops', () => {
    const values = Array.from({ length: 24 }, (_, h) => dailyRhythm(Date.UTC(2026, 0, 1, h)));
    expect(Math.min(...values)).toBeGreaterThan(0.39);
    expect(Math.max(...values)).toBeGreaterThan(Math.min(...values) * 2);
  });
});
