import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  checkCallbackUrl,
  formatIPv4,
  isForbiddenAddress,
  isLoopbackHost,
  parseIPv4,
  parseIPv6,
} from '../../../lib/webhooks/callback-url.js';

const strict = { allowLoopback: false };
const local = { allowLoopback: true };

describe('isForbiddenAddress', () => {
  it.each([
    ['127.0.0.1', /loopback/],
    ['127.255.255.254', /loopback/],
    ['2130706433', /loopback/],
    ['0177.0.0.1', /loopback/],
    ['0x7f.1', /loopback/],
    ['0x7F000001', /loopback/],
    ['127.1', /loopback/],
    ['::1', /loopback/],
    ['[::1]', /loopback/],
    ['0:0:0:0:0:0:0:1', /loopback/],
    ['0.0.0.0', /unspecified/],
    ['0.1.2.3', /unspecified/],
    ['::', /unspecified/],
    ['10.0.0.5', /private/],
    ['172.16.0.1', /private/],
    ['172.31.255.255', /private/],
    ['192.168.0.1', /private/],
    ['fc00::1', /unique local/],
    ['fd12:3456::1', /unique local/],
    ['fd00:ec2::254', /cloud metadata/],
    ['169.254.169.254', /cloud metadata/],
    ['169.254.1.1', /link-local/],
    ['fe80::1', /link-local/],
    ['fe80::1%eth0', /link-local/],
    ['febf::1', /link-local/],
    ['fec0::1', /site-local/],
    ['100.64.0.1', /carrier-grade NAT/],
    ['100.127.255.255', /carrier-grade NAT/],
    ['224.0.0.1', /multicast/],
    ['239.255.255.250', /multicast/],
    ['ff02::1', /multicast/],
    ['255.255.255.255', /broadcast/],
    ['240.0.0.1', /reserved/],
    ['198.18.0.1', /benchmarking/],
    ['198.19.255.255', /benchmarking/],
    ['2001:2::1', /benchmarking/],
    ['192.0.2.10', /documentation/],
    ['198.51.100.10', /documentation/],
    ['203.0.113.10', /documentation/],
    ['2001:db8::1', /documentation/],
    ['3fff::1', /documentation/],
    ['192.0.0.8', /IETF protocol/],
    ['192.88.99.1', /6to4 relay/],
    ['::ffff:127.0.0.1', /IPv4-mapped address of 127\.0\.0\.1: loopback/],
    ['::ffff:7f00:1', /IPv4-mapped address of 127\.0\.0\.1: loopback/],
    ['::ffff:169.254.169.254', /IPv4-mapped.*cloud metadata/],
    ['::ffff:a9fe:a9fe', /IPv4-mapped.*cloud metadata/],
    ['::ffff:10.0.0.5', /IPv4-mapped.*private/],
    ['::ffff:8.8.8.8', /IPv4-mapped IPv6 address \(publish the IPv4 address 8\.8\.8\.8/],
    ['::127.0.0.1', /IPv4-compatible address of 127\.0\.0\.1: loopback/],
    ['::a9fe:a9fe', /IPv4-compatible.*cloud metadata/],
    ['64:ff9b::127.0.0.1', /NAT64 address embedding 127\.0\.0\.1: loopback/],
    ['64:ff9b::a9fe:a9fe', /NAT64.*cloud metadata/],
    ['64:ff9b::10.1.2.3', /NAT64.*private/],
    ['64:ff9b:1::a00:5', /local-use NAT64/],
    ['2002:7f00:1::', /6to4 address embedding 127\.0\.0\.1/],
    ['2002:a9fe:a9fe::1', /6to4.*cloud metadata/],
    ['2002:c0a8:101::1', /6to4.*192\.168\.1\.1: private/],
    ['2001:0:4136:e378:8000:63bf:3fff:fdd2', /Teredo/],
    ['100::1', /discard-only/],
    ['2001:10::1', /ORCHID/],
    ['::102:304', /IPv4-compatible IPv6 address \(publish the IPv4 address 1\.2\.3\.4/],
    ['::1:2:3', /not a global unicast/],
    ['1::', /not a global unicast/],
    ['4000::1', /not a global unicast/],
    ['example.com', /not an IP address/],
    ['', /not an IP address/],
    ['256.1.1.1', /not an IP address/],
    ['1.2.3.4.5', /not an IP address/],
    ['08.1.1.1', /not an IP address/],
    ['1:2:3:4:5:6:7:8:9', /not an IP address/],
    ['1::2::3', /not an IP address/],
  ])('%s is refused (%s)', (ip, reason) => {
    expect(isForbiddenAddress(ip, strict)).toMatch(reason);
  });

  it.each([
    '8.8.8.8',
    '1.1.1.1',
    '93.184.216.34',
    '172.32.0.1',
    '100.128.0.1',
    '198.20.0.1',
    '223.255.255.255',
    '2606:4700:4700::1111',
    '2a00:1450:4001:82a::200e',
    '64:ff9b::808:808',
    '64:ff9b::8.8.8.8',
    '2002:808:808::1',
    '134744072',
  ])('%s is allowed', (ip) => {
    expect(isForbiddenAddress(ip, strict)).toBeNull();
  });

  it('allowLoopback lets 127/8 and ::1 through, and nothing else', () => {
    expect(isForbiddenAddress('127.0.0.1', local)).toBeNull();
    expect(isForbiddenAddress('127.9.9.9', local)).toBeNull();
    expect(isForbiddenAddress('::1', local)).toBeNull();
    expect(isForbiddenAddress('::ffff:127.0.0.1', local)).toMatch(/IPv4-mapped/);
    expect(isForbiddenAddress('64:ff9b::7f00:1', local)).toMatch(/NAT64/);
    expect(isForbiddenAddress('10.0.0.1', local)).toMatch(/private/);
    expect(isForbiddenAddress('169.254.169.254', local)).toMatch(/metadata/);
    expect(isForbiddenAddress('0.0.0.0', local)).toMatch(/unspecified/);
  });
});

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

describe('checkCallbackUrl', () => {
  it.each([
    ['https://portal.example.com/hooks/byob', strict],
    ['https://portal.example.com:443/hooks/byob', strict],
    ['https://portal.example.com:8443/hooks', strict],
    ['https://portal.example.com:65535/', strict],
    ['https://portal.example.com./hooks?tenant=a', strict],
    ['https://8.8.8.8/hook', strict],
    ['https://[2606:4700:4700::1111]/hook', strict],
    ['https://[64:ff9b::808:808]/hook', strict],
    ['http://127.0.0.1:3000/hook', local],
    ['http://127.0.0.1/hook', local],
    ['https://127.0.0.1:22/hook', local],
    ['http://localhost:3000/hook', local],
    ['http://[::1]:3000/hook', local],
    ['https://portal.example.com/hook', local],
  ])('%s is accepted', (url, opts) => {
    const result = checkCallbackUrl(url, opts);
    expect(result.ok).toBe(true);
  });

  it.each([
    ['http://portal.example.com/hook', strict, /scheme http/],
    ['http://portal.example.com/hook', local, /scheme http/],
    ['http://10.0.0.1/hook', local, /scheme http/],
    ['ftp://portal.example.com/', strict, /scheme ftp/],
    ['javascript:alert(1)', strict, /scheme javascript/],
    ['data:text/plain,hi', strict, /scheme data/],
    ['https://a:b@portal.example.com/', strict, /user name or password/],
    ['https://portal.example.com/#x', strict, /fragment/],
    ['https://portal.example.com/#', strict, /fragment/],
    ['https://portal.example.com:80/', strict, /port 80/],
    ['https://portal.example.com:1023/', strict, /port 1023/],
    ['https://portal.example.com:5060/', strict, /port 5060/],
    ['https://portal.example.com:10080/', strict, /port 10080/],
    ['https://portal.example.com:0/', local, /port 0/],
    ['https://localhost/', strict, /loopback name/],
    ['https://foo.localhost/', strict, /loopback name/],
    ['https://metadata/', strict, /fully qualified/],
    ['https://127.0.0.1/', strict, /loopback/],
    ['https://[::ffff:169.254.169.254]/', strict, /IPv4-mapped.*metadata/],
    ['https://169.254.169.254/', local, /metadata/],
    ['/relative/path', strict, /not a valid/],
    [`https://portal.example.com/${'a'.repeat(2100)}`, strict, /longer than/],
  ])('%s is refused', (url, opts, reason) => {
    const result = checkCallbackUrl(url, opts);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.reason).toMatch(reason);
  });

  it('WHATWG URL rewrites mapped and numeric hosts before the check, and the check still sees through them', () => {
    expect(new URL('https://[::ffff:169.254.169.254]/').hostname).toBe('[::ffff:a9fe:a9fe]');
    expect(new URL('https://0x7f.1/').hostname).toBe('127.0.0.1');
    expect(checkCallbackUrl('https://[::ffff:a9fe:a9fe]/', strict)).toMatchObject({ ok: false });
  });

  it('isLoopbackHost knows the loopback names and literals', () => {
    expect(['localhost', 'LOCALHOST.', 'a.localhost', '127.0.0.1', '127.1', '[::1]'].every(isLoopbackHost)).toBe(true);
    expect(['localhost.example.com', '10.0.0.1', '[::2]', 'example.com'].some(isLoopbackHost)).toBe(false);
  });
});
