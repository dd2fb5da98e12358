import { describe, expect, it } from 'vitest';
import { clientAddress, isPrivateAddress, trustedProxies } from './client-ip';

describe('client address behind proxies', () => {
  const trusted = trustedProxies(['203.0.113.0/24']);
  it.each([
    ['peer is not a known proxy: header ignored', '8.8.8.8', '1.2.3.4', '8.8.8.8'],
    ['private proxy: rightmost untrusted hop', '10.0.0.5', '123.125.114.144', '123.125.114.144'],
    ['chain through a trusted proxy', '10.0.0.5', '101.226.4.6, 203.0.113.9', '101.226.4.6'],
    ['spoofed left entries are not believed', '10.0.0.5', '1.1.1.1, 113.108.81.189', '113.108.81.189'],
    ['no header', '10.0.0.5', undefined, '10.0.0.5'],
    ['garbage hop keeps the peer', '10.0.0.5', 'not-an-ip', '10.0.0.5'],
  ])('%s', (_name, peer, xff, expected) => {
    expect(clientAddress(peer, xff, trusted)).toBe(expected);
  });

  it('knows private and reserved ranges', () => {
    for (const ip of ['10.1.2.3', '192.168.0.1', '172.20.0.1', '127.0.0.1', '169.254.1.1', '100.64.0.1', '::1', 'fd00::1', 'fe80::1']) expect(isPrivateAddress(ip), ip).toBe(true);
    for (const ip of ['8.8.8.8', '123.125.114.144', '2001:4860:4860::8888']) expect(isPrivateAddress(ip), ip).toBe(false);
  });

  it('refuses a bad proxy entry with what was wrong', () => {
    expect(() => trustedProxies(['10.0.0.0/8', 'nope'])).toThrow(/"nope" is not an IP/);
  });
});

describe('IPv4 fast path', () => {
  it('parses exactly what net.isIP calls IPv4, and classifies private ranges like the BlockList', async () => {
    const { isIP } = await import('node:net');
    const { parseIPv4, isPrivateV4 } = await import('./client-ip');
    const odd = ['', '1.2.3', '1.2.3.4.5', '01.2.3.4', '1.2.3.04', '256.1.1.1', '1.2.3.255', '0.0.0.0', '255.255.255.255', '1..2.3', '.1.2.3', '1.2.3.', '1.2.3.4 ', ' 1.2.3.4', '1.2.3.a', '::1', '::ffff:1.2.3.4', '1234.1.1.1', '00.1.1.1'];
    let seed = 7;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
    const random = Array.from({ length: 5000 }, () => [0, 0, 0, 0].map(() => Math.floor(rnd() * 256)).join('.'));
    const edges = ['10.0.0.0', '9.255.255.255', '11.0.0.0', '172.15.255.255', '172.16.0.0', '172.31.255.255', '172.32.0.0', '100.63.255.255', '100.64.0.0', '100.127.255.255', '100.128.0.0', '169.254.0.1', '192.168.255.255', '192.169.0.0', '127.255.255.255', '0.255.255.255', '1.0.0.0'];
    for (const ip of [...odd, ...random, ...edges]) {
      const addr = parseIPv4(ip);
      expect(addr >= 0, ip).toBe(isIP(ip) === 4);
      if (addr >= 0) {
        expect(addr, ip).toBe(ip.split('.').reduce((a, o) => a * 256 + Number(o), 0));
        expect(isPrivateV4(addr), ip).toBe(isPrivateAddress(ip, 4));
      }
    }
  });
});
