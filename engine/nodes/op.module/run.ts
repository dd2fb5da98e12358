import { compileUserRegex } from '../../processor/expression/regex';
import type { Operator } from '../../processor/operator';
import { copyVisit, type Visit } from '../../processor/records';
import type { NodeRef } from '../../spec/plan';
import { moduleSpec, type ModuleConfig } from './spec';

/**
 * Module names become Redis key parts and dashboard labels: `|` separates key parts and newlines
 * break line protocols, so they are replaced; the length is capped so a hostile path cannot mint
 * giant keys.
 */
const MAX_MODULE_LENGTH = 128;
const clean = (name: string) => name.replace(/[|\r\n]/g, '_').slice(0, MAX_MODULE_LENGTH);

/** Where the path proper starts: after `scheme://host` for proxy-style absolute URIs. */
function pathStart(path: string): number {
  if (path.charCodeAt(0) === 47 /* / */) return 0;
  const scheme = path.indexOf('://');
  if (scheme < 0 || scheme > 10) return 0;
  const slash = path.indexOf('/', scheme + 3);
  return slash < 0 ? path.length : slash;
}

/** The first `n` non-empty path segments joined with `/`, without query or fragment ('' for "/"). */
export function pathSegments(path: string, n: number): string {
  let out = '';
  let taken = 0;
  let i = pathStart(path);
  while (taken < n && i < path.length) {
    while (i < path.length && path.charCodeAt(i) === 47) i++;
    const start = i;
    while (i < path.length) {
      const c = path.charCodeAt(i);
      if (c === 47 /* / */ || c === 63 /* ? */ || c === 35 /* # */) break;
      i++;
    }
    if (i > start) {
      out = taken === 0 ? path.slice(start, i) : `${out}/${path.slice(start, i)}`;
      taken++;
    }
    if (i < path.length && path.charCodeAt(i) !== 47) break; // reached the query or fragment
  }
  return out;
}

/** The decoded value of query parameter `name` in `path`, or ''. */
export function queryParam(path: string, name: string): string {
  const q = path.indexOf('?');
  if (q < 0) return '';
  const hash = path.indexOf('#', q);
  const end = hash < 0 ? path.length : hash;
  let i = q + 1;
  while (i < end) {
    let amp = path.indexOf('&', i);
    if (amp < 0 || amp > end) amp = end;
    const eq = path.indexOf('=', i);
    const keyEnd = eq >= 0 && eq < amp ? eq : amp;
    if (keyEnd - i === name.length && path.startsWith(name, i)) return keyEnd === amp ? '' : decode(path.slice(keyEnd + 1, amp));
    i = amp + 1;
  }
  return '';
}

function decode(s: string): string {
  const plus = s.replace(/\+/g, ' ');
  try {
    return decodeURIComponent(plus);
  } catch {
    return plus; // a malformed %-escape: the raw text is still the best name there is
  }
}

/** Compiles the config into a function from path to module name ('' = no match). */
function finder(c: ModuleConfig): (path: string) => string {
  switch (c.strategy) {
    case 'firstSegment':
      return (path) => pathSegments(path, 1);
    case 'segments':
      return (path) => pathSegments(path, c.segments);
    case 'regex': {
      const r = compileUserRegex(c.pattern);
      if (!r.ok) throw new Error(`op.module pattern ${r.message}`);
      const re = r.regex;
      return (path) => re.exec(path)?.[1] ?? '';
    }
    case 'queryParam':
      return (path) => queryParam(path, c.param);
    case 'mapping': {
      const rules = [...c.mapping]
        .map((m) => ({ prefix: c.lowercase ? m.prefix.toLowerCase() : m.prefix, module: clean(m.module) }))
        .sort((a, b) => b.prefix.length - a.prefix.length);
      return (path) => {
        const p = c.lowercase ? path.toLowerCase() : path;
        for (const r of rules) if (p.startsWith(r.prefix)) return r.module;
        return '';
      };
    }
  }
}

export function createModule(node: NodeRef): Operator {
  const config = moduleSpec.config.parse(node.config ?? {});
  const find = finder(config);
  const fallback = clean(config.default);
  // Mapping names are the user's own words; names cut out of URLs follow the lowercase option.
  const fromUrl = config.strategy !== 'mapping';
  const lower = config.lowercase && fromUrl;
  return {
    process(input) {
      const out: Visit[] = new Array(input.length);
      for (let i = 0; i < input.length; i++) {
        const v = input[i] as Visit;
        const raw = typeof v.path === 'string' ? find(v.path) : '';
        const name = raw && fromUrl ? clean(lower ? raw.toLowerCase() : raw) : raw;
        const c = copyVisit(v);
        c.module = name || fallback;
        out[i] = c;
      }
      return { out };
    },
  };
}
