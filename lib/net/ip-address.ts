/** IP address literals as URL hosts and resolvers write them: parsed to their numeric value, and back. */

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

/** An address parsed by `parseIpAddress`. */
export type ParsedAddress = { family: 4; value: number } | { family: 6; value: bigint };

/** Parses an IPv4 (any WHATWG form) or IPv6 (bracketed or not) address, or returns null for a name. */
export const parseIpAddress = (input: string): ParsedAddress | null => {
  const six = parseIPv6(input);
  if (six !== null) return { family: 6, value: six };
  const four = parseIPv4(input);
  return four === null ? null : { family: 4, value: four };
};
