import { describe, expect, it } from 'vitest';
import {
  RESOLUTIONS,
  bucketStart,
  changesChannel,
  checkpointKey,
  counterKey,
  deadLetterKey,
  encodeValue,
  field,
  parseField,
  pipelinePrefix,
} from './view-keys';

const T = Date.UTC(2024, 4, 1, 10, 17, 42, 123); // 2024-05-01T10:17:42.123Z

describe('view keys', () => {
  it('builds the documented keys, all under the pipeline hash tag', () => {
    const keys = [
      counterKey('site', 'visits', 'm', 1714558620000),
      checkpointKey('site', 'job-1'),
      deadLetterKey('site'),
      changesChannel('site'),
    ];
    expect(keys).toEqual([
      'weir:{site}:visits:m:1714558620000',
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

  it('builds fields that always parse back into three parts', () => {
    expect(field('t', 'blog', 'ignored')).toBe('t|blog|');
    expect(field('city', 'blog', 'Shanghai')).toBe('city|blog|Shanghai');
    expect(field('browser', 'a|b', 'x|y\nz')).toBe('browser|a¦b|x¦y z');
    expect(parseField('browser|a¦b|x¦y z')).toEqual({ dim: 'browser', module: 'a¦b', value: 'x¦y z' });
    expect(parseField('t|blog|')).toEqual({ dim: 't', module: 'blog', value: '' });
    expect(parseField('country||')).toEqual({ dim: 'country', module: '', value: '' });
    expect(parseField('nodim')).toBeNull();
    expect(parseField('t|only')).toBeNull();
    expect(parseField('referrer|blog|x')).toBeNull();
  });
});
