import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { validateNodeConfig } from '../../spec/graph';
import { lookupNodeSpec } from '../registry';
import { filterSpec } from './spec';

const issues = (config: Record<string, unknown>) =>
  validateNodeConfig({ id: 'filter', type: 'op.filter', config }, 0, lookupNodeSpec).map(({ path, message }) => ({ path, message }));

describe('op.filter config', () => {
  it('defaults keep everything but static files', () => {
    expect(filterSpec.config.parse({})).toMatchObject({ statuses: [], methods: [], includePath: '', excludePath: '', excludeStatic: true, excludeBots: false, expression: '' });
    expect(filterSpec.config.parse({}).staticExtensions).toEqual(['css', 'js', 'png', 'jpg', 'jpeg', 'gif', 'svg', 'ico', 'woff', 'woff2', 'ttf', 'map', 'webp', 'avif']);
  });

  it.each([
    [{ statuses: ['2xx', '304'], methods: ['GET'], includePath: '^/news', excludeBots: true, expression: 'status >= 400 && path ~ /^\\/api/i' }],
  ])('accepts %j', (config) => {
    expect(issues(config)).toEqual([]);
  });

  it.each([
    [{ expression: 'status == 200 && (path ~ "x"' }, 'nodes[0].config.expression', 'Node "filter" (op.filter) setting "expression": expected ")" at column 29, found end of expression.'],
    [{ expression: 'colour == "red"' }, 'nodes[0].config.expression', /unknown field "colour" at column 1/],
    [{ includePath: '(' }, 'nodes[0].config.includePath', /includePath is not a valid regular expression/],
    [{ excludePath: '[' }, 'nodes[0].config.excludePath', /excludePath is not a valid regular expression/],
    [{ statuses: ['2xx', '20'] }, 'nodes[0].config.statuses.1', /a status is a code like 304 or a class like 2xx/],
    [{ methods: ['GET /'] }, 'nodes[0].config.methods.0', /a method is a word/],
    [{ staticExtensions: ['*.js'] }, 'nodes[0].config.staticExtensions.0', /an extension is letters and digits/],
  ])('refuses %j at %s', (config, path, message) => {
    expect(issues(config)).toContainEqual({ path, message: typeof message === 'string' ? message : expect.stringMatching(message) });
  });

  it('is a JSON Schema the editor can draw: string lists, booleans, strings', () => {
    const schema = z.toJSONSchema(filterSpec.config, { io: 'input' }) as { properties: Record<string, { type?: string; items?: { type?: string } }> };
    expect(Object.fromEntries(Object.entries(schema.properties).map(([k, p]) => [k, p.items ? `${p.type}<${p.items.type}>` : p.type]))).toEqual({
      statuses: 'array<string>', methods: 'array<string>', includePath: 'string', excludePath: 'string', excludeStatic: 'boolean',
      staticExtensions: 'array<string>', excludeBots: 'boolean', expression: 'string',
    });
  });
});
