import { createHash } from 'node:crypto';
import { expect, it } from 'vitest';
import { privacyHash } from './privacy-hash';

it('hashes salt, IP and user agent to the first 64 bits of SHA-256 over the parts joined by newlines', () => {
  // The reference is the original part-by-part computation: a change of the value would split every
  // visitor of the day into two in the HyperLogLogs.
  const byParts = (salt: string, ip: string, ua: string) =>
    createHash('sha256').update(salt).update('\n').update(ip).update('\n').update(ua).digest('hex').slice(0, 16);
  for (const [salt, ip, ua] of [['0f1e2d3c', '1.2.3.4', 'Mozilla/5.0 (Windows NT 10.0) 中文 é'], ['', '', ''], ['s', '::1', '-']]) {
    expect(privacyHash(salt, ip, ua)).toBe(byParts(salt, ip, ua));
  }
  expect(privacyHash('salt', '1.2.3.4', 'ua')).toMatch(/^[0-9a-f]{16}$/);
});
