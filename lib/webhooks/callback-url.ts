/**
 * Where a webhook may be sent: the URL policy (`checkCallbackUrl`) and the address policy
 * (`isForbiddenAddress`). Both are pure; the delivery module applies the address policy to every
 * resolved IP and then connects only to the address it checked.
 */

/** Options shared by the URL and address policies. */
export interface CallbackPolicyOptions {
  /** Local development and tests only: permit loopback (127.0.0.0/8, ::1), plain http to it, and any port on it. */
  allowLoopback: boolean;
}

/** The answer of `checkCallbackUrl`: the parsed URL, or why it is refused. */
export type CallbackUrlCheck = { ok: true; url: URL } | { ok: false; reason: string };

/** Longest callback URL accepted, in characters. */
export const MAX_CALLBACK_URL_LENGTH = 2048;

/**
 * Ports at or above 1024 that WHATWG Fetch calls "bad ports" (browsers refuse them): SIP, NFS, X11,
 * IRC, and the like. Ports below 1024 other than 443 are refused wholesale.
 */
export const FORBIDDEN_HIGH_PORTS: ReadonlySet<number> = new Set([
  1719, 1720, 1723, 2049, 3659, 4045, 4190, 5060, 5061, 6000, 6566, 6665, 6666, 6667, 6668, 6669, 6679,
  6697, 10080,
]);

const V4_MAX = 0xffffffff;

const parseIPv4Part = (part: string): number | null => {
  if (part === '') return null;
  let digits = part;
  let radix = 10;
  if (/^0x/i.test(part)) {
    digits = part.slice(2);
    radix = 16;
    if (digits === '') return 0;
    if (!/^[0-9a-f]+$/i.test(digits)) return null;
  } else if (part.length > 1 && part.startsWith('0')) {
    digits = part.slice(1);
    radix = 8;
    if (!/^[0-7]+$/.test(digits)) return null;
  } else if (!/^[0-9]+$/.test(digits)) {
    return null;
  }
  const value = parseInt(digits, radix);
  return Number.isSafeInteger(value) ? value : Number.MAX_SAFE_INTEGER;
};

/**
 * Parses an IPv4 address the way the WHATWG URL host parser does: one to four dot-separated parts,
 * each decimal, octal (leading 0) or hex (0x), the last part filling the remaining bytes
 * (`2130706433`, `0177.0.0.1`, `0x7f.1` are all 127.0.0.1). Returns the 32-bit value, or null.
 */
export const parseIPv4 = (input: string): number | null => {
  const parts = input.split('.');
  if (parts.length > 1 && parts[parts.length - 1] === '') parts.pop();
  if (parts.length === 0 || parts.length > 4) return null;
  const numbers: number[] = [];
  for (const part of parts) {
    const n = parseIPv4Part(part);
    if (n === null) return null;
    numbers.push(n);
  }
  const last = numbers.pop() ?? 0;
  if (numbers.some((n) => n > 255)) return null;
  if (last >= 256 ** (4 - numbers.length)) return null;
  let value = last;
  numbers.forEach((n, i) => {
    value += n * 256 ** (3 - i);
  });
  return value > V4_MAX ? null : value;
};

const parseHextets = (text: string): number[] | null => {
  if (text === '') return [];
  const groups = text.split(':');
  const out: number[] = [];
  for (const g of groups) {
    if (!/^[0-9a-f]{1,4}$/i.test(g)) return null;
    out.push(parseInt(g, 16));
  }
  return out;
};

/**
 * Parses an IPv6 address (optionally in brackets, with `::` compression, a trailing dotted IPv4
 * part, or a `%zone`) into its 128-bit value, or null.
 */
export const parseIPv6 = (input: string): bigint | null => {
  let text = input.startsWith('[') && input.endsWith(']') ? input.slice(1, -1) : input;
  const zone = text.indexOf('%');
  if (zone !== -1) text = text.slice(0, zone);
  if (!text.includes(':')) return null;

  let tail: number[] = [];
  const lastColon = text.lastIndexOf(':');
  const maybeV4 = text.slice(lastColon + 1);
  if (maybeV4.includes('.')) {
    if (!/^\d{1,3}(\.\d{1,3}){3}$/.test(maybeV4)) return null;
    const octets = maybeV4.split('.').map(Number);
    if (octets.some((o) => o > 255)) return null;
    const [a = 0, b = 0, c = 0, d = 0] = octets;
    tail = [(a << 8) | b, (c << 8) | d];
    text = text.slice(0, lastColon + 1);
    if (text.endsWith(':') && !text.endsWith('::')) text = text.slice(0, -1);
  }

  const halves = text.split('::');
  if (halves.length > 2) return null;
  let groups: number[];
  if (halves.length === 2) {
    const head = parseHextets(halves[0] ?? '');
    const rest = parseHextets(halves[1] ?? '');
    if (head === null || rest === null) return null;
    const fill = 8 - head.length - rest.length - tail.length;
    if (fill < 1) return null;
    groups = [...head, ...new Array<number>(fill).fill(0), ...rest, ...tail];
  } else {
    const all = parseHextets(halves[0] ?? '');
    if (all === null) return null;
    groups = [...all, ...tail];
  }
  if (groups.length !== 8) return null;
  return groups.reduce((acc, g) => (acc << 16n) | BigInt(g), 0n);
};

/** Formats a 32-bit IPv4 value as dotted decimal. */
export const formatIPv4 = (value: number): string =>
  [24, 16, 8, 0].map((shift) => (value >>> shift) & 0xff).join('.');

type Range4 = { base: number; bits: number; reason: string };
type Range6 = { base: bigint; bits: number; reason: string };

const v4 = (cidr: string, reason: string): Range4 => {
  const [addr = '', bits = ''] = cidr.split('/');
  const base = parseIPv4(addr);
  if (base === null) throw new TypeError(`bad range ${cidr}`);
  return { base, bits: Number(bits), reason };
};

const v6 = (cidr: string, reason: string): Range6 => {
  const [addr = '', bits = ''] = cidr.split('/');
  const base = parseIPv6(addr);
  if (base === null) throw new TypeError(`bad range ${cidr}`);
  return { base, bits: Number(bits), reason };
};

// Order matters: the first match names the reason, so the narrow ranges come before the wide ones.
const FORBIDDEN_V4: readonly Range4[] = [
  v4('169.254.169.254/32', 'cloud metadata address (link-local)'),
  v4('255.255.255.255/32', 'broadcast address'),
  v4('0.0.0.0/8', 'unspecified address ("this network", 0.0.0.0/8)'),
  v4('10.0.0.0/8', 'private address (10.0.0.0/8)'),
  v4('100.64.0.0/10', 'carrier-grade NAT address (100.64.0.0/10)'),
  v4('127.0.0.0/8', 'loopback address (127.0.0.0/8)'),
  v4('169.254.0.0/16', 'link-local address (169.254.0.0/16)'),
  v4('172.16.0.0/12', 'private address (172.16.0.0/12)'),
  v4('192.0.0.0/24', 'IETF protocol assignment (192.0.0.0/24)'),
  v4('192.0.2.0/24', 'documentation address (192.0.2.0/24)'),
  v4('192.88.99.0/24', '6to4 relay anycast address (192.88.99.0/24)'),
  v4('192.168.0.0/16', 'private address (192.168.0.0/16)'),
  v4('198.18.0.0/15', 'benchmarking address (198.18.0.0/15)'),
  v4('198.51.100.0/24', 'documentation address (198.51.100.0/24)'),
  v4('203.0.113.0/24', 'documentation address (203.0.113.0/24)'),
  v4('224.0.0.0/4', 'multicast address (224.0.0.0/4)'),
  v4('240.0.0.0/4', 'reserved address (240.0.0.0/4)'),
];

const FORBIDDEN_V6: readonly Range6[] = [
  v6('::/128', 'unspecified address (::)'),
  v6('::1/128', 'loopback address (::1)'),
  v6('fd00:ec2::254/128', 'cloud metadata address (fd00:ec2::254)'),
  v6('64:ff9b:1::/48', 'local-use NAT64 address (64:ff9b:1::/48)'),
  v6('100::/64', 'discard-only address (100::/64)'),
  v6('2001::/32', 'Teredo tunnel address (2001::/32)'),
  v6('2001:2::/48', 'benchmarking address (2001:2::/48)'),
  v6('2001:10::/28', 'ORCHID address (2001:10::/28)'),
  v6('2001:20::/28', 'ORCHIDv2 address (2001:20::/28)'),
  v6('2001:db8::/32', 'documentation address (2001:db8::/32)'),
  v6('3fff::/20', 'documentation address (3fff::/20)'),
  v6('fc00::/7', 'unique local (private) address (fc00::/7)'),
  v6('fe80::/10', 'link-local address (fe80::/10)'),
  v6('fec0::/10', 'site-local address (fec0::/10)'),
  v6('ff00::/8', 'multicast address (ff00::/8)'),
];

// Ranges whose low bits carry an IPv4 address; the embedded address decides.
const MAPPED = v6('::ffff:0:0/96', 'IPv4-mapped');
const COMPATIBLE = v6('::/96', 'IPv4-compatible');
const NAT64 = v6('64:ff9b::/96', 'NAT64');
const SIX_TO_FOUR = v6('2002::/16', '6to4');
const GLOBAL_UNICAST = v6('2000::/3', 'global unicast');

const inRange4 = (ip: number, r: Range4): boolean =>
  r.bits === 0 || (ip >>> (32 - r.bits)) === (r.base >>> (32 - r.bits));

const inRange6 = (ip: bigint, r: Range6): boolean => {
  const shift = BigInt(128 - r.bits);
  return ip >> shift === r.base >> shift;
};

const isLoopback4 = (ip: number): boolean => ip >>> 24 === 127;

const forbiddenV4 = (ip: number, opts: CallbackPolicyOptions): string | null => {
  if (opts.allowLoopback && isLoopback4(ip)) return null;
  return FORBIDDEN_V4.find((r) => inRange4(ip, r))?.reason ?? null;
};

const embedded = (ip: bigint, shift: bigint): number => Number((ip >> shift) & 0xffffffffn);

const forbiddenV6 = (ip: bigint, opts: CallbackPolicyOptions): string | null => {
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

/** An address parsed by `parseIpAddress`. */
export type ParsedAddress = { family: 4; value: number } | { family: 6; value: bigint };

/** Parses an IPv4 (any WHATWG form) or IPv6 (bracketed or not) address, or returns null for a name. */
export const parseIpAddress = (input: string): ParsedAddress | null => {
  const six = parseIPv6(input);
  if (six !== null) return { family: 6, value: six };
  const four = parseIPv4(input);
  return four === null ? null : { family: 4, value: four };
};

/**
 * Why a webhook must not connect to `ip`, or null when it may. Refuses loopback, unspecified,
 * private, CGNAT, link-local (cloud metadata), multicast, broadcast, reserved, benchmarking and
 * documentation ranges, IPv4-mapped and -compatible IPv6, NAT64/6to4 embedding a refused IPv4,
 * Teredo, and any IPv6 outside global unicast. With `allowLoopback`, 127.0.0.0/8 and ::1 (only)
 * pass. Anything that does not parse as an address is refused.
 */
export const isForbiddenAddress = (ip: string, opts: CallbackPolicyOptions): string | null => {
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

const portReason = (url: URL, loopback: boolean): string | null => {
  if (url.port === '') return null;
  const port = Number(url.port);
  if (port < 1 || port > 65535) return `port ${url.port} is not allowed`;
  if (loopback) return null;
  if (port === 443) return null;
  if (port < 1024) return `port ${port} is not allowed (use 443 or a port from 1024 to 65535)`;
  if (FORBIDDEN_HIGH_PORTS.has(port)) return `port ${port} is not allowed (a well-known non-HTTP service port)`;
  return null;
};

/**
 * Checks a callback URL before anything resolves or connects: https only (plain http only with
 * `allowLoopback` to a loopback host), no user name or password, no fragment, port 443 or
 * 1024-65535 minus `FORBIDDEN_HIGH_PORTS` (any port on loopback with `allowLoopback`), a
 * dotted host name or an IP literal that `isForbiddenAddress` accepts.
 */
export const checkCallbackUrl = (raw: string, opts: CallbackPolicyOptions): CallbackUrlCheck => {
  const refuse = (reason: string): CallbackUrlCheck => ({ ok: false, reason });
  if (raw.length > MAX_CALLBACK_URL_LENGTH) return refuse(`URL longer than ${MAX_CALLBACK_URL_LENGTH} characters`);
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return refuse('not a valid absolute URL');
  }
  // The URL parser silently drops or encodes these, so the URL called would differ from the one shown.
  if (/[\u0000-\u0020\u007f]/.test(raw)) return refuse('spaces and control characters are not allowed (percent-encode them)');
  const host = url.hostname.toLowerCase();
  const loopback = opts.allowLoopback && isLoopbackHost(host);

  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback)) {
    return refuse(`scheme ${url.protocol.replace(/:$/, '')} is not allowed (use https)`);
  }
  if (url.username !== '' || url.password !== '') return refuse('user name or password in the URL is not allowed');
  // url.hash is '' for a bare trailing '#', so look at the input too.
  if (url.hash !== '' || raw.includes('#')) return refuse('fragment (#…) is not allowed');
  const port = portReason(url, loopback);
  if (port) return refuse(port);
  if (host === '') return refuse('host is missing');

  if (parseIpAddress(host) !== null) {
    const why = isForbiddenAddress(host, opts);
    return why ? refuse(`host ${host} is refused: ${why}`) : { ok: true, url };
  }
  if (isLoopbackHost(host) && !opts.allowLoopback) return refuse(`host ${host} is a loopback name`);
  if (!loopback && !host.replace(/\.$/, '').includes('.')) {
    return refuse(`host ${host} is not a fully qualified domain name`);
  }
  return { ok: true, url };
};
