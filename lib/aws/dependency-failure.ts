/**
 * Whether a thrown value is AWS failing rather than the request or the code: the SDK's time-outs and
 * connection errors, throttling that outlasted the retries, and 5xx answers. The SDK already retried
 * each of these; what is left is for the caller to try again later (503 with Retry-After), never a 500.
 */

/** Error names (the SDK's `name`, the service's error code) that mean "AWS is throttling". */
const THROTTLING = new Set([
  'ThrottlingException',
  'Throttling',
  'ThrottledException',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'RequestThrottled',
  'RequestThrottledException',
  'ProvisionedThroughputExceededException',
  'TransactionInProgressException',
  'SlowDown',
  'PriorRequestNotComplete',
  'BandwidthLimitExceeded',
  'EC2ThrottledException',
]);

/** Names of time-outs: the SDK's request handler, the SDK's own abort on a deadline, a service's. */
const TIMEOUTS = new Set(['TimeoutError', 'RequestTimeout', 'RequestTimeoutException']);

/** Node's socket error codes for a peer that is down, gone or unreachable. */
const CONNECTION = new Set(['ECONNREFUSED', 'ECONNRESET', 'ECONNABORTED', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'UND_ERR_SOCKET']);

interface SdkShape {
  name?: unknown;
  code?: unknown;
  $fault?: unknown;
  $metadata?: { httpStatusCode?: unknown };
  cause?: unknown;
}

const isOwnFailure = (e: SdkShape): boolean => {
  const name = typeof e.name === 'string' ? e.name : '';
  const code = typeof e.code === 'string' ? e.code : '';
  const status = typeof e.$metadata?.httpStatusCode === 'number' ? e.$metadata.httpStatusCode : undefined;
  return (
    THROTTLING.has(name) ||
    TIMEOUTS.has(name) ||
    CONNECTION.has(code) ||
    e.$fault === 'server' ||
    (status !== undefined && (status >= 500 || status === 429))
  );
};

/** True when `error`, or an error it wraps (`cause`, a few levels deep), is AWS failing. */
export const isDependencyFailure = (error: unknown): boolean => {
  let e: unknown = error;
  for (let depth = 0; depth < 5 && e !== null && typeof e === 'object'; depth++) {
    if (isOwnFailure(e as SdkShape)) return true;
    e = (e as SdkShape).cause;
  }
  return false;
};
