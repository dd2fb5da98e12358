import { describe, expect, it } from 'vitest';
import { ev, nodeRef, testEnv } from '../../agent/interceptors/test-env';
import { createEventIdInterceptor } from './run';

const make = (config: Record<string, unknown> = {}) => createEventIdInterceptor(nodeRef('id', 'interceptor.event_id', config), testEnv().env);
const origin = { key: 'r1|2049:131077', offset: 4096 };

describe('interceptor.event_id', () => {
  it.each([
    { name: 'origin', config: {}, event: ev('x', {}, origin), expected: 'r1|2049:131077:4096' },
    { name: 'origin wins over request id', config: {}, event: ev('x', { requestId: 'req-1' }, origin), expected: 'r1|2049:131077:4096' },
    { name: 'request id without origin', config: {}, event: ev('x', { requestId: 'req-1' }), expected: 'req-1' },
    { name: 'other request id header', config: { requestIdHeader: 'X-Request-Id' }, event: ev('x', { 'X-Request-Id': 'abc' }), expected: 'abc' },
    { name: 'preserves existing', config: {}, event: ev('x', { eventId: 'given' }, origin), expected: 'given' },
    { name: 'overwrites existing', config: { preserveExisting: false }, event: ev('x', { eventId: 'given' }, origin), expected: 'r1|2049:131077:4096' },
    { name: 'empty existing is absent', config: {}, event: ev('x', { eventId: '' }, origin), expected: 'r1|2049:131077:4096' },
  ])('$name', ({ config, event, expected }) => {
    expect(make(config).intercept([event])[0].headers.eventId).toBe(expected);
  });

  it('is stable for the same origin, across interceptor instances', () => {
    const a = make().intercept([ev('x', {}, origin)])[0].headers.eventId;
    const b = make().intercept([ev('x', {}, origin)])[0].headers.eventId;
    expect(a).toBe(b);
  });

  it('falls back to a random UUID without origin or request id (not stable)', () => {
    const i = make({ headerName: 'id' });
    const [a, b] = i.intercept([ev('x'), ev('x')]);
    expect(a.headers.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-/);
    expect(a.headers.id).not.toBe(b.headers.id);
  });
});
