import { z } from 'zod';
import type { NodeSpec } from '../../spec/node-spec';

/**
 * How a config field maps onto flat Flume properties, read from the JSON Schema zod gives for a
 * node spec (zod's public introspection, stable across its internals):
 * - scalar: `key = value`
 * - list:   `key = a b c` (Flume lists are space-separated; a few, like the file channel's
 *           `dataDirs`, comma-separated: both are read)
 * - record: `key.<name> = value` (`filegroups.f1 = /var/log/a.log`, `selector.mapping.CN = c1 c2`),
 *           nested: `headers.f1.host = web1`
 * - objects (a list of objects): `key = s1 s2` + `key.s1.<prop> = value` (regex_extractor's serializers)
 */
export type ScalarType = 'string' | 'number' | 'integer' | 'boolean' | 'enum' | 'any';

export type FieldShape =
  | { kind: 'scalar'; type: ScalarType; options?: unknown[] }
  | { kind: 'list'; item: FieldShape & { kind: 'scalar' } }
  | { kind: 'record'; value: FieldShape }
  | { kind: 'objects'; props: Record<string, FieldShape> };

interface JsonSchema {
  type?: string | string[];
  enum?: unknown[];
  const?: unknown;
  items?: JsonSchema;
  properties?: Record<string, JsonSchema>;
  additionalProperties?: JsonSchema | boolean;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
}

const cache = new WeakMap<NodeSpec, Map<string, FieldShape>>();

/** The spec's config fields in declaration order, with their shapes. */
export function fieldShapes(spec: NodeSpec): Map<string, FieldShape> {
  let shapes = cache.get(spec);
  if (!shapes) {
    let root: JsonSchema = {};
    try {
      root = z.toJSONSchema(spec.config, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
    } catch {
      // A schema zod cannot describe: fields still convert, as text checked by the spec itself.
    }
    shapes = new Map(Object.keys(spec.config.shape).map((key) => [key, shapeOf(root.properties?.[key] ?? {})]));
    cache.set(spec, shapes);
  }
  return shapes;
}

function shapeOf(s: JsonSchema): FieldShape {
  if (Array.isArray(s.enum)) return { kind: 'scalar', type: 'enum', options: s.enum };
  if (s.const !== undefined) return { kind: 'scalar', type: 'enum', options: [s.const] };
  const alternatives = s.anyOf ?? s.oneOf;
  if (alternatives) {
    const concrete = alternatives.filter((a) => a.type !== 'null');
    return concrete.length === 1 ? shapeOf(concrete[0]) : { kind: 'scalar', type: 'any' };
  }
  const type = Array.isArray(s.type) ? s.type.find((t) => t !== 'null') : s.type;
  switch (type) {
    case 'string':
    case 'number':
    case 'integer':
    case 'boolean':
      return { kind: 'scalar', type };
    case 'array': {
      const item = shapeOf(s.items ?? {});
      if (item.kind === 'scalar') return { kind: 'list', item };
      if (item.kind === 'record' && s.items?.properties) return { kind: 'objects', props: propsOf(s.items) };
      return { kind: 'scalar', type: 'any' };
    }
    case 'object':
      if (s.properties && Object.keys(s.properties).length > 0) {
        // A fixed-key object is written like a record whose names are its keys.
        return { kind: 'record', value: { kind: 'scalar', type: 'any' } };
      }
      return { kind: 'record', value: typeof s.additionalProperties === 'object' ? shapeOf(s.additionalProperties) : { kind: 'scalar', type: 'string' } };
    default:
      return { kind: 'scalar', type: 'any' };
  }
}

function propsOf(s: JsonSchema): Record<string, FieldShape> {
  return Object.fromEntries(Object.entries(s.properties ?? {}).map(([k, v]) => [k, shapeOf(v)]));
}

/** Lists that Flume reads comma-separated (everything else is space-separated). */
const commaLists = new Set(['dataDirs']);
export const listSeparator = (key: string) => (commaLists.has(key) ? ',' : ' ');

/**
 * Records whose names Flume lists first (`filegroups = f1 f2`); for the others (taildir `headers`,
 * selector `mapping`) the names are just the keys present.
 */
const listedRecords = new Set(['filegroups']);
export const isListedRecord = (key: string) => listedRecords.has(key);

/** Text → the field's type; a message when it does not fit. */
export function coerceScalar(text: string, shape: FieldShape & { kind: 'scalar' }): { value: unknown } | { error: string } {
  const t = text.trim();
  switch (shape.type) {
    case 'number':
    case 'integer': {
      const n = t === '' ? NaN : Number(t);
      if (!Number.isFinite(n)) return { error: `expects a number, got "${text}"` };
      return { value: n };
    }
    case 'boolean':
      if (/^true$/i.test(t)) return { value: true };
      if (/^false$/i.test(t)) return { value: false };
      return { error: `expects true or false, got "${text}"` };
    case 'enum': {
      const match = shape.options?.find((o) => String(o) === t) ?? shape.options?.find((o) => String(o).toLowerCase() === t.toLowerCase());
      return { value: match ?? t }; // a value outside the enum is reported by the spec's own check
    }
    default:
      return { value: t };
  }
}

export function coerceList(text: string, shape: FieldShape & { kind: 'list' }): { value: unknown[] } | { error: string } {
  const parts = text.split(/[\s,]+/).filter(Boolean);
  const out: unknown[] = [];
  for (const p of parts) {
    const r = coerceScalar(p, shape.item);
    if ('error' in r) return r;
    out.push(r.value);
  }
  return { value: out };
}
