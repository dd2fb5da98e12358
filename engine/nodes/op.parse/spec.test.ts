import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { validateNodeConfig } from '../../spec/graph';
import { lookupNodeSpec } from '../registry';
import { parseSpec } from './spec';

const issues = (config: Record<string, unknown>) =>
  validateNodeConfig({ id: 'parse', type: 'op.parse', config }, 0, lookupNodeSpec).map(({ path, message }) => ({ path, message }));

describe('op.parse config', () => {
  it('fills defaults that read Apache/nginx combined', () => {
    expect(parseSpec.config.parse({})).toEqual({
      format: 'combined', logFormat: '', dateFormat: '%d/%b/%Y:%H:%M:%S %z', timeFormat: '%H:%M:%S', jsonFields: [],
      maxLineLength: 16_384, maxFutureSkewSec: 3600, maxAgeDays: 3650,
    });
  });

  it.each([
    [{ format: 'custom', logFormat: '%h [%x] "%r" %s', dateFormat: '%s' }],
    [{ format: 'custom', logFormat: '%h %^[%d:%t %^] "%r" %s %b "%R" "%u"', dateFormat: '%d/%b/%Y' }],
    [{ format: 'nginx-json', jsonFields: [{ field: 'ip', key: 'client' }] }],
    [{ format: 'vcombined', maxLineLength: 4096 }],
  ])('accepts %j', (config) => {
    expect(issues(config)).toEqual([]);
  });

  it.each([
    [{ format: 'custom', logFormat: '%h [%x] "%r" %Z' }, 'nodes[0].config.logFormat', /setting "logFormat": unknown specifier %Z at column 14; supported: %h %t/],
    [{ format: 'custom', logFormat: '%h%^ [%x] "%r"' }, 'nodes[0].config.logFormat', /%h and %\^ at column 3 need literal text between them/],
    [{ format: 'custom', logFormat: '%h "%r"' }, 'nodes[0].config.logFormat', /needs a time/],
    [{ format: 'custom' }, 'nodes[0].config.logFormat', /set logFormat when format is "custom"/],
    [{ dateFormat: '%d/%b/%Y:%H:%M:%S %Q' }, 'nodes[0].config.dateFormat', /setting "dateFormat": unknown specifier %Q at column 19/],
    [{ format: 'custom', logFormat: '%h [%d:%t] "%r"' }, 'nodes[0].config.dateFormat', /dateFormat reads only the %d field/],
    [{ format: 'custom', logFormat: '%h [%d:%t] "%r"', dateFormat: '%d/%b/%Y', timeFormat: '%H:%k' }, 'nodes[0].config.timeFormat', /unknown specifier %k/],
    [{ format: 'nginx-json', jsonFields: [{ field: 'ip', key: 'a' }, { field: 'ip', key: 'b' }] }, 'nodes[0].config.jsonFields.1.field', /"ip" is mapped twice/],
    [{ format: 'apache' }, 'nodes[0].config.format', /format/],
    [{ maxLineLength: 10 }, 'nodes[0].config.maxLineLength', /maxLineLength/],
  ])('refuses %j at %s', (config, path, message) => {
    expect(issues(config)).toContainEqual({ path, message: expect.stringMatching(message) });
  });

  it('is a JSON Schema the editor can draw', () => {
    const schema = z.toJSONSchema(parseSpec.config, { io: 'input' }) as { properties: Record<string, { type?: string; enum?: unknown[] }> };
    expect(schema.properties.format.enum).toEqual(['combined', 'common', 'vcombined', 'nginx-json', 'custom']);
    expect(Object.values(schema.properties).map((p) => p.type)).toEqual(['string', 'string', 'string', 'string', 'array', 'integer', 'integer', 'integer']);
  });
});
