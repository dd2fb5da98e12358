import { describe, expect, it } from 'vitest';
import { isPrivateAddress } from './client-ip';
import { GeoIp, defaultDatabases, normalize } from './geoip';
import { Lru } from './lru';
import { UserAgents } from './useragent';

describe('GeoIP', async () => {
  const geo = await GeoIp.open(undefined, 100);

  it.each([
    ['123.125.114.144', 'CN', 'CN/Beijing'],
    ['113.108.81.189', 'CN', 'CN/Guangdong'],
    ['101.226.4.6', 'CN', 'CN/Shanghai'],
    ['8.8.8.8', 'US', 'US/California'],
  ])('finds %s in %s / %s (bundled DB-IP, flat schema)', (ip, country, region) => {
    expect(geo.lookup(ip)).toMatchObject({ country, region });
  });

  it('looks up IPv6 in the IPv6 database', () => {
    expect(geo.lookup('2001:4860:4860::8888').country).toMatch(/^[A-Z]{2}$/);
    expect(geo.lookup('2001:4860:4860::8888')).toEqual(geo.lookup('2001:4860:4860:0:0:0:0:8888'));
  });

  it('reports non-IPs as unknown and private addresses as private', () => {
    for (const ip of ['not-an-ip', '', '999.1.1.1', '1.2.3.4.5']) expect(geo.lookup(ip)).toEqual({ country: 'unknown', region: 'unknown', city: 'unknown' });
    for (const ip of ['10.0.0.1', '192.168.1.1', '127.0.0.1', '::1']) expect(geo.lookup(ip)).toEqual({ country: 'private', region: 'private', city: 'private' });
  });

  it('takes names in the chosen language where the database has them', () => {
    const rec = { country: { iso_code: 'CN' }, subdivisions: [{ names: { en: 'Zhejiang', 'zh-CN': '浙江' } }], city: { names: { en: 'Hangzhou', 'zh-CN': '杭州' } } };
    expect(normalize(rec, 'zh-CN')).toEqual({ country: 'CN', region: 'CN/浙江', city: 'CN/浙江/杭州' });
    expect(normalize({ country_code: 'CN', state1: 'Zhejiang', city: 'Hangzhou' }, 'zh-CN').region).toBe('CN/Zhejiang'); // DB-IP: English only
  });

  it('normalizes the GeoIP2 / GeoLite2-City schema the same way', () => {
    expect(normalize({ country: { iso_code: 'CN' }, subdivisions: [{ names: { en: 'Zhejiang', 'zh-CN': '浙江' } }], city: { names: { en: 'Hangzhou' } } }))
      .toEqual({ country: 'CN', region: 'CN/Zhejiang', city: 'CN/Zhejiang/Hangzhou' });
  });

  it('finds the same place on the IPv4 fast path as through the MMDB reader', async () => {
    const maxmind = (await import('maxmind')).default;
    const [v4File] = defaultDatabases();
    const reader = await maxmind.open(v4File);
    const fresh = await GeoIp.open(undefined, 10);
    let seed = 11;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
    for (let i = 0; i < 3000; i++) {
      const ip = [0, 0, 0, 0].map(() => Math.floor(rnd() * 256)).join('.');
      const want = isPrivateAddress(ip, 4) ? { country: 'private', region: 'private', city: 'private' } : normalize(reader.get(ip) as Parameters<typeof normalize>[0]);
      expect(fresh.lookup(ip), ip).toEqual(want);
    }
  });

  it('says what to do when the database cannot be opened', async () => {
    await expect(GeoIp.open('/no/such.mmdb', 10)).rejects.toMatchObject({ code: 'geoip_database_unreadable', message: expect.stringContaining('GEOIP_DB') });
  });
});

describe('user agents', () => {
  const ua = new UserAgents(100);
  it.each([
    ['Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36', { browser: 'Chrome', os: 'Windows', device: 'desktop', bot: false }],
    ['Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1', { browser: 'Mobile Safari', os: 'iOS', device: 'mobile', bot: false }],
    ['Mozilla/5.0 (compatible; Baiduspider/2.0; +http://www.baidu.com/search/spider.html)', { browser: 'Baiduspider', device: 'bot', bot: true }],
    ['', { browser: 'unknown', os: 'unknown', device: 'unknown', bot: false }],
  ])('%s', (agent, expected) => {
    expect(ua.lookup(agent)).toMatchObject(expected);
  });
});

describe('Lru', () => {
  it('stays bounded and evicts the least recently used', () => {
    const lru = new Lru<string, number>(2);
    lru.set('a', 1);
    lru.set('b', 2);
    lru.get('a');
    lru.set('c', 3);
    expect([lru.get('a'), lru.get('b'), lru.get('c'), lru.size]).toEqual([1, undefined, 3, 2]);
  });
});
