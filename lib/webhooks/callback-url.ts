/**
 * Where a webhook may be sent, judged on the URL alone before anything resolves or connects. The
 * delivery module then applies the address policy (lib/net) to every resolved IP and connects only to
 * the address it checked.
 */
import { type AddressPolicyOptions, isForbiddenAddress, isLoopbackHost } from '../net/address-policy.js';
import { parseIpAddress } from '../net/ip-address.js';

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
export const checkCallbackUrl = (raw: string, opts: AddressPolicyOptions): CallbackUrlCheck => {
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
