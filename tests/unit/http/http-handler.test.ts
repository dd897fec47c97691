import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { NotFoundError, TooManyRequestsError, UnauthorizedError } from '../../../lib/errors.js';
import { httpHandler, MAX_BODY_BYTES } from '../../../lib/http/http-handler.js';
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
    ['401 no token', ok, event({ headers: { 'content-type': 'application/json' } }), 401],
    ['404 invalid id', ok, event({ pathParameters: { id: '../etc' } }), 404],
    ['404 thrown by the route', make(async () => { throw new NotFoundError(); }), event(), 404],
    ['413 oversize', ok, event({ body: `{"name":"${'x'.repeat(MAX_BODY_BYTES)}"}` }), 413],
    ['415 not JSON', ok, event({ headers: { authorization: 'Bearer good.token.here', 'content-type': 'text/plain' } }), 415],
    ['429 budget spent', make(async () => ({ statusCode: 200 }), async () => { throw new TooManyRequestsError(17, 600, 60); }), event(), 429],
    ['500 unexpected', make(async () => { throw new Error('secret internals at arn:aws:dynamodb:…'); }), event(), 500],
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
