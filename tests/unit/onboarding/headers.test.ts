import { describe, expect, it } from 'vitest';
import { pageHeaders } from '../../../lib/onboarding/headers.js';
import { SECURITY_HEADERS } from '../../../lib/http/security-headers.js';

const directives = (csp: string) => Object.fromEntries(csp.split('; ').map((d) => [d.split(' ')[0], d.split(' ').slice(1).join(' ')]));

describe('pageHeaders', () => {
  it('allows the page its own script, stylesheet and status endpoint only, never inline, with Trusted Types required', () => {
    const h = pageHeaders([]);
    expect(directives(h['content-security-policy']!)).toEqual({
      'default-src': "'none'",
      'script-src': "'self'",
      'style-src': "'self'",
      'connect-src': "'self'",
      'img-src': "'self' data:",
      'base-uri': "'none'",
      'form-action': "'none'",
      'frame-ancestors': "'none'",
      'require-trusted-types-for': "'script'",
    });
    expect(h['content-security-policy']).not.toContain('unsafe');
    expect(h['content-type']).toBe('text/html; charset=utf-8');
    expect(h).toMatchObject({ 'cache-control': 'no-store', 'referrer-policy': 'no-referrer', 'x-content-type-options': 'nosniff', 'x-frame-options': 'DENY' });
  });

  it('lets exactly the configured origins frame the page, and drops X-Frame-Options, which cannot name them', () => {
    const h = pageHeaders(['https://portal.example.com', 'https://app.example.com:8443']);
    expect(directives(h['content-security-policy']!)['frame-ancestors']).toBe('https://portal.example.com https://app.example.com:8443');
    expect(h).not.toHaveProperty('x-frame-options');
    expect(h['strict-transport-security']).toBe(SECURITY_HEADERS['strict-transport-security']);
  });
});
