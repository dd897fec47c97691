import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { DEPENDENCY_RETRY_AFTER_SECONDS, NotFoundError, TooManyRequestsError, UnauthorizedError } from '../../../lib/errors.js';
import { ANSWER_BEFORE_TIMEOUT_MS, fieldProblems, httpHandler, MAX_BODY_BYTES } from '../../../lib/http/http-handler.js';
import type { RateLimiter, RequestKind } from '../../../lib/http/rate-limit.js';
import { handler as openapi } from '../../../handlers/openapi.js';
import { SECURITY_HEADERS } from '../../../lib/http/security-headers.js';

// The shared middy stack with fakes of our own ports (authenticate, rateLimit): every answer, success
// or problem, carries the security headers.
const authenticate = async (authorization: string | undefined) => {
  if (authorization !== 'Bearer good.token.here') throw new UnauthorizedError();
  return 'acme';
};

const event = (over: Partial<APIGatewayProxyEventV2> & { body?: unknown } = {}) =>
  ({
    version: '2.0',
    routeKey: 'POST /things/{id}',
    rawPath: '/things/x',
    rawQueryString: '',
    headers: { authorization: 'Bearer good.token.here', 'content-type': 'application/json' },
    isBase64Encoded: false,
    requestContext: {} as APIGatewayProxyEventV2['requestContext'],
    pathParameters: { id: 'thing_1' },
    body: '{"name":"x"}',
    ...over,
  }) as APIGatewayProxyEventV2;

const make = (route: () => Promise<{ statusCode: number; body?: unknown }>, rateLimit?: (t: string) => Promise<void>) =>
  httpHandler(
    { authenticate, ...(rateLimit ? { rateLimit } : {}) },
    { body: z.strictObject({ name: z.string().max(10) }), params: z.strictObject({ id: z.string().regex(/^thing_\d+$/) }) },
    route,
  );

const ok = make(async () => ({ statusCode: 200, body: { fine: true } }));
const run = async (h: ReturnType<typeof make>, e: APIGatewayProxyEventV2) => h(e, {} as Context);

describe('lib/http: security headers and problems', () => {
  const cases: Array<[string, ReturnType<typeof make>, APIGatewayProxyEventV2, number]> = [
    ['200', ok, event(), 200],
    ['400 invalid body', ok, event({ body: '{"name":1}' }), 400],
    ['400 unknown field', ok, event({ body: '{"name":"x","admin":true}' }), 400],
    ['400 malformed JSON', ok, event({ body: '{"name":' }), 400],
    ['400 whitespace is a body, and not JSON', ok, event({ body: ' ' }), 400],
    ['401 no token', ok, event({ headers: { 'content-type': 'application/json' } }), 401],
    ['404 invalid id', ok, event({ pathParameters: { id: '../etc' } }), 404],
    ['404 thrown by the route', make(async () => { throw new NotFoundError(); }), event(), 404],
    ['413 oversize', ok, event({ body: `{"name":"${'x'.repeat(MAX_BODY_BYTES)}"}` }), 413],
    ['415 not JSON', ok, event({ headers: { authorization: 'Bearer good.token.here', 'content-type': 'text/plain' } }), 415],
    ['429 budget spent', make(async () => ({ statusCode: 200 }), async () => { throw new TooManyRequestsError(17, 600, 60); }), event(), 429],
    ['500 unexpected', make(async () => { throw new Error('secret internals at arn:aws:dynamodb:…'); }), event(), 500],
    ['503 AWS timed out', make(async () => { throw Object.assign(new Error('request timed out'), { name: 'TimeoutError' }); }), event(), 503],
  ];

  it.each(cases)('%s carries every security header', async (_name, h, e, status) => {
    const res = await run(h, e);
    expect(res.statusCode).toBe(status);
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) expect(res.headers?.[name]).toBe(value);
    if (status >= 400) {
      expect(res.headers?.['content-type']).toBe('application/problem+json');
      expect(JSON.parse(res.body!)).toMatchObject({ status, type: expect.any(String), title: expect.any(String), detail: expect.any(String) });
    }
  });

  it('a 500 never echoes internals', async () => {
    const res = await run(make(async () => { throw new Error('secret internals at arn:aws:dynamodb:…'); }), event());
    expect(res.body).not.toMatch(/secret|arn:/);
  });

  it('AWS failing (a refused connection, throttling after retries) answers 503 with Retry-After, never its internals', async () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:4566'), { code: 'ECONNREFUSED' });
    const throttled = Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException', $fault: 'client', $metadata: { httpStatusCode: 400 } });

    for (const error of [refused, throttled]) {
      const res = await run(make(async () => { throw error; }), event());

      expect(res.statusCode).toBe(503);
      expect(res.headers?.['retry-after']).toBe(String(DEPENDENCY_RETRY_AFTER_SECONDS));
      expect(JSON.parse(res.body!)).toMatchObject({ status: 503, title: 'Service unavailable' });
      expect(res.body).not.toMatch(/ECONNREFUSED|127\.0\.0\.1|Rate exceeded/);
    }
  });

  it('a route still running a second before the Lambda timeout answers 503 with Retry-After, not the gateway timeout', async () => {
    vi.useFakeTimers();
    try {
      const deadline = Date.now() + 10_000;
      const context = { getRemainingTimeInMillis: () => deadline - Date.now() } as unknown as Context;
      const hung = make(() => new Promise(() => undefined));

      const answer = hung(event(), context);
      await vi.advanceTimersByTimeAsync(10_000 - ANSWER_BEFORE_TIMEOUT_MS);
      const res = await answer;

      expect(res.statusCode).toBe(503);
      expect(res.headers?.['retry-after']).toBe(String(DEPENDENCY_RETRY_AFTER_SECONDS));
      expect(Date.now()).toBeLessThan(deadline);
    } finally {
      vi.useRealTimers();
    }
  });

  it('a 429 says when to retry', async () => {
    const res = await run(make(async () => ({ statusCode: 200 }), async () => { throw new TooManyRequestsError(17, 600, 60); }), event());
    expect(res.headers?.['retry-after']).toBe('17');
  });

  it('counts the tenant the token names, after authentication', async () => {
    const seen: string[] = [];
    const h = make(async () => ({ statusCode: 200 }), async (t) => { seen.push(t); });
    await run(h, event());
    await run(h, event({ headers: {} }));
    expect(seen).toEqual(['acme']);
  });

  it.each([false, 0, null])('a body serverless-offline hands over parsed (%s) is a 400, not a 500', async (body) => {
    const res = await run(ok, event({ body: body as unknown as string }));
    expect(res.statusCode).toBe(400);
  });

  it('GET /openapi.json carries them too', async () => {
    const res = await openapi();
    for (const name of Object.keys(SECURITY_HEADERS).filter((n) => n !== 'cache-control')) expect((res.headers as Record<string, string>)[name]).toBe(SECURITY_HEADERS[name]);
  });
});

describe('lib/http: the request budget', () => {
  const budgeted = (rateLimit: RateLimiter, route = async () => ({ statusCode: 200 })) => {
    const ran: string[] = [];
    const h = httpHandler({ authenticate, rateLimit }, {}, async () => {
      ran.push('route');
      return route();
    });
    return { ran, h };
  };
  const method = (m: string) => event({ requestContext: { http: { method: m } } as APIGatewayProxyEventV2['requestContext'] });

  it('counts GET and HEAD as reads and everything else as writes', async () => {
    const kinds: Array<RequestKind | undefined> = [];
    const { h } = budgeted(async (_t, kind) => void kinds.push(kind));

    for (const m of ['GET', 'head', 'POST', 'DELETE', 'PUT']) await h(method(m), {} as Context);

    expect(kinds).toEqual(['read', 'read', 'write', 'write', 'write']);
  });

  it('refuses a write over budget before the route acts', async () => {
    const { ran, h } = budgeted(async () => {
      throw new TooManyRequestsError(5, 600, 60);
    });

    const res = await h(method('POST'), {} as Context);

    expect(res.statusCode).toBe(429);
    expect(ran).toEqual([]);
  });

  it('lets a read run beside its budget check, and still answers 429 when the budget is spent', async () => {
    let refuse!: (e: Error) => void;
    const { ran, h } = budgeted(() => new Promise<void>((_resolve, reject) => (refuse = reject)));

    const answer = h(method('GET'), {} as Context);
    await vi.waitFor(() => expect(ran).toEqual(['route']));
    refuse(new TooManyRequestsError(3, 600, 60));
    const res = await answer;

    expect(res.statusCode).toBe(429);
    expect(res.headers?.['retry-after']).toBe('3');
  });

  it('a route without auth is neither authenticated nor counted', async () => {
    const counted: string[] = [];
    const h = httpHandler({ authenticate, rateLimit: async (t) => void counted.push(t) }, { auth: false }, async ({ tenant }) => ({ statusCode: 200, body: { tenant } }));

    const res = await h(event({ headers: {} }), {} as Context);

    expect(res.statusCode).toBe(200);
    expect(JSON.parse(res.body!)).toEqual({ tenant: '' });
    expect(counted).toEqual([]);
  });
});

describe('lib/http: what the route receives', () => {
  const echo = <Q extends z.ZodType>(query?: Q) =>
    httpHandler({ authenticate }, { body: z.strictObject({ name: z.string() }), ...(query ? { query } : {}) }, async (input) => ({
      statusCode: 200,
      body: { body: input.body, query: input.query ?? null, tenant: input.tenant, idempotencyKey: input.idempotencyKey ?? null, headers: input.headers },
    }));

  it('the validated body, the tenant, the Idempotency-Key and the headers with lower-case names', async () => {
    const res = await echo()(event({ headers: { Authorization: 'Bearer good.token.here', 'Content-Type': 'application/json', 'Idempotency-Key': 'key-1' } }), {} as Context);

    expect(res.statusCode).toBe(200);
    expect(JSON.parse(res.body!)).toMatchObject({
      body: { name: 'x' },
      tenant: 'acme',
      idempotencyKey: 'key-1',
      headers: { authorization: 'Bearer good.token.here', 'content-type': 'application/json', 'idempotency-key': 'key-1' },
    });
  });

  it.each(['', 'a'.repeat(256), 'has space', 'naïve'])('an Idempotency-Key that is not 1 to 255 visible ASCII characters (%j) is a 400', async (key) => {
    const res = await echo()(event({ headers: { authorization: 'Bearer good.token.here', 'content-type': 'application/json', 'idempotency-key': key } }), {} as Context);

    expect(res.statusCode).toBe(400);
    expect(JSON.parse(res.body!).errors).toEqual([{ path: 'Idempotency-Key', message: 'must be 1 to 255 visible ASCII characters' }]);
  });

  it.each([
    [undefined, [3, 4], [false, false]],
    ['"3"', [3, 4], [true, false]],
    ['"2", "3"', [2, 3, 4], [true, true, false]],
    ['*', [1, 99], [true, true]],
    ['W/"3"', [3], [false]],
    ['3', [3], [false]],
  ])('If-Match %j is handed on as a test of the record version', async (header, versions, matches) => {
    const seen: boolean[] = [];
    const h = httpHandler({ authenticate }, {}, async ({ ifMatch }) => {
      if (header === undefined) expect(ifMatch).toBeUndefined();
      else seen.push(...versions.map((v) => ifMatch!(v)));
      return { statusCode: 204 };
    });

    await h(event({ headers: { authorization: 'Bearer good.token.here', ...(header === undefined ? {} : { 'If-Match': header }) } }), {} as Context);

    expect(seen).toEqual(header === undefined ? [] : matches);
  });

  it('a base64-encoded body and an application/*+json type are read as JSON', async () => {
    const body = Buffer.from('{"name":"é"}').toString('base64');
    const res = await echo()(
      event({ body, isBase64Encoded: true, headers: { authorization: 'Bearer good.token.here', 'content-type': 'application/merge-patch+json; charset=utf-8' } }),
      {} as Context,
    );

    expect(res.statusCode).toBe(200);
    expect(JSON.parse(res.body!).body).toEqual({ name: 'é' });
  });

  it('an invalid query is a 400 naming the parameter under `query`', async () => {
    const h = echo(z.strictObject({ limit: z.coerce.number().int().max(100) }));

    const res = await h(event({ queryStringParameters: { limit: '500', sort: 'asc' } }), {} as Context);

    expect(res.statusCode).toBe(400);
    expect(JSON.parse(res.body!).errors).toEqual([
      { path: 'query.limit', message: expect.any(String) },
      { path: 'query.sort', message: 'is not a known field' },
    ]);
  });
});

describe('fieldProblems', () => {
  it('names nested fields with dots and array indexes, and each unknown key on its own', () => {
    const schema = z.strictObject({ cors: z.strictObject({ allowedOrigins: z.array(z.string().url()) }) });
    const result = schema.safeParse({ cors: { allowedOrigins: ['https://ok.example', 'not a url'], extra: 1, other: 2 } });

    expect(result.success).toBe(false);
    expect(fieldProblems(result.error!)).toEqual([
      { path: 'cors.allowedOrigins[1]', message: expect.any(String) },
      { path: 'cors.extra', message: 'is not a known field' },
      { path: 'cors.other', message: 'is not a known field' },
    ]);
  });

  it('calls a problem with the value itself `body`', () => {
    const result = z.strictObject({ name: z.string() }).safeParse('text');

    expect(fieldProblems(result.error!)).toEqual([{ path: 'body', message: expect.any(String) }]);
  });
});
