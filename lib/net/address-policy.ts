/**
 * Which addresses we refuse to connect to on a customer's behalf (webhook receivers, S3-compatible
 * endpoints): pure, applied to IP literals in URLs and to every address a name resolves to.
 */
import { formatIPv4, parseIpAddress } from './ip-address.js';

/** Options of the address policy. */
export interface AddressPolicyOptions {
  /** Local development and tests only: permit loopback (127.0.0.0/8, ::1). */
  allowLoopback: boolean;
}

type Range4 = { base: number; bits: number; reason: string };
type Range6 = { base: bigint; bits: number; reason: string };

// Ranges are written as numbers (octets, leading 16-bit groups) rather than parsed from CIDR text, so
// building them costs nothing at start-up; the unit tests hold each to the addresses it must refuse.
/** An IPv4 range: its four octets and prefix length. */
const v4 = ([a, b, c, d]: readonly [number, number, number, number], bits: number, reason: string): Range4 => ({
  base: ((a << 24) | (b << 16) | (c << 8) | d) >>> 0,
  bits,
  reason,
});

/** An IPv6 range: its leading 16-bit groups (the rest zero) and prefix length. */
const v6 = (groups: readonly number[], bits: number, reason: string): Range6 => ({
  base: groups.reduce((acc, g, i) => acc | (BigInt(g) << BigInt(112 - 16 * i)), 0n),
  bits,
  reason,
});

// Order matters: the first match names the reason, so the narrow ranges come before the wide ones.
const FORBIDDEN_V4: readonly Range4[] = [
  v4([169, 254, 169, 254], 32, 'cloud metadata address (link-local)'),
  v4([255, 255, 255, 255], 32, 'broadcast address'),
  v4([0, 0, 0, 0], 8, 'unspecified address ("this network", 0.0.0.0/8)'),
  v4([10, 0, 0, 0], 8, 'private address (10.0.0.0/8)'),
  v4([100, 64, 0, 0], 10, 'carrier-grade NAT address (100.64.0.0/10)'),
  v4([127, 0, 0, 0], 8, 'loopback address (127.0.0.0/8)'),
  v4([169, 254, 0, 0], 16, 'link-local address (169.254.0.0/16)'),
  v4([172, 16, 0, 0], 12, 'private address (172.16.0.0/12)'),
  v4([192, 0, 0, 0], 24, 'IETF protocol assignment (192.0.0.0/24)'),
  v4([192, 0, 2, 0], 24, 'documentation address (192.0.2.0/24)'),
  v4([192, 88, 99, 0], 24, '6to4 relay anycast address (192.88.99.0/24)'),
  v4([192, 168, 0, 0], 16, 'private address (192.168.0.0/16)'),
  v4([198, 18, 0, 0], 15, 'benchmarking address (198.18.0.0/15)'),
  v4([198, 51, 100, 0], 24, 'documentation address (198.51.100.0/24)'),
  v4([203, 0, 113, 0], 24, 'documentation address (203.0.113.0/24)'),
  v4([224, 0, 0, 0], 4, 'multicast address (224.0.0.0/4)'),
  v4([240, 0, 0, 0], 4, 'reserved address (240.0.0.0/4)'),
];

const FORBIDDEN_V6: readonly Range6[] = [
  v6([], 128, 'unspecified address (::)'),
  v6([0, 0, 0, 0, 0, 0, 0, 1], 128, 'loopback address (::1)'),
  v6([0xfd00, 0xec2, 0, 0, 0, 0, 0, 0x254], 128, 'cloud metadata address (fd00:ec2::254)'),
  v6([0x64, 0xff9b, 1], 48, 'local-use NAT64 address (64:ff9b:1::/48)'),
  v6([0x100], 64, 'discard-only address (100::/64)'),
  v6([0x2001], 32, 'Teredo tunnel address (2001::/32)'),
  v6([0x2001, 2], 48, 'benchmarking address (2001:2::/48)'),
  v6([0x2001, 0x10], 28, 'ORCHID address (2001:10::/28)'),
  v6([0x2001, 0x20], 28, 'ORCHIDv2 address (2001:20::/28)'),
  v6([0x2001, 0xdb8], 32, 'documentation address (2001:db8::/32)'),
  v6([0x3fff], 20, 'documentation address (3fff::/20)'),
  v6([0xfc00], 7, 'unique local (private) address (fc00::/7)'),
  v6([0xfe80], 10, 'link-local address (fe80::/10)'),
  v6([0xfec0], 10, 'site-local address (fec0::/10)'),
  v6([0xff00], 8, 'multicast address (ff00::/8)'),
];

// Ranges whose low bits carry an IPv4 address; the embedded address decides.
const MAPPED = v6([0, 0, 0, 0, 0, 0xffff], 96, 'IPv4-mapped');
const COMPATIBLE = v6([], 96, 'IPv4-compatible');
const NAT64 = v6([0x64, 0xff9b], 96, 'NAT64');
const SIX_TO_FOUR = v6([0x2002], 16, '6to4');
const GLOBAL_UNICAST = v6([0x2000], 3, 'global unicast');

const inRange4 = (ip: number, r: Range4): boolean =>
  r.bits === 0 || (ip >>> (32 - r.bits)) === (r.base >>> (32 - r.bits));

const inRange6 = (ip: bigint, r: Range6): boolean => {
  const shift = BigInt(128 - r.bits);
  return ip >> shift === r.base >> shift;
};

const isLoopback4 = (ip: number): boolean => ip >>> 24 === 127;

const forbiddenV4 = (ip: number, opts: AddressPolicyOptions): string | null => {
  if (opts.allowLoopback && isLoopback4(ip)) return null;
  return FORBIDDEN_V4.find((r) => inRange4(ip, r))?.reason ?? null;
};

const embedded = (ip: bigint, shift: bigint): number => Number((ip >> shift) & 0xffffffffn);

const forbiddenV6 = (ip: bigint, opts: AddressPolicyOptions): string | null => {
  if (opts.allowLoopback && ip === 1n) return null;
  // An embedded loopback is never "loopback" for allowLoopback: only 127/8 and ::1 are.
  const strict = { allowLoopback: false };

  if (inRange6(ip, MAPPED) || (inRange6(ip, COMPATIBLE) && ip > 1n)) {
    const kind = inRange6(ip, MAPPED) ? MAPPED.reason : COMPATIBLE.reason;
    const inner = embedded(ip, 0n);
    const why = forbiddenV4(inner, strict);
    return why
      ? `${kind} address of ${formatIPv4(inner)}: ${why}`
      : `${kind} IPv6 address (publish the IPv4 address ${formatIPv4(inner)} instead)`;
  }
  for (const [range, shift] of [
    [NAT64, 0n],
    [SIX_TO_FOUR, 80n],
  ] as const) {
    if (inRange6(ip, range)) {
      const inner = embedded(ip, shift);
      const why = forbiddenV4(inner, strict);
      return why ? `${range.reason} address embedding ${formatIPv4(inner)}: ${why}` : null;
    }
  }
  const listed = FORBIDDEN_V6.find((r) => inRange6(ip, r));
  if (listed) return listed.reason;
  return inRange6(ip, GLOBAL_UNICAST) ? null : 'not a global unicast IPv6 address';
};

/**
 * Why we must not connect to `ip`, or null when we may. Refuses loopback, unspecified,
 * private, CGNAT, link-local (cloud metadata), multicast, broadcast, reserved, benchmarking and
 * documentation ranges, IPv4-mapped and -compatible IPv6, NAT64/6to4 embedding a refused IPv4,
 * Teredo, and any IPv6 outside global unicast. With `allowLoopback`, 127.0.0.0/8 and ::1 (only)
 * pass. Anything that does not parse as an address is refused.
 */
export const isForbiddenAddress = (ip: string, opts: AddressPolicyOptions): string | null => {
  const parsed = parseIpAddress(ip.trim());
  if (parsed === null) return 'not an IP address';
  return parsed.family === 4 ? forbiddenV4(parsed.value, opts) : forbiddenV6(parsed.value, opts);
};

/** True when `host` (a URL hostname, IPv6 in brackets) is a loopback literal or `localhost`. */
export const isLoopbackHost = (host: string): boolean => {
  const name = host.toLowerCase().replace(/\.$/, '');
  if (name === 'localhost' || name.endsWith('.localhost')) return true;
  const parsed = parseIpAddress(name);
  if (parsed === null) return false;
  return parsed.family === 4 ? isLoopback4(parsed.value) : parsed.value === 1n;
};
