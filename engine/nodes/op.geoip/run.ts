import type { Operator } from '../../processor/operator';
import type { Visit } from '../../processor/records';
import type { GeoIp } from '../../processor/lookup/geoip';
import type { NodeRef } from '../../spec/plan';

export function createGeoip(_node: NodeRef, geo: GeoIp): Operator {
  return {
    process(input) {
      return {
        out: (input as Visit[]).map((v) => {
          const g = geo.lookup(v.ip);
          return { ...v, country: g.country, region: g.region, city: g.city };
        }),
      };
    },
  };
}
