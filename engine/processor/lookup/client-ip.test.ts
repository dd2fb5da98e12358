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
