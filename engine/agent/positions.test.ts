import { describe, expect, it } from 'vitest';
import { maxOffsets, PositionTracker, resumePositions } from './positions';

describe('PositionTracker', () => {
  const m = (o: Record<string, number>) => new Map(Object.entries(o));
  const tracker = () => {
    const t = new PositionTracker();
    const seen: [string, number][] = [];
    t.listen('r1', (p) => seen.push(...p));
    return { t, seen };
  };

  it('is safe only up to what every channel the stream went to has delivered', () => {
    const { t, seen } = tracker();
    t.routed('c1', m({ 'r1|f': 100 }));
    t.routed('c2', m({ 'r1|f': 100 }));
    t.handledUpTo(m({ 'r1|f': 100 }));
    expect(seen).toEqual([]); // nothing delivered yet
    t.safe('c1', m({ 'r1|f': 100 }));
    t.safe('c2', m({ 'r1|f': 60 }));
    expect(seen).toEqual([['r1|f', 60]]);
    t.safe('c2', m({ 'r1|f': 100 }));
    expect(seen.at(-1)).toEqual(['r1|f', 100]);
  });

  it('lets dropped events advance the position once a channel has caught up', () => {
    const { t, seen } = tracker();
    t.routed('c1', m({ 'r1|f': 50 })); // events up to 50 kept, 51..90 dropped by an interceptor
    t.handledUpTo(m({ 'r1|f': 90 }));
    expect(seen).toEqual([]);
    t.safe('c1', m({ 'r1|f': 50 }));
    expect(seen).toEqual([['r1|f', 90]]);
    t.handledUpTo(m({ 'r1|f': 120 })); // a batch dropped entirely
    expect(seen.at(-1)).toEqual(['r1|f', 120]);
  });

  it('multiplexing: a channel that got only part of a stream does not hold the rest back', () => {
    const { t, seen } = tracker();
    t.routed('c1', m({ 'r1|f': 10 }));
    t.routed('c2', m({ 'r1|f': 20 }));
    t.handledUpTo(m({ 'r1|f': 20 }));
    t.safe('c2', m({ 'r1|f': 20 }));
    expect(seen).toEqual([]); // c1 still holds offset 10
    t.safe('c1', m({ 'r1|f': 10 }));
    expect(seen).toEqual([['r1|f', 20]]);
  });

  it('never moves backwards and tells only the owning source', () => {
    const t = new PositionTracker();
    const r1: number[] = [];
    const r2: number[] = [];
    t.listen('r1', (p) => r1.push(...p.values()));
    t.listen('r2', (p) => r2.push(...p.values()));
    t.routed('c', m({ 'r1|a': 10 }));
    t.handledUpTo(m({ 'r1|a': 10 }));
    t.safe('c', m({ 'r1|a': 10 }));
    t.safe('c', m({ 'r1|a': 5 }));
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
