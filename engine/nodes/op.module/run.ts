import type { Operator } from '../../processor/operator';
import type { Visit } from '../../processor/records';
import type { NodeRef } from '../../spec/plan';

/** First path segment, lower-cased, without query or fragment; `fallback` for "/". */
export function firstSegment(path: string, fallback: string): string {
  let start = path.startsWith('/') ? 1 : 0;
  if (path.startsWith('http://') || path.startsWith('https://')) start = path.indexOf('/', path.indexOf('//') + 2) + 1 || path.length;
  let end = start;
  while (end < path.length) {
    const c = path.charCodeAt(end);
    if (c === 47 /* / */ || c === 63 /* ? */ || c === 35 /* # */) break;
    end++;
  }
  const seg = path.slice(start, end).toLowerCase().replace(/[|\n\r]/g, '');
  return seg || fallback;
}

export function createModule(node: NodeRef): Operator {
  const fallback = String(node.config.default ?? 'home');
  return {
    process(input) {
      return { out: (input as Visit[]).map((v) => ({ ...v, module: firstSegment(v.path, fallback) })) };
    },
  };
}
