import type { Operator } from '../../processor/operator';
import { copyVisit, type Visit } from '../../processor/records';
import type { UserAgents } from '../../processor/lookup/useragent';
import type { NodeRef } from '../../spec/plan';

export function createUseragent(_node: NodeRef, agents: UserAgents): Operator {
  return {
    process(input) {
      const out: Visit[] = new Array(input.length);
      for (let i = 0; i < input.length; i++) {
        const v = input[i] as Visit;
        const r = agents.lookup(v.ua);
        const c = copyVisit(v);
        c.browser = r.browser;
        c.os = r.os;
        c.device = r.device;
        c.bot = r.bot;
        out[i] = c;
      }
      return { out };
    },
  };
}
