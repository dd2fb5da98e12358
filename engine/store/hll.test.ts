import { describe, expect, it } from 'vitest';
import { HyperLogLog } from './hll';

describe('embedded HyperLogLog', () => {
  it.each([0, 1, 100, 10_000, 200_000])('estimates %i distinct values within 3%%', (n) => {
    const h = new HyperLogLog();
    for (let i = 0; i < n; i++) {
      h.add(`visitor-${i}`);
      h.add(`visitor-${i}`); // duplicates do not count
    }
    const est = HyperLogLog.count([h]);
    expect(Math.abs(est - n)).toBeLessThanOrEqual(Math.max(1, n * 0.03));
  });

  it('counts the union of several sketches', () => {
    const a = new HyperLogLog();
    const b = new HyperLogLog();
    for (let i = 0; i < 5000; i++) a.add(`v${i}`);
    for (let i = 2500; i < 7500; i++) b.add(`v${i}`);
    expect(Math.abs(HyperLogLog.count([a, b]) - 7500)).toBeLessThan(7500 * 0.03);
  });
});
