import { BlockList, isIP } from 'net';

/**
 * Which addresses a webhook may reach (SSRF guard, ADR 045). A receiver is a public service:
 * anything that reaches into Porter's own network — loopback, private, link-local, CGNAT,
 * multicast, unspecified, reserved, documentation ranges and the cloud metadata endpoints — is
 * refused unless the operator allows the host (WEBHOOK_ALLOWED_HOSTS). IPv4 embedded in IPv6
 * (mapped `::ffff:a.b.c.d`, NAT64 `64:ff9b::/96`, compatible `::a.b.c.d`, 6to4 `2002:aabb:ccdd::/48`)
 * is judged as the IPv4 address it carries, so `[::ffff:127.0.0.1]` is loopback.
 */
const BLOCKED_V4: Array<[string, number, string]> = [
  ['0.0.0.0', 8, 'unspecified'],
  ['10.0.0.0', 8, 'private'],
  ['100.64.0.0', 10, 'carrier-grade NAT'],
  ['127.0.0.0', 8, 'loopback'],
  ['169.254.0.0', 16, 'link-local'],
  ['172.16.0.0', 12, 'private'],
  ['192.0.0.0', 24, 'reserved'],
  ['192.0.2.0', 24, 'documentation'],
  ['192.168.0.0', 16, 'private'],
  ['198.18.0.0', 15, 'benchmarking'],
  ['198.51.100.0', 24, 'documentation'],
  ['203.0.113.0', 24, 'documentation'],
  ['224.0.0.0', 4, 'multicast'],
  ['240.0.0.0', 4, 'reserved'],
];
const BLOCKED_V6: Array<[string, number, string]> = [
  ['::', 128, 'unspecified'],
  ['::1', 128, 'loopback'],
  ['64:ff9b:1::', 48, 'local-use NAT64'], // RFC 8215: translates to the site's own IPv4 addresses
  ['100::', 64, 'discard'],
  ['2001:2::', 48, 'benchmarking'],
  ['2001:db8::', 32, 'documentation'],
  ['3fff::', 20, 'documentation'],
  ['fc00::', 7, 'private'],
  ['fe80::', 10, 'link-local'],
  ['fec0::', 10, 'site-local'],
  ['ff00::', 8, 'multicast'],
];
const METADATA = new Set(['169.254.169.254', 'fd00:ec2::254']);

const lists = new Map<string, BlockList>();
for (const [address, prefix, reason] of [...BLOCKED_V4.map((r) => [...r, 'ipv4'] as const), ...BLOCKED_V6.map((r) => [...r, 'ipv6'] as const)]) {
  const list = lists.get(reason) ?? new BlockList();
  list.addSubnet(address, prefix, address.includes(':') ? 'ipv6' : 'ipv4');
  lists.set(reason, list);
}

/** Expands an IPv6 address to its 8 groups (numbers). */
function groups(address: string): number[] | null {
  let text = address.toLowerCase().replace(/^\[|\]$/g, '').replace(/%.*$/, '');
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4) {
    const parts = v4[1].split('.').map(Number);
    text = text.slice(0, -v4[1].length) + `${((parts[0] << 8) | parts[1]).toString(16)}:${((parts[2] << 8) | parts[3]).toString(16)}`;
  }
  const [head, tail] = text.split('::');
  const h = head ? head.split(':') : [];
  const t = tail !== undefined ? (tail ? tail.split(':') : []) : [];
  const fill = tail !== undefined ? 8 - h.length - t.length : 0;
  const all = [...h, ...Array(Math.max(0, fill)).fill('0'), ...t].map((g) => parseInt(g, 16));
  return all.length === 8 && all.every((g) => Number.isInteger(g) && g >= 0 && g <= 0xffff) ? all : null;
}

/** The IPv4 address an IPv6 address carries (mapped, NAT64, compatible, 6to4), or null. */
export function embeddedIPv4(address: string): string | null {
  const g = groups(address);
  if (!g) return null;
  const v4 = () => `${g[6] >> 8}.${g[6] & 0xff}.${g[7] >> 8}.${g[7] & 0xff}`;
  const zero = (from: number, to: number) => g.slice(from, to).every((x) => x === 0);
  if (zero(0, 5) && g[5] === 0xffff) return v4(); // ::ffff:a.b.c.d
  if (zero(0, 4) && g[4] === 0xffff && g[5] === 0) return v4(); // ::ffff:0:a.b.c.d (IPv4-translated, RFC 2765)
  if (g[0] === 0x64 && g[1] === 0xff9b && zero(2, 6)) return v4(); // 64:ff9b::a.b.c.d
  if (zero(0, 6) && (g[6] !== 0 || g[7] > 1)) return v4(); // ::a.b.c.d (deprecated compatible form)
  // 6to4 (2002:aabb:ccdd::/48): a host with a 6to4 tunnel sends it to the IPv4 address aa.bb.cc.dd
  if (g[0] === 0x2002) return `${g[1] >> 8}.${g[1] & 0xff}.${g[2] >> 8}.${g[2] & 0xff}`;
  return null;
}

/** Why an address must not be reached, or null when it is public. Not an IP address: 'invalid'. */
export function blockedReason(address: string): string | null {
  const bare = address.replace(/^\[|\]$/g, '').replace(/%.*$/, '');
  const family = isIP(bare);
  if (!family) return 'invalid';
  if (family === 6) {
    const v4 = embeddedIPv4(bare);
    if (v4) return blockedReason(v4);
  }
  if (METADATA.has(bare.toLowerCase())) return 'cloud metadata';
  const type = family === 4 ? 'ipv4' : 'ipv6';
  for (const [reason, list] of lists) {
    if (list.check(bare, type)) return reason;
  }
  if (family === 4 && bare === '255.255.255.255') return 'broadcast';
  return null;
}

/**
 * `host[:port]` patterns: `*` stands for any run of characters within the host (or any port).
 * No port in the pattern: any port. Hosts compare case-insensitively; IPv6 in brackets.
 */
export function hostAllowed(patterns: readonly string[], host: string, port: number): boolean {
  const h = host.toLowerCase().replace(/^\[|\]$/g, '');
  return patterns.some((pattern) => {
    const m = /^(\[[^\]]+\]|[^:]+)(?::(\d+|\*))?$/.exec(pattern);
    if (!m) return false;
    const hostPattern = m[1].replace(/^\[|\]$/g, '');
    const regex = new RegExp(`^${hostPattern.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`, 'i');
    return regex.test(h) && (m[2] === undefined || m[2] === '*' || Number(m[2]) === port);
  });
}
