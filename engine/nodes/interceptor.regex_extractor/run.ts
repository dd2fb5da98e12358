import { countingInterceptor } from '../../agent/interceptors/counting';
import { nodeConfig } from '../../agent/interceptors/node-config';
import type { InterceptorFactory } from '../../agent/types';
import { compileInterceptorRegex, regexInput } from '../interceptor.regex_filter/user-regex';
import { regexExtractorInterceptorSpec } from './spec';

/** Flume RegexExtractorInterceptor with the pass-through serializer; never drops an event. */
export const createRegexExtractorInterceptor: InterceptorFactory = (node, env) => {
  const c = nodeConfig(regexExtractorInterceptorSpec, node);
  const compiled = compileInterceptorRegex(c.regex);
  if (!compiled.ok) throw new Error(compiled.message); // unreachable: the spec refused it
  // Without the g/y flags exec() keeps no state between events.
  const { regex } = compiled;
  const names = c.serializers.map((s) => s.name);
  return countingInterceptor(env, (events) => {
    for (const e of events) {
      const m = regex.exec(regexInput(e.body));
      if (!m) continue;
      for (let g = 0; g < names.length; g++) {
        const value = m[g + 1];
        if (value !== undefined) e.headers[names[g]] = value;
      }
    }
    return events;
  });
};
