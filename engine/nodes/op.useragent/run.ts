import type { Operator } from '../../processor/operator';
import type { Visit } from '../../processor/records';
import type { UserAgents } from '../../processor/lookup/useragent';
import type { NodeRef } from '../../spec/plan';

export function createUseragent(_node: NodeRef, agents: UserAgents): Operator {
  return {
    process(input) {
      return {
        out: (input as Visit[]).map((v) => {
          const c = agents.lookup(v.ua);
          return { ...v, browser: c.browser, os: c.os, device: c.device, bot: c.bot };
        }),
      };
    },
  };
}
