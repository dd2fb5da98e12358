import { countingInterceptor } from '../../agent/interceptors/counting';
import { nodeConfig } from '../../agent/interceptors/node-config';
import type { FlumeEvent, InterceptorFactory } from '../../agent/types';
// The pattern op.useragent flags bots with, so the agent and the processor judge alike.
import { BOT } from '../../processor/lookup/useragent';
import { botFilterInterceptorSpec } from './spec';

/**
 * The last double-quoted field of a line (the user agent of a combined log line), or undefined.
 * A quote escaped with a backslash (Apache's \") does not end the field.
 */
export function lastQuotedField(line: string): string | undefined {
  const end = line.lastIndexOf('"');
  if (end <= 0) return undefined;
  for (let i = end - 1; i >= 0; i--) {
    if (line.charCodeAt(i) !== 34) continue;
    let slashes = 0;
    while (i - 1 - slashes >= 0 && line.charCodeAt(i - 1 - slashes) === 92) slashes++;
    if (slashes % 2 === 0) return line.slice(i + 1, end);
  }
  return undefined;
}

export const createBotFilterInterceptor: InterceptorFactory = (node, env) => {
  const { mode, userAgentHeader } = nodeConfig(botFilterInterceptorSpec, node);
  const isBot = (e: FlumeEvent) => {
    const ua = e.headers[userAgentHeader] || lastQuotedField(e.body);
    return ua !== undefined && BOT.test(ua);
  };
  if (mode === 'tag') {
    return countingInterceptor(env, (events) => {
      for (const e of events) if (isBot(e)) e.headers.bot = 'true';
      return events;
    });
  }
  return countingInterceptor(env, (events) => events.filter((e) => !isBot(e)));
};
