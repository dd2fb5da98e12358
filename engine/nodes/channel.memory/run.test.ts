import { describe, expect, it } from 'vitest';
import { MemoryChannel } from './run';

const ev = (i: number) => ({ headers: {}, body: String(i) });

describe('memory channel', () => {
  it('makes a put wait while full (back-pressure) and loses nothing', async () => {
    const ch = new MemoryChannel(3, 3);
    await ch.put([ev(1), ev(2), ev(3)]);
    let done = false;
    const p = ch.put([ev(4)]).then(() => (done = true));
    await new Promise((r) => setTimeout(r, 20));
    expect(done).toBe(false);
    const t = await ch.take(2, 0);
    t.commit();
    await p;
    expect(done).toBe(true);
    const rest = await ch.take(10, 0);
    expect([...t.events, ...rest.events].map((e) => e.body)).toEqual(['1', '2', '3', '4']);
  });

  it('gives a rolled-back take again, first and in order', async () => {
    const ch = new MemoryChannel(10, 10);
    await ch.put([ev(1), ev(2), ev(3)]);
    const t = await ch.take(2, 0);
    t.rollback();
    expect((await ch.take(10, 0)).events.map((e) => e.body)).toEqual(['1', '2', '3']);
  });

  it('refuses a put larger than the capacity with a clear error', async () => {
    const ch = new MemoryChannel(2, 5);
    await expect(ch.put([ev(1), ev(2), ev(3)])).rejects.toMatchObject({ code: 'channel_put_too_large' });
  });
});
