import { ConditionalCheckFailedException, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, UpdateCommand, type UpdateCommandInput } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-vitest/extend';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { TooManyRequestsError } from '../../../lib/errors.js';
import { createServer, type Socket } from 'node:net';
import { DEFAULT_RATE_LIMIT, dynamoRateLimiter, RATE_LIMIT_WAIT_MS, type RateLimitPolicy } from '../../../lib/http/rate-limit.js';
import { logger } from '../../../lib/logger.js';

// The limiter's DynamoDB calls go to a document client mocked with aws-sdk-client-mock, answering
// from in-memory counters that apply the ADD and its condition as DynamoDB would. Each limiter is one
// Lambda container; two limiters on the same counters are two containers.
const TABLE = 'byob-service';
const WINDOW_START = Date.parse('2030-01-01T00:00:00.000Z');

const doc = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'eu-west-1' }));
const docMock = mockClient(doc);

/** The shared counters, keyed `pk|sk`. */
const counterTable = () => {
  const counters = new Map<string, { count: number; expiresAt: number }>();
  docMock.on(UpdateCommand).callsFake((input: UpdateCommandInput) => {
    const key = `${String(input.Key?.['pk'])}|${String(input.Key?.['sk'])}`;
    const values = input.ExpressionAttributeValues as { ':n': number; ':expires': number; ':room'?: number };
    const stored = counters.get(key);
    if (input.ConditionExpression && stored && values[':room'] !== undefined && stored.count > values[':room']) {
      throw new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} });
    }
    const next = { count: (stored?.count ?? 0) + values[':n'], expiresAt: stored?.expiresAt ?? values[':expires'] };
    counters.set(key, next);
    return { Attributes: next };
  });
  return {
    /** What another container already counted in a window. */
    preset: (tenant: string, windowStart: number, count: number) =>
      counters.set(`T#${tenant}|LIMIT#${new Date(windowStart).toISOString()}`, { count, expiresAt: 0 }),
    counts: () => Object.fromEntries([...counters].map(([k, v]) => [k, v.count])),
    items: () => Object.fromEntries(counters),
  };
};

const clockAt = (ms: number) => {
  let now = ms;
  return { clock: () => new Date(now), set: (t: number) => void (now = t) };
};

const policy = (over: Partial<RateLimitPolicy> = {}): RateLimitPolicy => ({ limit: 3, windowSeconds: 60, readBatch: 10, ...over });

const outcome = (p: Promise<void>) => p.then(() => 'ok', (e: unknown) => (e instanceof TooManyRequestsError ? 429 : e));

const updates = () => docMock.commandCalls(UpdateCommand).map((c) => c.args[0].input);

afterEach(() => {
  docMock.reset();
  vi.restoreAllMocks();
});

describe('dynamoRateLimiter: writes', () => {
  it('counts a write before it acts, under a condition that keeps the window within the limit', async () => {
    const table = counterTable();
    const time = clockAt(WINDOW_START + 10_000);
    const limit = dynamoRateLimiter(doc, TABLE, time.clock, policy());

    const results = [];
    for (let i = 0; i < 4; i++) results.push(await outcome(limit('acme', 'write')));

    expect(results).toEqual(['ok', 'ok', 'ok', 429]);
    expect(table.counts()).toEqual({ 'T#acme|LIMIT#2030-01-01T00:00:00.000Z': 3 });
    expect(updates()[0]).toEqual({
      TableName: TABLE,
      Key: { pk: 'T#acme', sk: 'LIMIT#2030-01-01T00:00:00.000Z' },
      UpdateExpression: 'ADD #count :n SET expiresAt = if_not_exists(expiresAt, :expires)',
      ConditionExpression: 'attribute_not_exists(#count) OR #count <= :room',
      ExpressionAttributeNames: { '#count': 'count' },
      ExpressionAttributeValues: { ':n': 1, ':expires': Date.parse('2030-01-01T00:01:00.000Z') / 1000 + 3600, ':room': 2 },
      ReturnValues: 'UPDATED_NEW',
    });
  });

  it('treats a request of no stated kind as a write', async () => {
    counterTable();
    const limit = dynamoRateLimiter(doc, TABLE, clockAt(WINDOW_START).clock, policy());

    await limit('acme');

    expect(updates()[0]?.ConditionExpression).toBeDefined();
  });

  it('says when to retry: the rest of the window, rounded up to whole seconds, at least 1', async () => {
    counterTable();
    const time = clockAt(WINDOW_START + 10_200);
    const limit = dynamoRateLimiter(doc, TABLE, time.clock, policy({ limit: 1 }));
    await limit('acme', 'write');

    const early = await limit('acme', 'write').catch((e: unknown) => e);
    time.set(WINDOW_START + 59_500);
    const late = await limit('acme', 'write').catch((e: unknown) => e);

    expect(early).toMatchObject({ status: 429, retryAfterSeconds: 50, message: expect.stringMatching(/At most 1 requests per 60 s/) });
    expect(late).toMatchObject({ status: 429, retryAfterSeconds: 1 });
  });

  it('after a refused write, refuses here for the rest of the window without asking the table', async () => {
    const table = counterTable();
    table.preset('acme', WINDOW_START, 3);
    const limit = dynamoRateLimiter(doc, TABLE, clockAt(WINDOW_START + 1000).clock, policy());

    expect(await outcome(limit('acme', 'write'))).toBe(429);
    expect(await outcome(limit('acme', 'read'))).toBe(429);
    expect(await outcome(limit('acme', 'write'))).toBe(429);

    expect(updates()).toHaveLength(1);
  });
});

describe('dynamoRateLimiter: reads', () => {
  it('counts reads in batches: the first read of a window at once, then one add per readBatch reads, unconditionally', async () => {
    const table = counterTable();
    const limit = dynamoRateLimiter(doc, TABLE, clockAt(WINDOW_START).clock, policy({ limit: 100 }));

    for (let i = 0; i < 25; i++) await limit('acme', 'read');

    expect(updates().map((u) => u.ExpressionAttributeValues?.[':n'])).toEqual([1, 10, 10]);
    expect(updates().every((u) => u.ConditionExpression === undefined)).toBe(true);
    expect(table.counts()).toEqual({ 'T#acme|LIMIT#2030-01-01T00:00:00.000Z': 21 });
  });

  it('a write adds itself and the reads not yet added, under the condition', async () => {
    const table = counterTable();
    const limit = dynamoRateLimiter(doc, TABLE, clockAt(WINDOW_START).clock, policy({ limit: 100 }));
    for (let i = 0; i < 25; i++) await limit('acme', 'read');

    await limit('acme', 'write');

    expect(updates().at(-1)?.ExpressionAttributeValues).toMatchObject({ ':n': 5, ':room': 95 });
    expect(table.counts()).toEqual({ 'T#acme|LIMIT#2030-01-01T00:00:00.000Z': 26 });
  });

  it('learns the shared count on its first read and refuses locally once it reaches the limit', async () => {
    const table = counterTable();
    table.preset('acme', WINDOW_START, 29);
    const limit = dynamoRateLimiter(doc, TABLE, clockAt(WINDOW_START).clock, policy({ limit: 30 }));

    expect(await outcome(limit('acme', 'read'))).toBe('ok');
    expect(await outcome(limit('acme', 'read'))).toBe(429);

    expect(updates()).toHaveLength(1);
  });

  it('refuses a read whose add finds the window already over the limit', async () => {
    const table = counterTable();
    table.preset('acme', WINDOW_START, 30);
    const limit = dynamoRateLimiter(doc, TABLE, clockAt(WINDOW_START).clock, policy({ limit: 30 }));

    expect(await outcome(limit('acme', 'read'))).toBe(429);
  });

  it('two containers together admit at most readBatch - 1 reads each past the limit', async () => {
    const table = counterTable();
    const p = policy({ limit: 30 });
    const a = dynamoRateLimiter(doc, TABLE, clockAt(WINDOW_START).clock, p);
    const b = dynamoRateLimiter(doc, TABLE, clockAt(WINDOW_START).clock, p);

    let admitted = 0;
    for (let i = 0; i < 50; i++) {
      if ((await outcome(a('acme', 'read'))) === 'ok') admitted++;
      if ((await outcome(b('acme', 'read'))) === 'ok') admitted++;
    }

    expect(admitted).toBeGreaterThanOrEqual(p.limit);
    expect(admitted).toBeLessThanOrEqual(p.limit + 2 * (p.readBatch - 1));
    expect(table.counts()['T#acme|LIMIT#2030-01-01T00:00:00.000Z']).toBeLessThanOrEqual(admitted);
  });
});

describe('dynamoRateLimiter: windows and tenants', () => {
  it('starts every window from zero, on a counter item of its own that expires an hour after the window', async () => {
    const table = counterTable();
    const time = clockAt(WINDOW_START + 10_000);
    const limit = dynamoRateLimiter(doc, TABLE, time.clock, policy({ limit: 1 }));
    await limit('acme', 'write');
    expect(await outcome(limit('acme', 'write'))).toBe(429);

    time.set(WINDOW_START + 60_000);
    expect(await outcome(limit('acme', 'write'))).toBe('ok');

    expect(table.items()).toEqual({
      'T#acme|LIMIT#2030-01-01T00:00:00.000Z': { count: 1, expiresAt: Date.parse('2030-01-01T00:01:00Z') / 1000 + 3600 },
      'T#acme|LIMIT#2030-01-01T00:01:00.000Z': { count: 1, expiresAt: Date.parse('2030-01-01T00:02:00Z') / 1000 + 3600 },
    });
  });

  it('gives each tenant its own budget', async () => {
    counterTable();
    const limit = dynamoRateLimiter(doc, TABLE, clockAt(WINDOW_START).clock, policy({ limit: 1 }));

    expect(await outcome(limit('acme', 'write'))).toBe('ok');
    expect(await outcome(limit('acme', 'write'))).toBe(429);
    expect(await outcome(limit('globex', 'write'))).toBe('ok');
  });

  it('lets requests through, and logs it, when the table cannot be reached', async () => {
    docMock.on(UpdateCommand).rejects(Object.assign(new Error('Requested resource not found'), { name: 'ResourceNotFoundException' }));
    const warn = vi.spyOn(logger, 'warn').mockImplementation(() => undefined);
    const limit = dynamoRateLimiter(doc, TABLE, clockAt(WINDOW_START).clock, policy({ limit: 1 }));

    for (let i = 0; i < 3; i++) await expect(limit('acme', 'write')).resolves.toBeUndefined();

    expect(warn).toHaveBeenCalledWith('rate limiter unavailable; request let through', expect.objectContaining({ error: expect.any(Error) }));
  });

  it(`lets a request through after ${RATE_LIMIT_WAIT_MS} ms when the table does not answer (AWS hanging), leaving the route its time`, async () => {
    const sockets: Socket[] = [];
    const silent = createServer((s) => void sockets.push(s));
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const hung = DynamoDBDocumentClient.from(
      new DynamoDBClient({ region: 'eu-west-1', endpoint: `http://127.0.0.1:${(silent.address() as { port: number }).port}`, credentials: { accessKeyId: 'k', secretAccessKey: 's' }, maxAttempts: 1 }),
    );
    vi.spyOn(logger, 'warn').mockImplementation(() => undefined);
    const limit = dynamoRateLimiter(hung, TABLE, clockAt(WINDOW_START).clock, policy({ limit: 1 }));

    const t0 = Date.now();
    await expect(limit('acme', 'write')).resolves.toBeUndefined();
    const waited = Date.now() - t0;

    for (const s of sockets) s.destroy();
    await new Promise<void>((r) => silent.close(() => r()));
    expect(waited).toBeGreaterThanOrEqual(RATE_LIMIT_WAIT_MS - 50);
    expect(waited).toBeLessThan(RATE_LIMIT_WAIT_MS + 1_000);
  });

  it('by default allows 600 requests a minute per tenant, reads counted in batches of 10', async () => {
    counterTable();
    const limit = dynamoRateLimiter(doc, TABLE, clockAt(WINDOW_START).clock);

    for (let i = 0; i < 600; i++) await limit('acme', 'write');

    expect(DEFAULT_RATE_LIMIT).toEqual({ limit: 600, windowSeconds: 60, readBatch: 10 });
    await expect(limit('acme', 'write')).rejects.toMatchObject({ status: 429 });
  });
});
