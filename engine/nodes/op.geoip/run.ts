import type { Operator } from '../../processor/operator';
import type { Visit } from '../../processor/records';
import { clientAddress, trustedProxies } from '../../processor/lookup/client-ip';
import type { GeoIp } from '../../processor/lookup/geoip';
import type { NodeRef } from '../../spec/plan';

export function createGeoip(node: NodeRef, geo: GeoIp): Operator {
  const useXff = node.config.useForwardedFor === true;
  const trusted = trustedProxies((node.config.trustedProxies as string[] | undefined) ?? []);
  return {
    process(input) {
      return {
        out: (input as Visit[]).map((v) => {
          const ip = useXff ? clientAddress(v.ip, (v as Visit & { xff?: string }).xff, trusted) : v.ip;
          const g = geo.lookup(ip);
          return { ...v, country: g.country, region: g.region, city: g.city };
        }),
      };
    },
  };
}
