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
    language: z.enum(['en', 'zh-CN']).default('en').describe('Language of region and city names where the database has it (GeoIP2/GeoLite2 has zh-CN; DB-IP Lite is English only).'),
    useForwardedFor: z.boolean().default(false).describe('Locate the client from X-Forwarded-For (when the log format carries it) instead of the peer address.'),
    trustedProxies: z
      .array(z.string().regex(/^[0-9a-fA-F:.]+(\/\d{1,3})?$/, 'an IP address or CIDR such as 10.0.0.0/8'))
      .default([])
      .describe('Your proxies (addresses or CIDRs) whose X-Forwarded-For entries are believed; private ranges are always treated as proxies.'),
  }),
  fieldHelpZh: {
    database: 'MMDB 文件路径；留空 = 使用 GEOIP_DB 或内置的 DB-IP 数据库。',
    cacheSize: '查询缓存中保留的 IP 数。',
    language: '地区与城市名称的语言，数据库中有该语言时生效（GeoIP2/GeoLite2 有 zh-CN；DB-IP Lite 只有英文）。',
    useForwardedFor: '根据 X-Forwarded-For（日志格式包含它时）而不是对端地址来定位客户端。',
    trustedProxies: '你的代理服务器（地址或 CIDR），采信其 X-Forwarded-For 条目；私有地址段始终视为代理服务器。',
  },
});
