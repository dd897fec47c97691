import { isDependencyFailure } from './aws/dependency-failure.js';

/** A problem detail item naming one bad field (RFC 9457 extension member `errors`). */
export interface FieldProblem {
  path: string;
  message: string;
}

/** Base of every error the API raises on purpose; `expose` says whether its message may reach a client. */
export class AppError extends Error {
  override name = 'AppError';
  readonly status: number;
  readonly type: string;
  readonly title: string;
  readonly expose: boolean;
  readonly extra: Record<string, unknown>;
  /** When set, the answer carries `Retry-After` with this many seconds. */
  readonly retryAfterSeconds: number | undefined;

  constructor(
    status: number,
    type: string,
    title: string,
    detail: string,
    options: { cause?: unknown; extra?: Record<string, unknown>; retryAfterSeconds?: number } = {},
  ) {
    super(detail, { cause: options.cause });
    this.status = status;
    this.type = type;
    this.title = title;
    this.expose = status < 500;
    this.extra = options.extra ?? {};
    this.retryAfterSeconds = options.retryAfterSeconds;
  }
}

/** 400: the request failed validation; `errors` names each bad field. */
export class ValidationError extends AppError {
  override name = 'ValidationError';
  readonly errors: FieldProblem[];
  constructor(errors: FieldProblem[], detail = 'The request is not valid; see `errors` for each field.') {
    super(400, 'validation-error', 'Invalid request', detail, { extra: { errors } });
    this.errors = errors;
  }
}

/** 401: no or bad credentials. */
export class UnauthorizedError extends AppError {
  override name = 'UnauthorizedError';
  constructor(detail = 'A valid bearer token is required.', cause?: unknown) {
    super(401, 'unauthorized', 'Unauthorized', detail, { cause });
  }
}

/** 404: the resource does not exist for this tenant (same answer whether it is missing or another tenant's). */
export class NotFoundError extends AppError {
  override name = 'NotFoundError';
  constructor(what = 'BYOB request') {
    super(404, 'not-found', 'Not found', `No such ${what}.`);
  }
}

/** 409: the request conflicts with the current state. */
export class ConflictError extends AppError {
  override name = 'ConflictError';
  constructor(detail: string, extra: Record<string, unknown> = {}) {
    super(409, 'conflict', 'Conflict', detail, { extra });
  }
}

/** 412: the request's If-Match names a version the resource has moved on from; nothing was done. */
export class PreconditionFailedError extends AppError {
  override name = 'PreconditionFailedError';
  constructor(detail: string) {
    super(412, 'precondition-failed', 'Precondition failed', detail);
  }
}

/** 422: well-formed but cannot be processed (e.g. an Idempotency-Key reused with another body). */
export class UnprocessableError extends AppError {
  override name = 'UnprocessableError';
  constructor(detail: string, type = 'unprocessable') {
    super(422, type, 'Unprocessable request', detail);
  }
}

/** 413: body larger than allowed. */
export class PayloadTooLargeError extends AppError {
  override name = 'PayloadTooLargeError';
  constructor(limit: number) {
    super(413, 'payload-too-large', 'Payload too large', `The body must be at most ${limit} bytes.`);
  }
}

/** 415: body is not JSON. */
export class UnsupportedMediaTypeError extends AppError {
  override name = 'UnsupportedMediaTypeError';
  constructor() {
    super(415, 'unsupported-media-type', 'Unsupported media type', 'Send the body as application/json.');
  }
}

/** How long a client is asked to wait after a 503 (AWS slow or down): the SDK has already retried. */
export const DEPENDENCY_RETRY_AFTER_SECONDS = 5;

/** 503: a dependency failed or is not configured; the answer says when to retry, the detail never carries internals. */
export class DependencyError extends AppError {
  override name = 'DependencyError';
  constructor(detail: string, cause?: unknown) {
    super(503, 'dependency-unavailable', 'Service unavailable', detail, { cause, retryAfterSeconds: DEPENDENCY_RETRY_AFTER_SECONDS });
  }
}

/** An RFC 9457 problem document. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  [extension: string]: unknown;
}

const TYPE_BASE = 'https://byob.dev/problems/';

/**
 * What a thrown value answers as: itself when it is an AppError, a DependencyError when AWS failed
 * (time-out, connection, throttling, 5xx: see lib/aws/dependency-failure.ts), otherwise undefined (a 500).
 */
export const asAppError = (error: unknown): AppError | undefined => {
  if (error instanceof AppError) return error;
  if (isDependencyFailure(error)) return new DependencyError('A service this API depends on did not answer in time; retry shortly.', error);
  return undefined;
};

/** The one mapping from any thrown value to a problem document; 5xx never echoes internals. */
export const toProblem = (thrown: unknown): Problem => {
  const error = asAppError(thrown);
  if (error) {
    const detail = error.expose ? error.message : 'The service could not complete the request; try again later.';
    return { type: TYPE_BASE + error.type, title: error.title, status: error.status, detail, ...error.extra };
  }
  return {
    type: TYPE_BASE + 'internal',
    title: 'Internal error',
    status: 500,
    detail: 'The service could not complete the request; try again later.',
  };
};

/** 429: the tenant used up its request budget for the current window; `retryAfterSeconds` becomes Retry-After. */
export class TooManyRequestsError extends AppError {
  override name = 'TooManyRequestsError';
  declare readonly retryAfterSeconds: number;
  constructor(retryAfterSeconds: number, limit: number, windowSeconds: number) {
    super(429, 'rate-limited', 'Too many requests', `At most ${limit} requests per ${windowSeconds} s per tenant; retry in ${retryAfterSeconds} s.`, { retryAfterSeconds });
  }
}
