import { expect, it } from 'vitest';
import { nodeSpecs } from './registry';
import { runners } from './runners';

it('every registered node type has a runner and vice versa', () => {
  expect(Object.keys(runners).sort()).toEqual(nodeSpecs.map((s) => s.type).sort());
});
