import { SECURITY_HEADERS } from '../http/security-headers.js';

/**
 * Headers of the onboarding page and its error page. The CSP allows the page's own script, stylesheet
 * and status endpoint and nothing else, requires Trusted Types (the script never writes markup), and
 * lets only the configured origins (the vendor's portal) frame the page; with none, nobody may.
 */
export const pageHeaders = (frameAncestors: readonly string[]): Record<string, string> => {
  const { 'x-frame-options': denyFraming, ...rest } = SECURITY_HEADERS;
  const csp = [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "connect-src 'self'",
    "img-src 'self' data:",
    "base-uri 'none'",
    "form-action 'none'",
    `frame-ancestors ${frameAncestors.length ? frameAncestors.join(' ') : "'none'"}`,
    "require-trusted-types-for 'script'",
  ].join('; ');
  // X-Frame-Options cannot name several origins: it is sent only when nobody may frame the page.
  return { ...rest, ...(frameAncestors.length ? {} : { 'x-frame-options': denyFraming! }), 'content-security-policy': csp, 'content-type': 'text/html; charset=utf-8' };
};
