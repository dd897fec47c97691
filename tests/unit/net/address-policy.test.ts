import { describe, expect, it } from 'vitest';
import { isForbiddenAddress, isLoopbackHost } from '../../../lib/net/address-policy.js';

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

describe('isLoopbackHost', () => {
  it('knows the loopback names and literals', () => {
    expect(['localhost', 'LOCALHOST.', 'a.localhost', '127.0.0.1', '127.1', '[::1]'].every(isLoopbackHost)).toBe(true);
    expect(['localhost.example.com', '10.0.0.1', '[::2]', 'example.com'].some(isLoopbackHost)).toBe(false);
  });
});
