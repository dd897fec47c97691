import { ConditionalCheckFailedException, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-vitest/extend';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ConflictError, toProblem } from '../../../lib/errors.js';
import { IDEMPOTENCY_TTL_SECONDS, IN_FLIGHT_LIMIT_MS, makeIdempotentCreate } from '../../../lib/http/idempotency.js';

// makeIdempotentCreate sends document commands through a document client over the client it is given,
// so the seam is the document client: aws-sdk-client-mock answers its four commands from an in-memory
// table that evaluates the claim's PutItem condition (key absent, or expired, or in flight past its limit).
const TABLE = 'byob-idempotency';
const T0 = new Date('2026-11-24T10:00:00.000Z');

const dynamo = new DynamoDBClient({ region: 'eu-west-1' });
const dynamoMock = mockClient(DynamoDBDocumentClient);

type Item = Record<string, unknown>;

/** An idempotency table in memory, answering through the mocked document client. */
const idempotencyTable = () => {
  const items = new Map<string, Item>();
  const keyOf = (key: Item) => JSON.stringify(key);
  dynamoMock.on(PutCommand).callsFake(({ Item: item = {}, ExpressionAttributeNames: names = {}, ExpressionAttributeValues: values = {} }) => {
    const stored = items.get(keyOf({ [names['#id']!]: item[names['#id']!] }));
    const now = values as { ':now': number; ':nowms': number; ':inprogress': string };
    const attr = (n: string) => stored?.[names[n]!];
    const free =
      !stored ||
      Number(attr('#expiration')) < now[':now'] ||
      (attr('#status') === now[':inprogress'] && attr('#inflight') !== undefined && Number(attr('#inflight')) < now[':nowms']);
    if (!free) throw new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} });
    items.set(keyOf({ [names['#id']!]: item[names['#id']!] }), item);
    return {};
  });
  dynamoMock.on(GetCommand).callsFake(({ Key }) => ({ Item: items.get(keyOf(Key)) }));
  dynamoMock.on(UpdateCommand).callsFake(({ Key, UpdateExpression, ExpressionAttributeNames: names = {}, ExpressionAttributeValues: values = {} }) => {
    const item = { ...items.get(keyOf(Key)), ...Key };
    for (const [, name, value] of (UpdateExpression as string).matchAll(/(#\w+) = (:\w+)/g)) item[names[name!]!] = values[value!];
    items.set(keyOf(Key), item);
    return {};
  });
  dynamoMock.on(DeleteCommand).callsFake(({ Key }) => {
    items.delete(keyOf(Key));
    return {};
  });
  return { items: () => [...items.values()] };
};

interface Body {
  team: string;
}

/** A create that counts its runs and answers with the run number. */
const counted = (run: (tenant: string, body: Body) => Promise<unknown> = async () => undefined) => {
  const runs: Array<[string, Body]> = [];
  const create = async (tenant: string, body: Body) => {
    runs.push([tenant, body]);
    await run(tenant, body);
    return { id: `byob_${runs.length}`, tenant, team: body.team };
  };
  return { runs, create: makeIdempotentCreate(dynamo, TABLE, create) };
};

const deferred = () => {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
};

afterEach(() => {
  dynamoMock.reset();
  vi.useRealTimers();
});

describe('makeIdempotentCreate', () => {
  it('runs the create once and answers a replay with the stored answer', async () => {
    idempotencyTable();
    const { runs, create } = counted();

    const first = await create('acme', 'key-1', { team: 'omega' });
    const replay = await create('acme', 'key-1', { team: 'omega' });

    expect(first).toEqual({ id: 'byob_1', tenant: 'acme', team: 'omega' });
    expect(replay).toEqual(first);
    expect(runs).toHaveLength(1);
    expect(dynamoMock).toHaveReceivedCommandWith(PutCommand, { TableName: TABLE });
  });

  it('scopes the key to the tenant: two tenants sending the same Idempotency-Key each get their own create', async () => {
    idempotencyTable();
    const { runs, create } = counted();

    const a = await create('acme', 'same-key', { team: 'omega' });
    const b = await create('globex', 'same-key', { team: 'omega' });

    expect([a, b]).toEqual([
      { id: 'byob_1', tenant: 'acme', team: 'omega' },
      { id: 'byob_2', tenant: 'globex', team: 'omega' },
    ]);
    expect(runs.map(([tenant]) => tenant)).toEqual(['acme', 'globex']);
  });

  it('answers 422 idempotency-key-reused to the same key with another body, without running it', async () => {
    idempotencyTable();
    const { runs, create } = counted();
    await create('acme', 'key-1', { team: 'omega' });

    const error = await create('acme', 'key-1', { team: 'sigma' }).catch((e: unknown) => e);

    expect(error).toMatchObject({ name: 'UnprocessableError', status: 422 });
    expect(toProblem(error)).toMatchObject({ status: 422, type: expect.stringMatching(/\/idempotency-key-reused$/) });
    expect(runs).toHaveLength(1);
  });

  it('answers 409 to the same key while the first call runs; once it is done, a retry gets its answer', async () => {
    idempotencyTable();
    const gate = deferred();
    const { runs, create } = counted(() => gate.promise);

    const first = create('acme', 'key-1', { team: 'omega' });
    await vi.waitFor(() => expect(runs).toHaveLength(1));
    const concurrent = await create('acme', 'key-1', { team: 'omega' }).catch((e: unknown) => e);
    gate.resolve();

    expect(concurrent).toBeInstanceOf(ConflictError);
    expect(concurrent).toMatchObject({ status: 409, message: expect.stringMatching(/still being processed/) });
    expect(await first).toEqual({ id: 'byob_1', tenant: 'acme', team: 'omega' });
    expect(await create('acme', 'key-1', { team: 'omega' })).toEqual(await first);
    expect(runs).toHaveLength(1);
  });

  it('an error in the first call passes through unchanged and frees the key for a retry', async () => {
    idempotencyTable();
    const failure = new ConflictError('An active BYOB request already exists');
    let fail = true;
    const { runs, create } = counted(async () => {
      if (fail) throw failure;
    });

    await expect(create('acme', 'key-1', { team: 'omega' })).rejects.toBe(failure);
    fail = false;
    await expect(create('acme', 'key-1', { team: 'omega' })).resolves.toEqual({ id: 'byob_2', tenant: 'acme', team: 'omega' });

    expect(runs).toHaveLength(2);
    expect(dynamoMock).toHaveReceivedCommandTimes(DeleteCommand, 1);
  });

  it('a call that died mid-way holds its key for at most IN_FLIGHT_LIMIT_MS, not the whole TTL', async () => {
    vi.useFakeTimers({ toFake: ['Date'], now: T0 });
    const table = idempotencyTable();
    const never = deferred();
    const { runs, create } = counted(async (_tenant, body) => {
      if (body.team === 'omega' && runs.length === 1) await never.promise;
    });

    const dead = create('acme', 'key-1', { team: 'omega' });
    await vi.waitFor(() => expect(runs).toHaveLength(1));
    expect(table.items()[0]).toMatchObject({ status: 'INPROGRESS', in_progress_expiration: T0.getTime() + IN_FLIGHT_LIMIT_MS });

    vi.setSystemTime(T0.getTime() + IN_FLIGHT_LIMIT_MS - 1000);
    await expect(create('acme', 'key-1', { team: 'omega' })).rejects.toMatchObject({ status: 409 });

    vi.setSystemTime(T0.getTime() + IN_FLIGHT_LIMIT_MS + 1000);
    await expect(create('acme', 'key-1', { team: 'omega' })).resolves.toEqual({ id: 'byob_2', tenant: 'acme', team: 'omega' });
    expect(runs).toHaveLength(2);

    never.resolve();
    await dead;
  });

  it('remembers a key for IDEMPOTENCY_TTL_SECONDS (24 h), then lets it start afresh', async () => {
    vi.useFakeTimers({ toFake: ['Date'], now: T0 });
    const table = idempotencyTable();
    const { runs, create } = counted();
    await create('acme', 'key-1', { team: 'omega' });
    expect(IDEMPOTENCY_TTL_SECONDS).toBeGreaterThanOrEqual(24 * 3600);
    expect(table.items()[0]).toMatchObject({ status: 'COMPLETED', expiration: T0.getTime() / 1000 + IDEMPOTENCY_TTL_SECONDS });

    vi.setSystemTime(T0.getTime() + (IDEMPOTENCY_TTL_SECONDS - 60) * 1000);
    await expect(create('acme', 'key-1', { team: 'sigma' })).rejects.toMatchObject({ status: 422 });

    vi.setSystemTime(T0.getTime() + (IDEMPOTENCY_TTL_SECONDS + 60) * 1000);
    await expect(create('acme', 'key-1', { team: 'sigma' })).resolves.toEqual({ id: 'byob_2', tenant: 'acme', team: 'sigma' });
    expect(runs).toHaveLength(2);
  });

  it('a record that expires under a concurrent call is retried, then answers 409', async () => {
    const table = idempotencyTable();
    const { runs, create } = counted();
    await create('acme', 'key-1', { team: 'omega' });
    const [stored] = table.items();
    // DynamoDB refused the write for a record that, once read, has expired: a race the claim retries.
    dynamoMock.on(PutCommand).rejects(new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} }));
    dynamoMock.on(GetCommand).resolves({ Item: { ...stored, expiration: Math.floor(Date.now() / 1000) - 1 } });

    const error = await create('acme', 'key-1', { team: 'omega' }).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(ConflictError);
    expect(dynamoMock.commandCalls(PutCommand).length).toBeGreaterThan(2);
    expect(runs).toHaveLength(1);
  });

  it('answers 503 without running the create when the idempotency table cannot be reached', async () => {
    dynamoMock.on(PutCommand).rejects(Object.assign(new Error(`Requested resource not found: Table: ${TABLE} not found`), { name: 'ResourceNotFoundException' }));
    const { runs, create } = counted();

    const error = await create('acme', 'key-1', { team: 'omega' }).catch((e: unknown) => e);

    expect(error).toMatchObject({ name: 'DependencyError', status: 503 });
    expect(toProblem(error).detail).not.toMatch(/Table|ResourceNotFound/);
    expect(runs).toEqual([]);
  });

  it('answers 503 when the answer cannot be saved, and the key then stays in flight (409) rather than running twice', async () => {
    idempotencyTable();
    dynamoMock.on(UpdateCommand).rejects(Object.assign(new Error('Throughput exceeds the current capacity'), { name: 'ProvisionedThroughputExceededException' }));
    const { runs, create } = counted();

    await expect(create('acme', 'key-1', { team: 'omega' })).rejects.toMatchObject({ name: 'DependencyError', status: 503 });
    await expect(create('acme', 'key-1', { team: 'omega' })).rejects.toMatchObject({ status: 409 });
    expect(runs).toHaveLength(1);
  });
});
