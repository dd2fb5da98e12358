import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { ProcessorServices } from '../processor/services';
import type { DeadLetter } from '../processor/records';
import { lookupNodeSpec } from './registry';
import { runners } from './runners';

/**
 * Operator behaviour as data: every `engine/nodes/<type>/fixtures.json` is an array of
 * `{ name, config, input: [...], expected: { <port>: [...] } }`, run through the type's runner.
 *
 * Conventions that keep fixtures readable and robust:
 * - `ts` (visits) and `timestamp` (records) may be ISO strings; they stand for epoch ms.
 * - `{{repeat:N:text}}` inside any string stands for `text` N times (giant lines and fields).
 * - Dead letters are compared on nodeId, code and offset only: `at` is the clock, and reasons are
 *   prose that may improve without changing behaviour.
 * - A port that is not listed must stay empty.
 * - The input must come back unchanged (operators never mutate their input).
 * - The node's id is the last part of its type (`op.parse` → `parse`).
 */
interface FixtureCase {
  name: string;
  config: Record<string, unknown>;
  input: unknown[];
  expected: Record<string, unknown[]>;
}

const here = dirname(fileURLToPath(import.meta.url));
const types = readdirSync(here).filter((t) => existsSync(join(here, t, 'fixtures.json')));

function prepare(value: unknown, key = ''): unknown {
  if (typeof value === 'string') {
    const text = value.replace(/\{\{repeat:(\d+):([^}]*)\}\}/g, (_, n: string, s: string) => s.repeat(Number(n)));
    return (key === 'ts' || key === 'timestamp') && text ? Date.parse(text) : text;
  }
  if (Array.isArray(value)) return value.map((v) => prepare(v));
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, prepare(v, k)]));
  return value;
}

/**
 * Fixture operators are pure (parse, module, filter): they get services that refuse to be used, so a
 * fixture that silently came to depend on GeoIP files or a store fails loudly instead.
 */
const noServices = new Proxy({} as ProcessorServices, {
  get: (_, name) => {
    throw new Error(`fixtures run without processor services, but the operator used services.${String(name)}`);
  },
});

const comparable = (port: string, items: unknown[]) =>
  port === 'dead' ? (items as DeadLetter[]).map(({ nodeId, code, offset }) => ({ nodeId, code, offset })) : items;

it('finds fixtures', () => {
  expect(types).toEqual(expect.arrayContaining(['op.parse', 'op.module', 'op.filter']));
});

describe.each(types)('%s fixtures', (type) => {
  const cases = JSON.parse(readFileSync(join(here, type, 'fixtures.json'), 'utf8')) as FixtureCase[];
  const runner = runners[type];
  const spec = lookupNodeSpec(type);

  it.each(cases.map((c) => [c.name, c] as const))('%s', async (_, c) => {
    expect(runner?.kind, `${type} must have an operator runner`).toBe('operator');
    if (runner?.kind !== 'operator' || !spec) return;
    const checked = spec.config.safeParse(c.config ?? {});
    expect(checked.success ? [] : checked.error.issues, 'config must be valid').toEqual([]);
    const node = { id: type.split('.').pop()!, type, config: checked.data as Record<string, unknown> };
    const op = await runner.create(node, noServices);
    const input = prepare(c.input) as unknown[];
    const untouched = structuredClone(input);
    const actual = await op.process(input, { pipelineId: 'fixture', partition: 0, state: {} });
    expect(input, 'input must not be mutated').toEqual(untouched);
    const expected = prepare(c.expected) as Record<string, unknown[]>;
    for (const port of new Set([...Object.keys(actual), ...Object.keys(expected)])) {
      expect(comparable(port, actual[port] ?? []), `port "${port}"`).toEqual(expected[port] ?? []);
    }
  });
});
