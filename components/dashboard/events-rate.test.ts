import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { NodeSpec } from '@/engine/spec/node-spec';
import { ingestRate } from './events-rate';

const spec = (type: string, category: NodeSpec['category']): NodeSpec => ({
  type, category, title: { en: type, zh: type }, description: { en: '', zh: '' }, inputs: [], outputs: [], config: z.object({}),
});
const specs = [spec('source.generator', 'source'), spec('op.parse', 'processor')];
const lookup = (type: string) => specs.find((s) => s.type === type);
const st = (outRate: number) => ({ in: 0, out: 0, errors: 0, inRate: 0, outRate });

describe('ingestRate', () => {
  it('sums what the sources emit', () => {
    const doc = { nodes: [{ id: 'a', type: 'source.generator', config: {} }, { id: 'b', type: 'source.generator', config: {} }, { id: 'p', type: 'op.parse', config: {} }] };
    expect(ingestRate(doc, { a: st(10), b: st(5), p: st(100) }, lookup)).toBe(15);
  });

  it('falls back to the busiest node without sources', () => {
    const doc = { nodes: [{ id: 'p', type: 'op.parse', config: {} }] };
    expect(ingestRate(doc, { p: st(7), q: st(3) }, lookup)).toBe(7);
    expect(ingestRate(doc, undefined, lookup)).toBe(0);
  });
});
