import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SECURITY_HEADERS } from '../../../lib/http/security-headers.js';

// Every response carries these (http-handler.test.ts checks that they are sent); here, what they say.
describe('SECURITY_HEADERS', () => {
  it('forbid caching, sniffing, referrers, framing and any content the API would load', () => {
    expect(SECURITY_HEADERS['cache-control']).toBe('no-store');
    expect(SECURITY_HEADERS['x-content-type-options']).toBe('nosniff');
    expect(SECURITY_HEADERS['referrer-policy']).toBe('no-referrer');
    expect(SECURITY_HEADERS['x-frame-options']).toBe('DENY');
    expect(SECURITY_HEADERS['content-security-policy']?.split(/;\s*/)).toEqual(expect.arrayContaining(["default-src 'none'", "frame-ancestors 'none'"]));
  });

  it('keep clients on HTTPS for at least a year, subdomains included', () => {
    const hsts = SECURITY_HEADERS['strict-transport-security'] ?? '';
    expect(Number(/max-age=(\d+)/.exec(hsts)?.[1])).toBeGreaterThanOrEqual(365 * 24 * 3600);
    expect(hsts).toMatch(/;\s*includeSubDomains/);
  });

  it('live in a module that imports nothing, so GET /openapi.json bundles nothing else with them', () => {
    expect(readFileSync(new URL('../../../lib/http/security-headers.ts', import.meta.url), 'utf8')).not.toMatch(/^\s*(import|export .* from)\b/m);
  });
});
