/**
 * CloudFormation's custom resource protocol, as CloudFormation speaks it to any SNS- or
 * Lambda-backed resource: the request, the answer that must fit in 4096 bytes, where the answer
 * may go, and how it is sent. What to answer is for the caller to decide.
 */
import * as z from 'zod/mini';
import '../validation/messages.js';

/** The least a message must carry for us to answer it: where to, and what to echo. */
export const AddressedRequest = z.object({
  ResponseURL: z.string().check(z.minLength(1), z.maxLength(4096)),
  StackId: z.string().check(z.minLength(1), z.maxLength(1024)),
  RequestId: z.string().check(z.minLength(1), z.maxLength(256)),
  LogicalResourceId: z.string().check(z.minLength(1), z.maxLength(256)),
  PhysicalResourceId: z.optional(z.string().check(z.maxLength(1024))),
});
/** A message we can answer, though perhaps only to say it is malformed. */
export type AddressedRequest = z.infer<typeof AddressedRequest>;

/** CloudFormation's custom resource request, as carried in the SNS message. */
export const CustomResourceRequest = z.extend(AddressedRequest, {
  RequestType: z.enum(['Create', 'Update', 'Delete']),
  ResponseURL: z.url(),
  StackId: z.string().check(z.maxLength(1024), z.regex(/^arn:aws:cloudformation:[a-z0-9-]+:\d{12}:stack\/.+/)),
  ResourceType: z.string().check(z.maxLength(256)),
  ResourceProperties: z._default(z.record(z.string(), z.unknown()), {}),
  OldResourceProperties: z.optional(z.record(z.string(), z.unknown())),
});
/** A parsed custom resource request. */
export type CustomResourceRequest = z.infer<typeof CustomResourceRequest>;

type Echoed = Pick<AddressedRequest, 'StackId' | 'RequestId' | 'LogicalResourceId'>;

/** What we answer CloudFormation. */
export interface CustomResourceResponse {
  Status: 'SUCCESS' | 'FAILED';
  Reason: string;
  PhysicalResourceId: string;
  StackId: string;
  RequestId: string;
  LogicalResourceId: string;
  NoEcho: boolean;
  Data: Record<string, string>;
}

/** CloudFormation rejects responses over 4096 bytes. */
export const MAX_RESPONSE_BYTES = 4096;

const bytes = (s: string) => Buffer.byteLength(s, 'utf8');

/** The longest prefix of `text` (whole code points) whose JSON encoding fits in `budget` bytes. */
const clip = (text: string, budget: number): string => {
  const chars = Array.from(text);
  let lo = 0;
  let hi = chars.length;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (bytes(JSON.stringify(chars.slice(0, mid).join(''))) <= budget) lo = mid;
    else hi = mid - 1;
  }
  return chars.slice(0, lo).join('');
};

/** Builds a response that always fits in 4096 bytes: the reason is clipped first, then Data dropped. */
export const buildResponse = (req: Echoed, status: 'SUCCESS' | 'FAILED', reason: string, physicalId: string, data: Record<string, string> = {}): CustomResourceResponse => {
  const base: CustomResourceResponse = {
    Status: status,
    Reason: reason,
    PhysicalResourceId: physicalId.slice(0, 1024),
    StackId: req.StackId,
    RequestId: req.RequestId,
    LogicalResourceId: req.LogicalResourceId,
    NoEcho: false,
    Data: data,
  };
  if (bytes(JSON.stringify(base)) <= MAX_RESPONSE_BYTES) return base;
  const withoutReason = bytes(JSON.stringify({ ...base, Reason: '' }));
  if (withoutReason + 5 <= MAX_RESPONSE_BYTES) {
    return { ...base, Reason: `${clip(reason, MAX_RESPONSE_BYTES - withoutReason - 3)}...` };
  }
  const bare = { ...base, Reason: '', Data: {} };
  return { ...bare, Reason: clip(reason, MAX_RESPONSE_BYTES - bytes(JSON.stringify(bare))) };
};

/**
 * The physical id to report: CloudFormation's own on Update/Delete (a different one would replace
 * the resource), else `<prefix>-<LogicalResourceId>`.
 */
export const physicalIdOf = (req: Pick<AddressedRequest, 'LogicalResourceId' | 'PhysicalResourceId'>, prefix: string): string =>
  req.PhysicalResourceId || `${prefix}-${req.LogicalResourceId}`.slice(0, 1024);

/** Where a ResponseURL may point: CloudFormation's presigned S3 URLs (or, locally, the emulator on loopback). */
export const responseUrlAllowed = (url: string, allowLoopback: boolean): boolean => {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return false;
  }
  if (u.username || u.password) return false;
  if (u.protocol === 'https:' && (u.port === '' || u.port === '443')) {
    // CloudFormation answers to its own response buckets, virtual-hosted or path-style, in every region form.
    if (/^cloudformation-custom-resource-response-[a-z0-9]+\.s3([.-][a-z0-9-]+)?\.amazonaws\.com$/.test(u.hostname)) return true;
    if (/^s3([.-][a-z0-9-]+)?\.amazonaws\.com$/.test(u.hostname) && /^\/cloudformation-custom-resource-response-[a-z0-9]+\//.test(u.pathname)) return true;
  }
  // Narrower than net's isLoopbackHost on purpose (no *.localhost, no other 127/8 or ::1 form): the
  // emulator's ResponseURL needs no more than these two hosts.
  return allowLoopback && (u.hostname === '127.0.0.1' || u.hostname === 'localhost') && (u.protocol === 'http:' || u.protocol === 'https:');
};

/** How the answer is sent: each attempt bounded, a few attempts with a growing pause. */
export interface SendOptions {
  timeoutMs?: number;
  attempts?: number;
  backoffMs?: number;
  sleep?: (ms: number) => Promise<void>;
}

/** PUTs the answer to the presigned ResponseURL: empty content-type (it is part of the signature), no redirects. */
export const sendResponse = async (url: string, response: CustomResourceResponse, opts: SendOptions = {}): Promise<void> => {
  const { timeoutMs = 10_000, attempts = 3, backoffMs = 500, sleep = (ms) => new Promise<void>((r) => setTimeout(r, ms)) } = opts;
  const body = JSON.stringify(response);
  let lastError: unknown;
  for (let attempt = 1; attempt <= attempts; attempt++) {
    try {
      const res = await fetch(url, { method: 'PUT', body, headers: { 'content-type': '' }, redirect: 'manual', signal: AbortSignal.timeout(timeoutMs) });
      await res.body?.cancel().catch(() => undefined);
      if (res.ok) return;
      lastError = new Error(`ResponseURL answered ${res.status}`);
    } catch (e) {
      lastError = e;
    }
    if (attempt < attempts) await sleep(backoffMs * attempt);
  }
  throw new Error(`could not deliver the custom resource response after ${attempts} attempts`, { cause: lastError });
};
