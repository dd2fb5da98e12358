import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { fieldsFromSchema, issuesByField } from './schema-fields';

const schema = z.object({
  rate: z.number().positive().max(1000).default(20).describe('Events per second.'),
  batchSize: z.number().int().min(1).default(100),
  format: z.enum(['combined', 'common']).default('combined'),
  enabled: z.boolean().optional(),
  'kafka.topic': z.string().min(1),
  modules: z.array(z.string()).default([]),
  mapping: z.record(z.string(), z.string()).default({}),
});

describe('fieldsFromSchema', () => {
  const fields = fieldsFromSchema(z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }));
  const byKey = Object.fromEntries(fields.map((f) => [f.key, f]));

  it('gives every property a widget kind', () => {
    expect(fields.map((f) => [f.key, f.kind])).toEqual([
      ['rate', 'number'],
      ['batchSize', 'integer'],
      ['format', 'enum'],
      ['enabled', 'boolean'],
      ['kafka.topic', 'string'],
      ['modules', 'string-list'],
      ['mapping', 'json'],
    ]);
  });

  it('keeps bounds, defaults, descriptions and options', () => {
    expect(byKey.rate).toMatchObject({ min: 0, minExclusive: true, max: 1000, default: 20, description: 'Events per second.' });
    expect(byKey.batchSize).toMatchObject({ min: 1, default: 100 });
    expect(byKey.batchSize.max).toBeUndefined();
    expect(byKey.format.options).toEqual(['combined', 'common']);
  });

  it('marks only fields without defaults as required', () => {
    expect(fields.filter((f) => f.required).map((f) => f.key)).toEqual(['kafka.topic']);
  });
});

describe('issuesByField', () => {
  it('groups safeParse issues by top-level key', () => {
    const r = schema.safeParse({ rate: -1, modules: ['a', 3] });
    expect(r.success).toBe(false);
    const grouped = issuesByField(r.error!.issues);
    expect(Object.keys(grouped).sort()).toEqual(['kafka.topic', 'modules', 'rate']);
    expect(grouped.modules[0].path).toEqual(['1']);
    expect(grouped.rate[0].path).toEqual([]);
  });
});
