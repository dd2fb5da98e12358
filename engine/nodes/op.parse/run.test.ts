import { describe, expect, it } from 'vitest';
import type { DeadLetter, RawRecord } from '../../processor/records';
import { createParse } from './run';

const record = (value: string, offset = 0): RawRecord => ({ value, key: null, partition: 1, offset, timestamp: Date.UTC(2000, 9, 10, 21) });
const ctx = { pipelineId: 'p', partition: 1, state: {} };

describe('op.parse dead letters', () => {
  it('keep a truncated copy of an over-long line, with where it came from', async () => {
    const op = createParse({ id: 'parse', type: 'op.parse', config: {} });
    const line = `1.2.3.4 - - [10/Oct/2000:13:55:36 -0700] "GET /${'a'.repeat(20_000)} HTTP/1.1" 200 1 "-" "-"`;
    const { dead } = (await op.process([record(line, 7)], ctx)) as { dead: DeadLetter[] };
    expect(dead).toHaveLength(1);
    expect(dead[0]).toMatchObject({ nodeId: 'parse', code: 'line_too_long', partition: 1, offset: 7 });
    expect(dead[0].reason).toMatch(/more than maxLineLength 16384/);
    expect(dead[0].record.length).toBeLessThan(2_100);
    expect(dead[0].record.startsWith('1.2.3.4 - - [10/Oct/2000')).toBe(true);
  });

  it('say which format a line failed and why', async () => {
    const op = createParse({ id: 'parse', type: 'op.parse', config: { format: 'custom', logFormat: '%h [%x] "%r" %s' } });
    const { dead } = (await op.process([record('1.2.3.4 10/Oct/2000:13:55:36 -0700 "GET / HTTP/1.1" 200')], ctx)) as { dead: DeadLetter[] };
    expect(dead[0].reason).toBe('line does not match the custom log format (%h [%x] "%r" %s): no " [" after %h (from column 1)');
  });

  it('say by how much a timestamp is out of range, relative to the append time', async () => {
    const op = createParse({ id: 'parse', type: 'op.parse', config: {} });
    const { dead } = (await op.process([record('1.2.3.4 - - [10/Oct/2099:13:55:36 -0700] "GET / HTTP/1.1" 200 1 "-" "-"')], ctx)) as { dead: DeadLetter[] };
    expect(dead[0].reason).toBe("event time 2099-10-10T20:55:36.000Z is after the record's append time 2000-10-10T21:00:00.000Z by more than maxFutureSkewSec 3600");
  });

  it('decide the same on replay, whatever the clock says', async () => {
    const op = createParse({ id: 'parse', type: 'op.parse', config: {} });
    const batch = [record('1.2.3.4 - - [10/Oct/2000:13:55:36 -0700] "GET / HTTP/1.1" 200 1 "-" "-"')];
    const first = await op.process(batch, ctx);
    const realNow = Date.now;
    Date.now = () => Date.UTC(2040, 0, 1);
    try {
      const replay = await op.process(batch, ctx);
      expect(replay.out).toEqual(first.out);
      expect(replay.out).toHaveLength(1);
    } finally {
      Date.now = realNow;
    }
  });
});
