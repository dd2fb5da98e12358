import { describe, expect, it } from 'vitest';
import { validateNodeConfig } from '../../spec/graph';
import { lookupNodeSpec } from '../registry';

const issues = (config: Record<string, unknown>) =>
  validateNodeConfig({ id: 'module', type: 'op.module', config }, 0, lookupNodeSpec).map(({ path, message }) => ({ path, message }));

describe('op.module config', () => {
  it.each([
    [{}],
    [{ strategy: 'firstSegment', default: 'home' }],
    [{ strategy: 'segments', segments: 3 }],
    [{ strategy: 'regex', pattern: '^/(?:en|zh)/([^/?]+)' }],
    [{ strategy: 'queryParam', param: 'channel' }],
    [{ strategy: 'mapping', mapping: [{ prefix: '/shop', module: 'shop' }], lowercase: false }],
  ])('accepts %j', (config) => {
    expect(issues(config)).toEqual([]);
  });

  it.each([
    [{ strategy: 'regex', pattern: '^/([a-z' }, 'nodes[0].config.pattern', /setting "pattern": pattern is not a valid regular expression/],
    [{ strategy: 'regex', pattern: '^/[a-z]+' }, 'nodes[0].config.pattern', /pattern needs a capture group/],
    [{ strategy: 'regex' }, 'nodes[0].config.pattern', /set pattern when strategy is "regex"/],
    [{ strategy: 'firstSegment', pattern: '(' }, 'nodes[0].config.pattern', /not a valid regular expression/],
    [{ strategy: 'queryParam' }, 'nodes[0].config.param', /set param/],
    [{ strategy: 'mapping' }, 'nodes[0].config.mapping', /add at least one/],
    [{ strategy: 'mapping', mapping: [{ prefix: '/a' }] }, 'nodes[0].config.mapping.0.module', /module/],
    [{ strategy: 'path' }, 'nodes[0].config.strategy', /strategy/],
    [{ segments: 0 }, 'nodes[0].config.segments', /segments/],
  ])('refuses %j at %s', (config, path, message) => {
    expect(issues(config)).toContainEqual({ path, message: expect.stringMatching(message) });
  });
});
