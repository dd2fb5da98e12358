import { BlockList, isIP } from 'node:net';

const PRIVATE = new BlockList();
for (const [net, prefix] of [['10.0.0.0', 8], ['172.16.0.0', 12], ['192.168.0.0', 16], ['127.0.0.0', 8], ['169.254.0.0', 16], ['100.64.0.0', 10], ['0.0.0.0', 8]] as const) {
  PRIVATE.addSubnet(net, prefix, 'ipv4');
}
for (const [net, prefix] of [['::1', 128], ['fc00::', 7], ['fe80::', 10], ['::', 128]] as const) PRIVATE.addSubnet(net, prefix, 'ipv6');

export function isPrivateAddress(ip: string, family: 4 | 6 = isIP(ip) === 6 ? 6 : 4): boolean {
  return PRIVATE.check(ip, family === 6 ? 'ipv6' : 'ipv4');
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
