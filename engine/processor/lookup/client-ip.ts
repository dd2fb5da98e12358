import { BlockList, isIP } from 'node:net';

const PRIVATE_V4 = [['10.0.0.0', 8], ['172.16.0.0', 12], ['192.168.0.0', 16], ['127.0.0.0', 8], ['169.254.0.0', 16], ['100.64.0.0', 10], ['0.0.0.0', 8]] as const;
const PRIVATE = new BlockList();
for (const [net, prefix] of PRIVATE_V4) PRIVATE.addSubnet(net, prefix, 'ipv4');
/** The same IPv4 ranges as [first address, mask] integer pairs, for the GeoIP hot path. */
const PRIVATE_V4_MASKS = PRIVATE_V4.map(([net, prefix]) => {
  const mask = (0xffffffff << (32 - prefix)) >>> 0;
  return [(net.split('.').reduce((a, o) => a * 256 + Number(o), 0) & mask) >>> 0, mask] as const;
});
for (const [net, prefix] of [['::1', 128], ['fc00::', 7], ['fe80::', 10], ['::', 128]] as const) PRIVATE.addSubnet(net, prefix, 'ipv6');

export function isPrivateAddress(ip: string, family: 4 | 6 = isIP(ip) === 6 ? 6 : 4): boolean {
  return PRIVATE.check(ip, family === 6 ? 'ipv6' : 'ipv4');
}

/** isPrivateAddress for an IPv4 address given as an unsigned 32-bit integer (no string parsing). */
export function isPrivateV4(addr: number): boolean {
  for (const [net, mask] of PRIVATE_V4_MASKS) if (((addr & mask) >>> 0) === net) return true;
  return false;
}

/**
 * A dotted-quad IPv4 address as an unsigned 32-bit integer, or -1 for anything else. Accepts
 * exactly what net.isIP() calls IPv4 (four decimal octets 0-255, no leading zeros), so callers
 * may fall back to the general path on -1 without changing any answer.
 */
export function parseIPv4(ip: string): number {
  const n = ip.length;
  if (n < 7 || n > 15) return -1;
  let addr = 0;
  let octet = 0;
  let digits = 0;
  let dots = 0;
  for (let i = 0; i < n; i++) {
    const c = ip.charCodeAt(i);
    if (c === 46 /* . */) {
      if (digits === 0 || dots === 3) return -1;
      addr = addr * 256 + octet;
      octet = 0;
      digits = 0;
      dots++;
    } else if (c >= 48 && c <= 57) {
      if (digits === 1 && octet === 0) return -1; // leading zero
      octet = octet * 10 + (c - 48);
      if (octet > 255) return -1;
      digits++;
    } else return -1;
  }
  if (digits === 0 || dots !== 3) return -1;
  return addr * 256 + octet;
}

/** Proxies whose X-Forwarded-For entries are believed: CIDRs like `10.0.0.0/8` or single addresses. */
export function trustedProxies(cidrs: readonly string[]): BlockList {
  const list = new BlockList();
  for (const c of cidrs) {
    const [addr, bits] = c.trim().split('/');
    const family = isIP(addr);
    if (!family) throw new Error(`"${c}" is not an IP address or CIDR`);
    const type = family === 6 ? 'ipv6' : 'ipv4';
    if (bits === undefined) list.addAddress(addr, type);
    else list.addSubnet(addr, Number(bits), type);
  }
  return list;
}

/**
 * The visitor's address behind proxies: walk X-Forwarded-For from the right (the hop nearest to
 * us), skipping our own trusted proxies and private hops; the first other address is the client.
 * Entries further left were written by whoever sent the request and are not believed.
 */
export function clientAddress(peer: string, forwardedFor: string | undefined, trusted: BlockList): string {
  if (!forwardedFor) return peer;
  const isTrusted = (ip: string) => {
    const f = isIP(ip);
    return f !== 0 && (trusted.check(ip, f === 6 ? 'ipv6' : 'ipv4') || isPrivateAddress(ip, f === 6 ? 6 : 4));
  };
  if (!isTrusted(peer)) return peer; // the peer is not a proxy we know: its header proves nothing
  const hops = forwardedFor.split(',').map((h) => h.trim()).filter(Boolean);
  for (let i = hops.length - 1; i >= 0; i--) {
    if (!isIP(hops[i])) return peer;
    if (!isTrusted(hops[i])) return hops[i];
  }
  return hops[0] ?? peer;
}
