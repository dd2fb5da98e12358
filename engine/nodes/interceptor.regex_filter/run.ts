import { countingInterceptor } from '../../agent/interceptors/counting';
import { nodeConfig } from '../../agent/interceptors/node-config';
import type { InterceptorFactory } from '../../agent/types';
import { regexFilterInterceptorSpec } from './spec';
import { compileInterceptorRegex, regexInput } from './user-regex';

/** Flume RegexFilteringInterceptor: a match anywhere in the body (Java's Matcher.find). */
export const createRegexFilterInterceptor: InterceptorFactory = (node, env) => {
  const c = nodeConfig(regexFilterInterceptorSpec, node);
  const compiled = compileInterceptorRegex(c.regex);
  if (!compiled.ok) throw new Error(compiled.message); // unreachable: the spec refused it
  const { regex } = compiled;
  return countingInterceptor(env, (events) => events.filter((e) => regex.test(regexInput(e.body)) !== c.excludeEvents));
};
