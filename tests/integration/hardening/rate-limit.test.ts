import { beforeAll, describe, expect, it } from 'vitest';
import { documentClientOf, makeDynamo } from '../../../lib/aws/clients.js';
import { dynamoRateLimiter } from '../../../lib/http/rate-limit.js';
import { makeWorld, send, type World } from './world.js';

// The per-tenant budget (lib/http/rate-limit.ts) on the emulator's DynamoDB, through real handlers. Time is
// injected, so windows open and close without waiting.
let world: World;
let now: Date;

beforeAll(async () => {
  world = await makeWorld();
});

const doc = () => documentClientOf(makeDynamo({ region: world.cfg.region, endpoint: world.endpoint }));

// readBatch 1: every request reaches the table, so the counters below are exact.
const limited = (limit: number, table = world.cfg.tableName) =>
  world.deps({ rateLimit: dynamoRateLimiter(doc(), table, () => now, { limit, windowSeconds: 60, readBatch: 1 }) });

const counterOf = async (tenant: string) =>
  (await world.itemsOf(tenant)).filter((i) => i.sk?.S?.startsWith('LIMIT#')).map((c) => Number(c.count?.N));

describe('per-tenant throttling', () => {
  it('answers 429 problem+json with Retry-After once a tenant spends its window, on every route, and never touches another tenant', async () => {
    now = new Date('2030-01-01T00:00:10.000Z');
    const deps = limited(3);
    const noisy = world.tenant('noisy');
    const quiet = world.tenant('quiet');
    const [noisyToken, quietToken] = [await world.token(noisy), await world.token(quiet)];
    const list = await world.handler('GET /byob', deps);
    const settings = await world.handler('GET /byob/settings', deps);

    for (let i = 0; i < 3; i++) expect((await send(list, { method: 'GET', route: '/byob', token: noisyToken })).status).toBe(200);
    const refused = await send(settings, { method: 'GET', route: '/byob/settings', token: noisyToken });
    expect(refused.status).toBe(429);
    expect(refused.headers['content-type']).toBe('application/problem+json');
    expect(refused.headers['retry-after']).toBe('50');
    expect(refused.headers['x-frame-options']).toBe('DENY');
    expect(refused.body).toMatchObject({ status: 429, type: expect.stringMatching(/rate-limited$/) });

    expect((await send(list, { method: 'GET', route: '/byob', token: quietToken })).status).toBe(200);

    now = new Date('2030-01-01T00:01:00.000Z');
    expect((await send(list, { method: 'GET', route: '/byob', token: noisyToken })).status).toBe(200);

    // The counters are the tenant's own items, kept only a while (TTL).
    const counters = (await world.itemsOf(noisy)).filter((i) => i.sk?.S?.startsWith('LIMIT#'));
    expect(counters.map((c) => [c.sk?.S, c.count?.N])).toEqual([
      ['LIMIT#2030-01-01T00:00:00.000Z', '3'],
      ['LIMIT#2030-01-01T00:01:00.000Z', '1'],
    ]);
    expect(Number(counters[0]!.expiresAt?.N)).toBe(Date.parse('2030-01-01T00:01:00Z') / 1000 + 3600);
  });

  it('refuses a write over budget before it acts: no record, no stack', async () => {
    now = new Date('2030-01-02T00:00:10.000Z');
    const deps = limited(1);
    const tenant = world.tenant('writer');
    const token = await world.token(tenant);
    const list = await world.handler('GET /byob', deps);
    const create = await world.handler('POST /byob', deps);
    expect((await send(list, { method: 'GET', route: '/byob', token })).status).toBe(200);

    const body = { scope: 'team', team: 'late', region: 'eu-west-1', cors: { allowedOrigins: ['*'] }, launch: { mode: 'direct' } };
    const refused = await send(create, { method: 'POST', route: '/byob', token, json: body });
    expect(refused.status).toBe(429);
    expect((await world.itemsOf(tenant)).filter((i) => i.sk?.S?.startsWith('R#'))).toEqual([]);
    expect(await world.stacksOf(tenant)).toEqual([]);
  });

  it('is checked after authentication: an anonymous flood is 401, and spends nobody\'s budget', async () => {
    now = new Date('2030-01-02T00:00:00.000Z');
    const deps = limited(1);
    const list = await world.handler('GET /byob', deps);
    for (let i = 0; i < 5; i++) expect((await send(list, { method: 'GET', route: '/byob' })).status).toBe(401);
    const tenant = world.tenant('after');
    expect((await send(list, { method: 'GET', route: '/byob', token: await world.token(tenant) })).status).toBe(200);
  });

  it('counts reads in batches per container, keeps writes exact, and bounds what a tenant gets past the limit', async () => {
    now = new Date('2030-01-04T00:00:05.000Z');
    const tenant = world.tenant('batched');
    const policy = { limit: 30, windowSeconds: 60, readBatch: 10 };
    const a = dynamoRateLimiter(doc(), world.cfg.tableName, () => now, policy);
    const b = dynamoRateLimiter(doc(), world.cfg.tableName, () => now, policy);

    // Container a: its first read of the window is added at once, then one add per 10 reads.
    for (let i = 0; i < 25; i++) await a(tenant, 'read');
    expect(await counterOf(tenant)).toEqual([21]);
    // A write adds itself and the 4 reads not yet added.
    await a(tenant, 'write');
    expect(await counterOf(tenant)).toEqual([26]);

    // Container b learns the shared count on its first read, and stops once it would pass the limit.
    let admittedB = 0;
    while (admittedB < 50 && (await b(tenant, 'read').then(() => true, () => false))) admittedB++;
    expect(admittedB).toBe(4);
    let admittedA = 0;
    while (admittedA < 50 && (await a(tenant, 'read').then(() => true, () => false))) admittedA++;
    expect(admittedA).toBe(4);
    // 34 admitted against a limit of 30: never more than readBatch - 1 per container past it.
    expect(26 + admittedA + admittedB).toBeLessThanOrEqual(policy.limit + 2 * (policy.readBatch - 1));

    // A write is refused (before it acts) when the count with this container's unadded reads has no room.
    const refused = await a(tenant, 'write').catch((e: unknown) => e);
    expect(refused).toMatchObject({ name: 'TooManyRequestsError', retryAfterSeconds: 55 });

    // A new window starts from zero in every container.
    now = new Date('2030-01-04T00:01:00.000Z');
    await expect(a(tenant, 'write')).resolves.toBeUndefined();
    await expect(b(tenant, 'read')).resolves.toBeUndefined();
    expect(await counterOf(tenant)).toEqual([27, 2]);
  });

  it('lets requests through when its table cannot be reached (throttling never takes the API down)', async () => {
    now = new Date('2030-01-03T00:00:00.000Z');
    const deps = limited(1, 'no-such-table');
    const list = await world.handler('GET /byob', deps);
    const token = await world.token(world.tenant('open'));
    for (let i = 0; i < 3; i++) expect((await send(list, { method: 'GET', route: '/byob', token })).status).toBe(200);
  });
});
