import { describe, expect, it } from 'vitest';
import { DailySalts } from '../../processor/privacy-hash';
import type { Visit } from '../../processor/records';
import { EmbeddedStore } from '../../store/embedded';
import type { UniqueVisitor } from '../../store/view-uniques';
import { createUniques } from './run';

const DAY = 86_400_000;
const T = Date.UTC(2026, 5, 1, 10, 30, 15);
const visit = (ts: number, ip: string, ua = 'Mozilla/5.0', extra: Partial<Visit> = {}): Visit => ({
  ts, ip, ua, method: 'GET', path: '/news/1', protocol: 'HTTP/1.1', status: 200, bytes: 1, referrer: '-', module: 'news', ...extra,
});

describe('op.uniques', () => {
  const run = async (input: Visit[], config: Record<string, unknown> = {}, store = new EmbeddedStore()) => {
    const op = createUniques({ id: 'u', type: 'op.uniques', config }, new DailySalts(store));
    return (await op.process(input, { pipelineId: 'p', partition: 0, state: {} })).out as UniqueVisitor[];
  };

  it('gives a visitor the same hash within a day, another the next day, and never stores the IP', async () => {
    const out = await run([visit(T, '1.2.3.4'), visit(T + 3_600_000, '1.2.3.4'), visit(T, '1.2.3.5'), visit(T + DAY, '1.2.3.4')]);
    expect(out[0].hash).toBe(out[1].hash);
    expect(out[0].hash).not.toBe(out[2].hash);
    expect(out[0].hash).not.toBe(out[3].hash);
    expect(out[0]).toEqual({ windowStart: T - (T % 60_000), module: 'news', hash: expect.stringMatching(/^[0-9a-f]{16}$/) });
    expect(JSON.stringify(out)).not.toContain('1.2.3.4');
  });

  it('separates visitors sharing an IP by user agent, and leaves bots out unless asked', async () => {
    const input = [visit(T, '1.2.3.4', 'A'), visit(T, '1.2.3.4', 'B'), visit(T, '1.2.3.4', 'Googlebot', { bot: true })];
    expect(new Set((await run(input)).map((v) => v.hash)).size).toBe(2);
    expect(await run(input, { excludeBots: false })).toHaveLength(3);
  });

  it('shares one salt per day between workers through the store', async () => {
    const store = new EmbeddedStore();
    const [a, b] = [await run([visit(T, '9.9.9.9')], {}, store), await run([visit(T, '9.9.9.9')], {}, store)];
    expect(a[0].hash).toBe(b[0].hash);
    // A different store (another deployment) has its own salt: hashes do not link across them.
    expect((await run([visit(T, '9.9.9.9')]))[0].hash).not.toBe(a[0].hash);
  });
});
