/**
 * One webhook delivery attempt: check the URL, resolve the host once, check every address, then
 * POST the signed body over a socket pinned to the checked address. Never follows a redirect;
 * every result is an outcome value, not an exception.
 */
import { lookup as dnsLookup } from 'node:dns/promises';
import type { IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { LookupFunction } from 'node:net';
import { checkCallbackUrl } from './callback-url.js';
import { isForbiddenAddress } from '../net/address-policy.js';
import { parseIpAddress } from '../net/ip-address.js';
import { signWebhook } from './signing.js';
import type { Clock } from '../clock.js';

/** One address of a DNS answer. */
export interface ResolvedAddress {
  address: string;
  family: number;
}

/** Resolves a host name to every address it has (the default is `dns.promises.lookup` with `all: true`). */
export type Resolver = (host: string) => Promise<ResolvedAddress[]>;

/** What a delivery needs from outside. */
export interface DeliveryDeps {
  /** DNS; called at most once per delivery. */
  resolve?: Resolver;
  clock: Clock;
  /** Deadline for the whole attempt (connect, headers, body), in milliseconds. */
  timeoutMs?: number;
  /** Local development and tests only: loopback hosts and plain http to them. */
  allowLoopback: boolean;
  /** How much of the response body is read before the connection is dropped. */
  maxResponseBytes?: number;
}

/** One attempt to deliver one message. */
export interface DeliveryRequest {
  url: string;
  /** The message id: the same on every attempt, so the receiver can de-duplicate. */
  id: string;
  /** The event type; the payload carries it, it is here for the caller's records and logs. */
  type: string;
  /** Send time to sign; defaults to `clock()`. Give each attempt a fresh one (receivers allow ±5 min). */
  timestamp?: Date;
  /** The exact JSON body to sign and send. */
  body: string;
  /** Signing secrets, newest first; each adds a `v1,` signature. */
  secrets: readonly string[];
}

/** The result of one attempt. */
export type DeliveryOutcome =
  | { kind: 'delivered'; status: number }
  | { kind: 'gone'; status: 410 }
  | { kind: 'failed'; status?: number; error: string; retryAfterMs?: number }
  /** `permanent`: the URL itself breaks the policy (retrying cannot help); otherwise a resolved address did, which DNS may change. */
  | { kind: 'refused'; reason: string; permanent: boolean };

/** Default deadline of one attempt. */
export const DEFAULT_DELIVERY_TIMEOUT_MS = 10_000;

/** Default cap on the response bytes read. */
export const DEFAULT_MAX_RESPONSE_BYTES = 64 * 1024;

/** The user-agent of every delivery. */
export const WEBHOOK_USER_AGENT = 'byob-webhooks/1.0';

/** The production resolver: every A and AAAA answer, in the resolver's order. */
export const systemResolver: Resolver = (host) => dnsLookup(host, { all: true, verbatim: true });

const WEEKDAY_DATE = /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun)/i;

/** Parses a Retry-After value (delay-seconds or HTTP-date) into milliseconds from `now`; undefined if absent or bad. */
export const parseRetryAfter = (value: string | undefined, now: Date): number | undefined => {
  const text = value?.trim();
  if (!text) return undefined;
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  if (!WEEKDAY_DATE.test(text)) return undefined;
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now.getTime());
};

const stripBrackets = (host: string): string => host.replace(/^\[(.*)\]$/, '$1').toLowerCase();

/**
 * A `net.connect` lookup that answers only for `hostname`, always with `pinned`: the socket goes
 * to the address that was checked, whatever DNS says by the time it connects.
 */
export const pinnedLookup =
  (hostname: string, pinned: ResolvedAddress): LookupFunction =>
  (host, options, callback) => {
    if (stripBrackets(host) !== stripBrackets(hostname)) {
      const error: NodeJS.ErrnoException = new Error('lookup of a host other than the checked one');
      error.code = 'ENOTFOUND';
      callback(error, '', 0);
      return;
    }
    if (options.all) callback(null, [{ address: pinned.address, family: pinned.family }]);
    else callback(null, pinned.address, pinned.family);
  };

const errorCode = (error: unknown): string | undefined => {
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    if ('code' in e && typeof e.code === 'string') return e.code;
  }
  return error instanceof Error ? error.name : undefined;
};

const firstHeader = (value: string | string[] | undefined): string | undefined =>
  Array.isArray(value) ? value[0] : value;

// Reads at most `max` bytes, then stops (the stream is destroyed when the loop exits early).
const drain = async (body: AsyncIterable<Uint8Array>, max: number): Promise<void> => {
  let seen = 0;
  for await (const chunk of body) {
    seen += chunk.byteLength;
    if (seen >= max) break;
  }
};

type Target = { ok: true; url: URL; address: ResolvedAddress } | { ok: false; outcome: DeliveryOutcome };

// Resolves once and checks every address; the first address is the one the socket will use.
const pickTarget = async (deps: DeliveryDeps, rawUrl: string): Promise<Target> => {
  const checked = checkCallbackUrl(rawUrl, { allowLoopback: deps.allowLoopback });
  if (!checked.ok) return { ok: false, outcome: { kind: 'refused', reason: checked.reason, permanent: true } };
  const { url } = checked;
  const host = stripBrackets(url.hostname);
  const literal = parseIpAddress(host);
  if (literal) return { ok: true, url, address: { address: host, family: literal.family } };

  let answers: ResolvedAddress[];
  try {
    answers = await (deps.resolve ?? systemResolver)(host);
  } catch (error) {
    return { ok: false, outcome: { kind: 'failed', error: `DNS lookup failed (${errorCode(error) ?? 'error'})` } };
  }
  const [first] = answers;
  if (!first) return { ok: false, outcome: { kind: 'failed', error: 'DNS lookup returned no address' } };
  for (const answer of answers) {
    const why = isForbiddenAddress(answer.address, { allowLoopback: deps.allowLoopback });
    if (why) return { ok: false, outcome: { kind: 'refused', reason: `${host} resolves to ${answer.address}: ${why}`, permanent: false } };
  }
  return { ok: true, url, address: first };
};

interface PostOptions {
  headers: Record<string, string>;
  body: string;
  lookup: LookupFunction;
  servername: string | undefined;
  signal: AbortSignal;
}

// One POST on its own socket (no pooled agent, so nothing outlives the attempt), answered with the
// response head. node:http never follows redirects. Node's own client rather than undici: undici's
// bundle (its HTTP parser ships as WebAssembly) would be larger than a Lambda's whole size budget.
// Plain http is allowed only to a loopback host in local mode (callback-url.ts), so a deployed function
// never sends over it: node:http is loaded on that path alone (13-16 ms of a cold import's CPU otherwise).
const post = async (url: URL, o: PostOptions): Promise<IncomingMessage> => {
  const send = url.protocol === 'https:' ? httpsRequest : (await import('node:http')).request;
  return new Promise((resolve, reject) => {
    const outgoing = send(
      url,
      {
        method: 'POST',
        headers: o.headers,
        agent: false,
        lookup: o.lookup,
        signal: o.signal,
        ...(o.servername ? { servername: o.servername } : {}),
      },
      resolve,
    );
    outgoing.on('error', reject);
    outgoing.end(o.body);
  });
};

const outcomeOf = (status: number, retryAfter: string | undefined, now: Date): DeliveryOutcome => {
  if (status >= 200 && status < 300) return { kind: 'delivered', status };
  if (status === 410) return { kind: 'gone', status: 410 };
  const error = status >= 300 && status < 400 ? `redirect not followed (HTTP ${status})` : `HTTP ${status}`;
  const retryAfterMs = parseRetryAfter(retryAfter, now);
  return retryAfterMs === undefined ? { kind: 'failed', status, error } : { kind: 'failed', status, error, retryAfterMs };
};

/**
 * Makes one delivery attempt and says what happened: `delivered` (2xx), `gone` (410: stop
 * sending to this endpoint), `failed` (anything else, including 3xx, timeouts and connection
 * errors; with the receiver's Retry-After) or `refused` (the URL or a resolved address breaks the
 * policy of `callback-url` and `net/address-policy`; no socket was opened). Throws only on a caller bug (no secrets).
 */
export const deliverWebhook = async (deps: DeliveryDeps, req: DeliveryRequest): Promise<DeliveryOutcome> => {
  const timeoutMs = deps.timeoutMs ?? DEFAULT_DELIVERY_TIMEOUT_MS;
  const headers = {
    ...signWebhook({ id: req.id, timestamp: req.timestamp ?? deps.clock(), body: req.body }, req.secrets),
    'content-type': 'application/json',
    'user-agent': WEBHOOK_USER_AGENT,
  };

  const target = await pickTarget(deps, req.url);
  if (!target.ok) return target.outcome;
  const { url, address } = target;
  const isLiteral = parseIpAddress(stripBrackets(url.hostname)) !== null;

  const controller = new AbortController();
  let timedOut = false;
  // One deadline for the whole attempt: connect, response head and the body read.
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, timeoutMs);

  try {
    const response = await post(url, {
      headers: { ...headers, 'content-length': String(Buffer.byteLength(req.body)) },
      body: req.body,
      lookup: pinnedLookup(url.hostname, address),
      // SNI names the host, not the pinned IP, so the certificate is checked against the host.
      servername: isLiteral ? undefined : stripBrackets(url.hostname),
      signal: controller.signal,
    });
    try {
      await drain(response, deps.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES).catch(() => undefined);
    } finally {
      response.destroy();
    }
    return outcomeOf(response.statusCode ?? 0, firstHeader(response.headers['retry-after']), deps.clock());
  } catch (error) {
    if (timedOut) return { kind: 'failed', error: `timed out after ${timeoutMs} ms` };
    return { kind: 'failed', error: `connection failed (${errorCode(error) ?? 'error'})` };
  } finally {
    clearTimeout(timer);
  }
};
