import { describe, expect, it } from 'vitest';
import {
  RESOLUTIONS,
  bucketStart,
  changesChannel,
  checkpointKey,
  counterKey,
  deadLetterKey,
  encodeValue,
  parseCounterKey,
  pipelinePrefix,
} from './view-keys';

const T = Date.UTC(2024, 4, 1, 10, 17, 42, 123); // 2024-05-01T10:17:42.123Z

describe('view keys', () => {
  it('builds the documented keys, all under the pipeline hash tag', () => {
    const keys = [
      counterKey('site', 'visits', 'm', 1714558620000, 't', null),
      counterKey('site', 'visits', 'h', 1714557600000, 'city', 'blog'),
      counterKey('site', 'visits', 'd', 1714521600000, 'country+browser', null),
      checkpointKey('site', 'job-1'),
      deadLetterKey('site'),
      changesChannel('site'),
    ];
    expect(keys).toEqual([
      'weir:{site}:visits:m:1714558620000:t',
      'weir:{site}:visits:h:1714557600000:city:blog',
      'weir:{site}:visits:d:1714521600000:country+browser',
      'weir:{site}:ckpt:job-1',
      'weir:{site}:dead',
      'weir:{site}:changes',
    ]);
    for (const k of keys) expect(k.startsWith(pipelinePrefix('site'))).toBe(true);
    expect(pipelinePrefix('site')).toBe('weir:{site}:');
  });

  it('aligns buckets to minute, hour and UTC day', () => {
    expect(bucketStart(T, 'm')).toBe(Date.UTC(2024, 4, 1, 10, 17));
    expect(bucketStart(T, 'h')).toBe(Date.UTC(2024, 4, 1, 10));
    expect(bucketStart(T, 'd')).toBe(Date.UTC(2024, 4, 1));
    expect(bucketStart(Date.UTC(2024, 4, 1), 'd')).toBe(Date.UTC(2024, 4, 1));
  });

  it('has the documented bucket sizes and default retention', () => {
    expect(RESOLUTIONS.m).toMatchObject({ bucketMs: 60_000, ttlSeconds: 2 * 86_400 });
    expect(RESOLUTIONS.h).toMatchObject({ bucketMs: 3_600_000, ttlSeconds: 90 * 86_400 });
    expect(RESOLUTIONS.d).toMatchObject({ bucketMs: 86_400_000, ttlSeconds: 3 * 365 * 86_400 });
  });

  it.each([
    ['Chrome', 'Chrome'],
    ['São Paulo', 'São Paulo'],
    ['a|b', 'a¦b'],
    ['line\nbreak\ttab\u0000nul\u007fdel', 'line break tab nul del'],
    ['', ''],
  ])('encodeValue(%j) = %j', (input, out) => {
    expect(encodeValue(input)).toBe(out);
  });

  it('puts the module last in a counter key, encoded, and parses keys back', () => {
    expect(counterKey('p', 'v', 'm', 0, 't', 'ignored')).toBe('weir:{p}:v:m:0:t');
    expect(counterKey('p', 'v', 'm', 0, 'browser', 'a|b:c\n')).toBe('weir:{p}:v:m:0:browser:a¦b:c ');
    expect(parseCounterKey('weir:{p}:v:m:0:browser:a¦b:c ')).toEqual({ pipelineId: 'p', viewId: 'v', res: 'm', bucketStartMs: 0, dim: 'browser', module: 'a¦b:c ' });
    expect(parseCounterKey('weir:{p}:v:h:3600000:t')).toMatchObject({ dim: 't', module: null });
    expect(parseCounterKey('weir:{p}:v:d:0:country+browser')).toMatchObject({ dim: 'country+browser', module: null });
    expect(parseCounterKey('weir:{p}:v:d:0:region:')).toMatchObject({ dim: 'region', module: '' });
    expect(parseCounterKey('weir:{p}:v:d:0:referrer:x')).toBeNull();
    expect(parseCounterKey('weir:{p}:v:d:0:t:x')).toBeNull();
    expect(parseCounterKey('weir:{p}:v:u:h:0:news')).toBeNull();
    expect(parseCounterKey('weir:{p}:ckpt:visits')).toBeNull();
  });
});
