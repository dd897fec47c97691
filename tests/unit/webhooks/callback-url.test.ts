import { describe, expect, it } from 'vitest';
import { checkCallbackUrl } from '../../../lib/webhooks/callback-url.js';

const strict = { allowLoopback: false };
const local = { allowLoopback: true };

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
});
