import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { nodeSpecs } from '../nodes/registry';

const CJK = /[\u3400-\u9fff]/;

/** English help per config field, read the way the editor's form reads it (components/editor/schema-fields.ts). */
const englishHelp = (config: z.ZodObject): Record<string, string | undefined> => {
  const schema = z.toJSONSchema(config, { io: 'input', unrepresentable: 'any' }) as { properties?: Record<string, { description?: string }> };
  return Object.fromEntries(Object.entries(schema.properties ?? {}).map(([key, s]) => [key, s.description]));
};

describe('fieldHelpZh', () => {
  it('covers every registered node type', () => {
    expect(nodeSpecs.length).toBeGreaterThan(0);
  });

  for (const spec of nodeSpecs) {
    describe(spec.type, () => {
      const en = englishHelp(spec.config);
      const zh: Record<string, string | undefined> = spec.fieldHelpZh ?? {};

      it('has zh-CN help for every described config field', () => {
        const missing = Object.entries(en)
          .filter(([, d]) => d)
          .filter(([key]) => !zh[key]?.trim() || !CJK.test(zh[key]))
          .map(([key]) => `${spec.type}.${key}: ${zh[key] === undefined ? 'no zh help' : `zh help without Chinese: ${JSON.stringify(zh[key])}`}`);
        expect(missing, `${spec.type}: fields without zh-CN help`).toEqual([]);
      });

      it('has no zh-CN help for fields that are not in its config', () => {
        const stray = Object.keys(zh)
          .filter((key) => !(key in spec.config.shape))
          .map((key) => `${spec.type}.${key}: not a config field`);
        expect(stray, `${spec.type}: fieldHelpZh keys that are not config fields`).toEqual([]);
      });
    });
  }
});
