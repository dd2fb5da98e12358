import { describe, expect, it } from 'vitest';
import { uniqueWrites } from './view-uniques';
import { RESOLUTIONS, uniqueKey } from './view-keys';

const H = 3_600_000;
const DAY = 86_400_000;
const T0 = Date.UTC(2025, 5, 1, 10, 0, 0);

describe('unique-visitor writes', () => {
  it('adds each visitor to its module hour and day HyperLogLogs, keys in order of first use', () => {
    const w = uniqueWrites('p', 'v', [
      { windowStart: T0, module: 'news', hash: 'a' },
      { windowStart: T0 + 60_000, module: 'news', hash: 'b' },
      { windowStart: T0 + H, module: 'news', hash: 'a' },
      { windowStart: T0, module: 'home', hash: 'a' },
      { windowStart: T0, module: 'news', hash: 'a' },
    ], { h: 100 });
    const day = Math.floor(T0 / DAY) * DAY;
    expect(w.hllAdds).toEqual([
      { key: uniqueKey('p', 'v', 'h', T0, 'news'), values: ['a', 'b'] },
      { key: uniqueKey('p', 'v', 'd', day, 'news'), values: ['a', 'b'] },
      { key: uniqueKey('p', 'v', 'h', T0 + H, 'news'), values: ['a'] },
      { key: uniqueKey('p', 'v', 'h', T0, 'home'), values: ['a'] },
      { key: uniqueKey('p', 'v', 'd', day, 'home'), values: ['a'] },
    ]);
    expect(w.expire.map((e) => e.seconds)).toEqual([100, RESOLUTIONS.d.ttlSeconds, 100, 100, RESOLUTIONS.d.ttlSeconds]);
    expect(w.expire.map((e) => e.key)).toEqual(w.hllAdds.map((h) => h.key));
  });

  it('merges modules whose keys encode the same', () => {
    const w = uniqueWrites('p', 'v', [
      { windowStart: T0, module: 'a|b', hash: 'x' },
      { windowStart: T0, module: 'a¦b', hash: 'y' },
    ]);
    expect(w.hllAdds.map((h) => h.values)).toEqual([['x', 'y'], ['x', 'y']]);
  });
});
