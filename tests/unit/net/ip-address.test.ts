import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatIPv4, parseIPv4, parseIPv6, parseIpAddress } from '../../../lib/net/ip-address.js';

describe('IPv4 and IPv6 parsing agrees with WHATWG URL', () => {
  const repr = fc.oneof(
    fc.constant((n: number) => String(n)),
    fc.constant((n: number) => `0x${n.toString(16)}`),
    fc.constant((n: number) => `0${n.toString(8)}`),
    fc.constant((n: number) => `${n >>> 24}.${n & 0xffffff}`),
    fc.constant((n: number) => `0x${(n >>> 24).toString(16)}.0${((n >>> 16) & 0xff).toString(8)}.${n & 0xffff}`),
    fc.constant((n: number) => `${formatIPv4(n)}.`),
  );

  it('every numeric form parses to the address the URL parser normalises it to', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffffffff }), repr, (n, show) => {
        const text = show(n);
        expect(parseIPv4(text)).toBe(n);
        expect(new URL(`https://${text}/`).hostname).toBe(formatIPv4(n));
      }),
    );
  });

  it('an IPv6 address keeps its value through the URL parser', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 0xffff }), { minLength: 8, maxLength: 8 }), (groups) => {
        const full = groups.map((g) => g.toString(16)).join(':');
        const normalised = new URL(`https://[${full}]/`).hostname;
        expect(parseIPv6(normalised)).toBe(parseIPv6(full));
        expect(parseIPv6(full)).toBe(groups.reduce((acc, g) => (acc << 16n) | BigInt(g), 0n));
      }),
    );
  });

  it('a 32-bit value above 2^32 is not an address', () => {
    expect(parseIPv4('4294967296')).toBeNull();
    expect(parseIPv4('1.16777216')).toBeNull();
    expect(parseIPv4('0x100000000')).toBeNull();
    expect(parseIPv4('4294967295')).toBe(0xffffffff);
  });
});

describe('parseIpAddress', () => {
  it('tells an IPv4 from an IPv6 literal, and a name from both', () => {
    expect(parseIpAddress('127.1')).toEqual({ family: 4, value: 0x7f000001 });
    expect(parseIpAddress('[::1]')).toEqual({ family: 6, value: 1n });
    expect(parseIpAddress('::ffff:127.0.0.1')).toEqual({ family: 6, value: 0xffff7f000001n });
    expect(parseIpAddress('example.com')).toBeNull();
  });
});
