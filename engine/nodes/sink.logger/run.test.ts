import { describe, expect, it } from 'vitest';
import { EmbeddedBus } from '../../bus/embedded';
import { MemoryChannel } from '../channel.memory/run';
import { originEvents, runSink, testEnv, waitFor } from '../sink.kafka/test-helpers';
import { createLoggerSink, formatEvent, truncateUtf8 } from './run';
import { loggerSinkSpec } from './spec';

const node = (config: Record<string, unknown> = {}) => ({ id: 'log1', type: 'sink.logger', config: loggerSinkSpec.config.parse(config) });

describe('sink.logger', () => {
  it('formats headers and the body cut to maxBytesToLog, never splitting a character', () => {
    expect(formatEvent({ headers: { host: 'h1', eventId: 'e1' }, body: 'GET /index.html HTTP/1.1' }, 16)).toBe(
      'Event: { headers:{host=h1, eventId=e1} body: "GET /index.html "… }',
    );
    expect(formatEvent({ headers: {}, body: 'short' }, 16)).toBe('Event: { headers:{} body: "short" }');
    expect(truncateUtf8('北京市abc', 7)).toEqual({ text: '北京', truncated: true });
    expect(truncateUtf8('é😀x', 4)).toEqual({ text: 'é', truncated: true });
    expect(truncateUtf8('é😀x', 6)).toEqual({ text: 'é😀', truncated: true });
    expect(truncateUtf8('abc', 0)).toEqual({ text: '', truncated: true });
  });

  it('logs at a bounded rate, drains everything, counts what it left out, and reports positions', async () => {
    const env = testEnv(new EmbeddedBus(), '');
    const sink = createLoggerSink(node({ maxEventsPerSecond: 5, maxBytesToLog: 8 }), env);
    const ch = new MemoryChannel(1000, 1000);
    await ch.put(originEvents('r1|f', 0, 50));
    const run = runSink(sink, ch);
    await waitFor('drained', () => ch.size === 0 && run.delivered.get('r1|f') === 50);
    await run.stop();
    const events = env.logs.filter((l) => l.message.startsWith('Event:'));
    expect(events).toHaveLength(5);
    expect(events[0]).toMatchObject({ level: 'info', message: 'Event: { headers:{eventId=r1|f@1, host=h1} body: "r1|f#0" }' });
    expect(env.logs.some((l) => /45 more event\(s\) not logged/.test(l.message))).toBe(true);
    expect(env.counters).toMatchObject({ EventDrainAttemptCount: 50, EventDrainSuccessCount: 50, EventNotLoggedCount: 45 });
  });

  it('is a terminal node: one event input, no outputs', () => {
    expect(loggerSinkSpec.inputs).toEqual([{ name: 'in', kind: 'event', required: true }]);
    expect(loggerSinkSpec.outputs).toEqual([]);
    expect(loggerSinkSpec.config.parse({})).toEqual({ maxBytesToLog: 16, maxEventsPerSecond: 10, batchSize: 100 });
  });
});
