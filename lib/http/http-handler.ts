import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import * as z from 'zod/mini';
import type { Authenticate } from './auth.js';
import {
  asAppError,
  DependencyError,
  type FieldProblem,
  NotFoundError,
  PayloadTooLargeError,
  toProblem,
  UnsupportedMediaTypeError,
  ValidationError,
} from '../errors.js';
import { logger } from '../logger.js';
import type { VersionMatch } from '../provisioning/precondition.js';
import { parseIfMatch } from './if-match.js';
import type { RateLimiter } from './rate-limit.js';
import { SECURITY_HEADERS } from './security-headers.js';
import '../validation/messages.js';


/** Largest accepted request body. */
export const MAX_BODY_BYTES = 16 * 1024;

/**
 * How long before the Lambda timeout a route still running gives up and answers 503: room to write the
 * answer, so a client never sees the gateway's own timeout instead of a problem document.
 */
export const ANSWER_BEFORE_TIMEOUT_MS = 1_000;

/** Methods without side effects. */
const READ_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD']);


/** What the HTTP stack needs: who the caller is, and (optionally) the caller's request budget. */
export interface HttpDeps {
  authenticate: Authenticate;
  rateLimit?: RateLimiter;
}

/** What a route handler returns. */
export interface HttpResult {
  statusCode: number;
  body?: unknown;
  headers?: Record<string, string>;
}

/** What a route handler receives: validated parts of the request and the tenant. */
export interface HttpInput<B, Q, P> {
  body: B;
  query: Q;
  params: P;
  tenant: string;
  idempotencyKey: string | undefined;
  /** The If-Match header as a test of the record's version; undefined when absent. */
  ifMatch: VersionMatch | undefined;
  headers: Record<string, string>;
}

// Any zod schema, from zod/mini (ours) or the full API (tests): both are built on zod's core.
type Schema = z.core.$ZodType;
type Out<S> = S extends z.core.$ZodType ? z.output<S> : undefined;

/** Turns zod issues into field problems with readable paths (`cors.allowedOrigins[0]`). */
export const fieldProblems = (error: z.core.$ZodError, prefix = ''): FieldProblem[] =>
  error.issues.flatMap((issue) => {
    const base = issue.path.reduce<string>(
      (acc, seg) => (typeof seg === 'number' ? `${acc}[${seg}]` : acc ? `${acc}.${String(seg)}` : String(seg)),
      prefix,
    );
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((k) => ({ path: base ? `${base}.${k}` : k, message: 'is not a known field' }));
    }
    return [{ path: base || 'body', message: issue.message }];
  });

const parseBody = (event: APIGatewayProxyEventV2, headers: Record<string, string>): unknown => {
  // API Gateway always sends a string; serverless-offline hands falsy JSON bodies (false, 0, null) over parsed.
  const body: unknown = event.body;
  const raw = typeof body === 'string' ? body : body === undefined || body === null ? '' : JSON.stringify(body);
  const text = event.isBase64Encoded ? Buffer.from(raw, 'base64').toString('utf8') : raw;
  if (Buffer.byteLength(text, 'utf8') > MAX_BODY_BYTES) throw new PayloadTooLargeError(MAX_BODY_BYTES);
  // No body at all is an absent body (routes whose body is optional take their defaults); whitespace
  // is a body, and not JSON.
  if (text === '') return undefined;
  const type = (headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (type !== 'application/json' && !/^application\/[\w.+-]+\+json$/.test(type)) throw new UnsupportedMediaTypeError();
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new ValidationError([{ path: 'body', message: 'is not valid JSON' }]);
  }
};

const json = (statusCode: number, body: unknown, headers: Record<string, string> = {}, type = 'application/json') => ({
  statusCode,
  headers: { ...SECURITY_HEADERS, 'content-type': type, ...headers },
  body: body === undefined ? '' : JSON.stringify(body),
});

/**
 * The middy stack every HTTP route shares: auth, body limits, zod validation of body/query/path,
 * problem+json errors (one mapping, `toProblem`), security headers. Invalid ids answer 404 like
 * missing ones, so probing ids tells nothing.
 */
export const httpHandler = <B extends Schema | undefined = undefined, Q extends Schema | undefined = undefined, P extends Schema | undefined = undefined>(
  deps: HttpDeps,
  spec: { body?: B; query?: Q; params?: P; auth?: boolean },
  route: (input: HttpInput<Out<B>, Out<Q>, Out<P>>) => Promise<HttpResult>,
) =>
  middy<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2>({
    timeoutEarlyInMillis: ANSWER_BEFORE_TIMEOUT_MS,
    timeoutEarlyResponse: () => {
      throw new DependencyError('The request did not finish in time; retry shortly.');
    },
  })
    .onError(async (request) => {
      const problem = toProblem(request.error);
      if (problem.status >= 500) logger.error('request failed', { error: request.error as Error, path: request.event.rawPath });
      const retryAfter = asAppError(request.error)?.retryAfterSeconds;
      const headers: Record<string, string> = retryAfter === undefined ? {} : { 'retry-after': String(retryAfter) };
      request.response = json(problem.status, problem, headers, 'application/problem+json');
    })
    .handler(async (event) => {
      const headers = Object.fromEntries(Object.entries(event.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v ?? '']));
      const tenant = spec.auth === false ? '' : await deps.authenticate(headers.authorization);
      // Reads have no side effects, so their budget check (when it has to reach the table at all: see
      // lib/http/rate-limit.ts) overlaps the read instead of preceding it; a spent budget still answers 429.
      // Everything else is checked before it can act.
      const read = READ_METHODS.has(event.requestContext?.http?.method?.toUpperCase() ?? '');
      const budget = tenant && deps.rateLimit ? deps.rateLimit(tenant, read ? 'read' : 'write') : undefined;
      budget?.catch(() => undefined);
      if (budget && !read) await budget;
      const params = spec.params ? z.safeParse(spec.params, event.pathParameters ?? {}) : undefined;
      if (params && !params.success) throw new NotFoundError();
      const query = spec.query ? z.safeParse(spec.query, event.queryStringParameters ?? {}) : undefined;
      if (query && !query.success) throw new ValidationError(fieldProblems(query.error, 'query'));
      let body: unknown;
      if (spec.body) {
        const parsed = z.safeParse(spec.body, parseBody(event, headers));
        if (!parsed.success) throw new ValidationError(fieldProblems(parsed.error));
        body = parsed.data;
      }
      const idempotencyKey = headers['idempotency-key'];
      if (idempotencyKey !== undefined && !/^[\x21-\x7e]{1,255}$/.test(idempotencyKey)) {
        throw new ValidationError([{ path: 'Idempotency-Key', message: 'must be 1 to 255 visible ASCII characters' }]);
      }
      const result = await route({
        body: body as Out<B>,
        query: query?.data as Out<Q>,
        params: params?.data as Out<P>,
        tenant,
        idempotencyKey,
        ifMatch: parseIfMatch(headers['if-match']),
        headers,
      });
      if (budget) await budget;
      return json(result.statusCode, result.body, result.headers);
    });
