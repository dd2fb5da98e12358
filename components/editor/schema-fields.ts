/**
 * Reads the JSON Schema zod 4 produces for a node's config (`z.toJSONSchema(spec.config)`) into
 * the list of form fields the inspector draws. Anything it has no widget for becomes JSON.
 */

export type FieldKind = 'string' | 'number' | 'integer' | 'boolean' | 'enum' | 'string-list' | 'json';

export interface FieldDescriptor {
  key: string;
  kind: FieldKind;
  required: boolean;
  description?: string;
  default?: unknown;
  options?: (string | number)[];
  min?: number;
  max?: number;
  /** `exclusiveMinimum`/`exclusiveMaximum`: the bound itself is not allowed. */
  minExclusive?: boolean;
  maxExclusive?: boolean;
}

interface JsonSchema {
  type?: string | string[];
  enum?: unknown[];
  const?: unknown;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  description?: string;
  default?: unknown;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
}

function kindOf(s: JsonSchema): FieldKind {
  if (Array.isArray(s.enum) && s.enum.length > 0 && s.enum.every((v) => typeof v === 'string' || typeof v === 'number')) return 'enum';
  switch (s.type) {
    case 'string':
      return 'string';
    case 'number':
      return 'number';
    case 'integer':
      return 'integer';
    case 'boolean':
      return 'boolean';
    case 'array':
      return s.items?.type === 'string' && !s.items.enum ? 'string-list' : 'json';
    default:
      return 'json';
  }
}

export function fieldsFromSchema(schema: unknown): FieldDescriptor[] {
  const root = (schema ?? {}) as JsonSchema;
  const required = new Set(root.required ?? []);
  return Object.entries(root.properties ?? {}).map(([key, s]) => {
    const kind = kindOf(s);
    const field: FieldDescriptor = { key, kind, required: required.has(key) };
    if (s.description) field.description = s.description;
    if ('default' in s) field.default = s.default;
    if (kind === 'enum') field.options = s.enum as (string | number)[];
    if (kind === 'number' || kind === 'integer') {
      if (s.exclusiveMinimum !== undefined) Object.assign(field, { min: s.exclusiveMinimum, minExclusive: true });
      else if (s.minimum !== undefined) field.min = s.minimum;
      if (s.exclusiveMaximum !== undefined) Object.assign(field, { max: s.exclusiveMaximum, maxExclusive: true });
      else if (s.maximum !== undefined) field.max = s.maximum;
      // zod writes ±MAX_SAFE_INTEGER for .int(); that is not a bound worth showing
      if (field.min !== undefined && Math.abs(field.min) >= Number.MAX_SAFE_INTEGER) delete field.min;
      if (field.max !== undefined && Math.abs(field.max) >= Number.MAX_SAFE_INTEGER) delete field.max;
    }
    return field;
  });
}

export interface FieldIssue {
  /** Where inside the field, e.g. ['2'] for the third item of a list; [] for the field itself. */
  path: string[];
  message: string;
}

/** Issues from `safeParse`, grouped by the top-level config key they concern ('' = the whole object). */
export function issuesByField(issues: readonly { path: PropertyKey[]; message: string }[]): Record<string, FieldIssue[]> {
  const out: Record<string, FieldIssue[]> = {};
  for (const issue of issues) {
    const [head, ...rest] = issue.path.map(String);
    (out[head ?? ''] ??= []).push({ path: rest, message: issue.message });
  }
  return out;
}
