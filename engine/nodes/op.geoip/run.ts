import type { Operator } from '../../processor/operator';
import { copyVisit, type Visit } from '../../processor/records';
import { clientAddress, trustedProxies } from '../../processor/lookup/client-ip';
import type { GeoIp } from '../../processor/lookup/geoip';
import type { NodeRef } from '../../spec/plan';

export function createGeoip(node: NodeRef, geo: GeoIp): Operator {
  const useXff = node.config.useForwardedFor === true;
  const trusted = trustedProxies((node.config.trustedProxies as string[] | undefined) ?? []);
  return {
    process(input) {
      const out: Visit[] = new Array(input.length);
      for (let i = 0; i < input.length; i++) {
        const v = input[i] as Visit;
        const g = geo.lookup(useXff ? clientAddress(v.ip, v.xff, trusted) : v.ip);
        const c = copyVisit(v);
        c.country = g.country;
        c.region = g.region;
        c.city = g.city;
        out[i] = c;
      }
      return { out };
    },
  };
}
