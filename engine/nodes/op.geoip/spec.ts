import { z } from 'zod';
import { defineNode } from '../../spec/node-spec';

export const geoipSpec = defineNode({
  type: 'op.geoip',
  category: 'processor',
  title: { en: 'GeoIP region', zh: 'GeoIP 地区' },
  description: {
    en: 'Looks up country, province/region and city of the visitor IP in a MaxMind MMDB (default: DB-IP City Lite, CC BY 4.0; GEOIP_DB overrides).',
    zh: '在 MaxMind MMDB 中查询访客 IP 的国家、省份/地区与城市（默认 DB-IP City Lite，CC BY 4.0；可用 GEOIP_DB 覆盖）。',
  },
  inputs: [{ name: 'in', kind: 'visit', required: true }],
  outputs: [{ name: 'out', kind: 'visit' }],
  config: z.object({
    database: z.string().default('').describe('Path to an MMDB file; empty = GEOIP_DB or the bundled DB-IP database.'),
    cacheSize: z.number().int().min(0).max(10_000_000).default(50_000).describe('IPs kept in the lookup cache.'),
  }),
});
