import { describe, expect, it } from 'vitest';
import { countryNamer, fillBuckets, geoLabel, topWithOther } from './stats-shape';

describe('fillBuckets', () => {
  it('fills missing buckets with zero and aligns to bucket starts', () => {
    expect(fillBuckets([[120_000, 5], [240_000, 2]], 60_500, 250_000, 60_000)).toEqual([
      [60_000, 0],
      [120_000, 5],
      [180_000, 0],
      [240_000, 2],
    ]);
  });

  it('adds points that fall in the same bucket', () => {
    expect(fillBuckets([[0, 1], [30_000, 2]], 0, 0, 60_000)).toEqual([[0, 3]]);
  });
});

describe('topWithOther', () => {
  it('keeps the largest and sums the rest', () => {
    const rows = [{ key: 'a', count: 1 }, { key: 'b', count: 5 }, { key: 'c', count: 3 }, { key: 'd', count: 2 }];
    expect(topWithOther(rows, 2, 'other')).toEqual([{ key: 'b', count: 5 }, { key: 'c', count: 3 }, { key: 'other', count: 3 }]);
    expect(topWithOther(rows, 4, 'other')).toHaveLength(4);
    expect(topWithOther(rows, 4, 'other', 7)).toEqual([...rows].sort((a, b) => b.count - a.count).concat({ key: 'other', count: 7 }));
  });
});

describe('geoLabel', () => {
  const names = (code: string) => ({ CN: 'China', US: 'United States' })[code];
  it('names countries and keeps provinces and cities', () => {
    expect(geoLabel('CN', names, '?')).toBe('China');
    expect(geoLabel('CN/Guangdong', names, '?')).toBe('China / Guangdong');
    expect(geoLabel('US/California/San Jose', names, '?')).toBe('United States / California / San Jose');
  });

  it('says unknown in the reader language', () => {
    expect(geoLabel('unknown', names, 'Unknown')).toBe('Unknown');
    expect(geoLabel('CN/unknown', names, '未知')).toBe('China / 未知');
  });

  it('uses the browser data for country names', () => {
    expect(countryNamer('en')('DE')).toBe('Germany');
  });
});
