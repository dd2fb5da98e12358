import { describe, expect, it } from 'vitest';
import { maxOffsets, PositionTracker, resumePositions } from './positions';

describe('PositionTracker', () => {
  it('is safe up to the lowest position of the channels a stream went to', () => {
    const t = new PositionTracker();
    const seen: [string, number][] = [];
    t.listen('r1', (p) => seen.push(...p));
    t.routedTo('c1', 'r1|f');
    t.routedTo('c2', 'r1|f');
    t.safe('c1', new Map([['r1|f', 100]]));
    expect(seen).toEqual([]); // c2 has delivered nothing yet
    t.safe('c2', new Map([['r1|f', 60]]));
    expect(seen).toEqual([['r1|f', 60]]);
    t.safe('c2', new Map([['r1|f', 150]]));
    expect(seen.at(-1)).toEqual(['r1|f', 100]);
  });

  it('never moves backwards and tells only the owning source', () => {
    const t = new PositionTracker();
    const r1: number[] = [];
    const r2: number[] = [];
    t.listen('r1', (p) => r1.push(...p.values()));
    t.listen('r2', (p) => r2.push(...p.values()));
    t.routedTo('c', 'r1|a');
    t.safe('c', new Map([['r1|a', 10]]));
    t.safe('c', new Map([['r1|a', 5]]));
    expect(r1).toEqual([10]);
    expect(r2).toEqual([]);
  });
});

describe('resumePositions', () => {
  const m = (o: Record<string, number>) => new Map(Object.entries(o));
  it('replicating: only keys every channel has, at the lowest position', () => {
    expect(resumePositions([m({ a: 10, b: 5 }), m({ a: 7 })], false)).toEqual(m({ a: 7 }));
  });
  it('multiplexing: the lowest of the channels that have the key', () => {
    expect(resumePositions([m({ a: 10, b: 5 }), m({ a: 7 })], true)).toEqual(m({ a: 7, b: 5 }));
  });
  it('ignores channels that know nothing (no exactly-once sink), and gives nothing when none know', () => {
    expect(resumePositions([undefined, m({ a: 3 })], false)).toEqual(m({ a: 3 }));
    expect(resumePositions([undefined], false)).toEqual(new Map());
  });
});

it('maxOffsets takes the highest offset per origin key and skips events without origin', () => {
  expect(maxOffsets([{ origin: { key: 'a', offset: 3 } }, { origin: { key: 'a', offset: 9 } }, {}, { origin: { key: 'b', offset: 1 } }])).toEqual(
    new Map([['a', 9], ['b', 1]]),
  );
});
