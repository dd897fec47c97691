import { ConditionalCheckFailedException, DynamoDBClient, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-vitest/extend';
import { afterEach, describe, expect, it } from 'vitest';
import { ConflictError, ValidationError } from '../../../lib/errors.js';
import { dynamoStore } from '../../../lib/provisioning/dynamo-store.js';
import type { ByobRecord } from '../../../lib/provisioning/record.js';
import { StaleRecordError } from '../../../lib/provisioning/stale-record.js';
import type { CommitPlan, TenantSettings } from '../../../lib/provisioning/store.js';
import { TABLE_DEFINITION } from '../../../lib/provisioning/table.js';
import { T0 } from '../../support/fakes.js';
import { directRecord, outboxEvent, readyRecord, REQUEST_ID } from '../../support/records.js';

const ddbMock = mockClient(DynamoDBDocumentClient);
afterEach(() => ddbMock.reset());

const TABLE = 'byob-test';
const store = dynamoStore(DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'eu-west-1' })), TABLE);

const canceled = (...codes: string[]) =>
  new TransactionCanceledException({ message: 'Transaction cancelled', $metadata: {}, CancellationReasons: codes.map((Code) => ({ Code })) });
const conditionFailed = () => new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} });

/** The record as the table holds it: keys, the byId index key and, when due, the due index keys. */
const itemOf = (r: ByobRecord) => {
  const { dueAt, ...rest } = r;
  return { ...rest, pk: `T#${r.tenant}`, sk: `R#${r.id}`, byId: r.id, ...(dueAt ? { duePk: 'DUE#RECORD', dueAt } : {}) };
};

const transactItems = () => ddbMock.commandCalls(TransactWriteCommand)[0]!.args[0].input.TransactItems!;

const outboxItem = outboxEvent;

describe('create', () => {
  it('puts the record and the team lock in one transaction, each only if absent', async () => {
    ddbMock.on(TransactWriteCommand).resolves({});
    const record = directRecord({ status: 'PENDING' });

    await store.create(record);

    expect(transactItems()).toEqual([
      { Put: { TableName: TABLE, Item: itemOf(record), ConditionExpression: 'attribute_not_exists(pk)' } },
      { Put: { TableName: TABLE, Item: { pk: 'T#acme', sk: 'A#team#omega', requestId: REQUEST_ID }, ConditionExpression: 'attribute_not_exists(pk)' } },
    ]);
  });

  it('writes no due index keys for a record without a due time (an index key cannot be null)', async () => {
    ddbMock.on(TransactWriteCommand).resolves({});

    await store.create(directRecord({ dueAt: null }));

    const item = transactItems()[0]!.Put!.Item!;
    expect(item).not.toHaveProperty('dueAt');
    expect(item).not.toHaveProperty('duePk');
  });

  it('answers 409 naming the request that holds the team when the lock exists', async () => {
    ddbMock.on(TransactWriteCommand).rejects(canceled('None', 'ConditionalCheckFailed'));
    ddbMock.on(GetCommand, { Key: { pk: 'T#acme', sk: 'A#team#omega' } }).resolves({ Item: { pk: 'T#acme', sk: 'A#team#omega', requestId: 'byob_HOLDER' } });

    const error = await store.create(directRecord()).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(ConflictError);
    expect((error as ConflictError).extra).toEqual({ existingId: 'byob_HOLDER' });
    expect((error as ConflictError).message).toContain('team "omega"');
    expect(ddbMock).toHaveReceivedCommandWith(GetCommand, { TableName: TABLE, ConsistentRead: true });
  });

  it("names the instance, and an unknown holder when the lock vanished meanwhile", async () => {
    ddbMock.on(TransactWriteCommand).rejects(canceled('None', 'ConditionalCheckFailed'));
    ddbMock.on(GetCommand).resolves({});

    const error = (await store.create(directRecord({ scope: 'instance', team: null, activeKey: 'instance#-' })).catch((e: unknown) => e)) as ConflictError;

    expect(error.message).toContain('for this instance');
    expect(error.extra).toEqual({ existingId: 'unknown' });
  });

  it('lets any other failure through as it is', async () => {
    const recordExists = canceled('ConditionalCheckFailed', 'None');
    ddbMock.on(TransactWriteCommand).rejects(recordExists);

    await expect(store.create(directRecord())).rejects.toBe(recordExists);
  });

  it('succeeds when the lock is its own: an SDK retry of a create whose answer was lost finds its first attempt landed', async () => {
    ddbMock.on(TransactWriteCommand).rejects(canceled('ConditionalCheckFailed', 'ConditionalCheckFailed'));
    ddbMock.on(GetCommand, { Key: { pk: 'T#acme', sk: 'A#team#omega' } }).resolves({ Item: { pk: 'T#acme', sk: 'A#team#omega', requestId: REQUEST_ID } });

    await expect(store.create(directRecord())).resolves.toBeUndefined();
  });
});

describe('get and findById', () => {
  it('reads the record consistently and gives it back without its keys', async () => {
    const record = readyRecord();
    ddbMock.on(GetCommand, { Key: { pk: 'T#acme', sk: `R#${REQUEST_ID}` } }).resolves({ Item: itemOf(record) });

    expect(await store.get('acme', REQUEST_ID)).toEqual(record);
    expect(ddbMock).toHaveReceivedCommandWith(GetCommand, { TableName: TABLE, ConsistentRead: true });
  });

  it('gives a record stored without due keys a null due time', async () => {
    ddbMock.on(GetCommand).resolves({ Item: itemOf(directRecord({ dueAt: null })) });

    expect((await store.get('acme', REQUEST_ID))?.dueAt).toBeNull();
  });

  it('answers null for a missing record', async () => {
    ddbMock.on(GetCommand).resolves({});

    expect(await store.get('acme', REQUEST_ID)).toBeNull();
  });

  it("finds a record by id through the byId index, then reads the item itself for its current version", async () => {
    const record = directRecord({ tenant: 'globex' });
    ddbMock.on(QueryCommand).resolves({ Items: [{ pk: 'T#globex', sk: `R#${REQUEST_ID}`, byId: REQUEST_ID }] });
    ddbMock.on(GetCommand, { Key: { pk: 'T#globex', sk: `R#${REQUEST_ID}` } }).resolves({ Item: itemOf(record) });

    expect(await store.findById(REQUEST_ID)).toEqual(record);
    expect(ddbMock).toHaveReceivedCommandWith(QueryCommand, { IndexName: 'byId', KeyConditionExpression: 'byId = :id', ExpressionAttributeValues: { ':id': REQUEST_ID } });
  });

  it('answers null when no record has that id', async () => {
    ddbMock.on(QueryCommand).resolves({ Items: [] });

    expect(await store.findById(REQUEST_ID)).toBeNull();
    expect(ddbMock).toHaveReceivedCommandTimes(GetCommand, 0);
  });
});

describe('list', () => {
  const records = [3, 2, 1].map((n) => directRecord({ id: `byob_0${n}` }));

  it("queries the tenant's records newest first and hands out a cursor to the next page", async () => {
    ddbMock.on(QueryCommand).resolves({ Items: records.slice(0, 2).map(itemOf), LastEvaluatedKey: { pk: 'T#acme', sk: 'R#byob_02' } });

    const page = await store.list('acme', { limit: 2 });

    expect(page.items.map((r) => r.id)).toEqual(['byob_03', 'byob_02']);
    expect(ddbMock).toHaveReceivedCommandWith(QueryCommand, {
      TableName: TABLE,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :r)',
      ExpressionAttributeValues: { ':pk': 'T#acme', ':r': 'R#' },
      ScanIndexForward: false,
      Limit: 2,
    });
    expect(JSON.parse(Buffer.from(page.nextCursor!, 'base64url').toString('utf8'))).toEqual({ pk: 'T#acme', sk: 'R#byob_02' });
  });

  it('starts the next page after the cursor it handed out', async () => {
    ddbMock.on(QueryCommand).resolves({ Items: [itemOf(records[2]!)] });
    const cursor = Buffer.from(JSON.stringify({ pk: 'T#acme', sk: 'R#byob_02' })).toString('base64url');

    const page = await store.list('acme', { limit: 2, cursor });

    expect(ddbMock).toHaveReceivedCommandWith(QueryCommand, { ExclusiveStartKey: { pk: 'T#acme', sk: 'R#byob_02' } });
    expect(page).toEqual({ items: [records[2]], nextCursor: null });
  });

  it('filters by status and keeps reading until the page is full', async () => {
    ddbMock
      .on(QueryCommand)
      .resolvesOnce({ Items: [itemOf(records[0]!)], LastEvaluatedKey: { pk: 'T#acme', sk: 'R#byob_02' } })
      .resolvesOnce({ Items: [itemOf(records[2]!)] });

    const page = await store.list('acme', { limit: 2, status: 'CREATING' });

    const queries = ddbMock.commandCalls(QueryCommand).map((c) => c.args[0].input);
    expect(queries).toHaveLength(2);
    expect(queries[0]).toMatchObject({ FilterExpression: '#status = :s', ExpressionAttributeNames: { '#status': 'status' }, ExpressionAttributeValues: { ':s': 'CREATING' }, Limit: 2 });
    expect(queries[1]).toMatchObject({ ExclusiveStartKey: { pk: 'T#acme', sk: 'R#byob_02' }, Limit: 1 });
    expect(page.items.map((r) => r.id)).toEqual(['byob_03', 'byob_01']);
    expect(page.nextCursor).toBeNull();
  });

  it('stops after ten reads and, having found nothing yet, hands out a cursor from where it got to', async () => {
    ddbMock.on(QueryCommand).resolves({ Items: [], LastEvaluatedKey: { pk: 'T#acme', sk: 'R#byob_09' } });

    const page = await store.list('acme', { limit: 5, status: 'READY' });

    expect(ddbMock).toHaveReceivedCommandTimes(QueryCommand, 10);
    expect(page.items).toEqual([]);
    // Without a cursor the caller would take an empty page for the end of the list, though older records remain.
    expect(page.nextCursor).not.toBeNull();
    expect(JSON.parse(Buffer.from(page.nextCursor!, 'base64url').toString('utf8'))).toEqual({ pk: 'T#acme', sk: 'R#byob_09' });
  });

  it('stops after ten reads and continues after the last record it found', async () => {
    ddbMock
      .on(QueryCommand)
      .resolvesOnce({ Items: [itemOf(records[0]!)], LastEvaluatedKey: { pk: 'T#acme', sk: 'R#byob_03' } })
      .resolves({ Items: [], LastEvaluatedKey: { pk: 'T#acme', sk: 'R#byob_01' } });

    const page = await store.list('acme', { limit: 5, status: 'CREATING' });

    expect(page.items.map((r) => r.id)).toEqual(['byob_03']);
    expect(JSON.parse(Buffer.from(page.nextCursor!, 'base64url').toString('utf8'))).toEqual({ pk: 'T#acme', sk: 'R#byob_03' });
  });

  it.each([
    ['of another tenant', Buffer.from(JSON.stringify({ pk: 'T#globex', sk: 'R#byob_02' })).toString('base64url')],
    ['pointing outside the records', Buffer.from(JSON.stringify({ pk: 'T#acme', sk: 'SETTINGS' })).toString('base64url')],
    ['with extra keys', Buffer.from(JSON.stringify({ pk: 'T#acme', sk: 'R#byob_02', duePk: 'x' })).toString('base64url')],
    ['that is not JSON', 'bm90IGpzb24'],
    ['that is not base64url JSON at all', '%%%'],
  ])('refuses a cursor %s with a 400 naming the cursor, before reading', async (_what, cursor) => {
    const error = await store.list('acme', { limit: 2, cursor }).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).errors).toEqual([{ path: 'cursor', message: 'is not a cursor returned by this API' }]);
    expect(ddbMock).toHaveReceivedCommandTimes(QueryCommand, 0);
  });
});

describe('commit', () => {
  const plan = (over: Partial<CommitPlan> = {}): CommitPlan => {
    const before = directRecord();
    return { before, after: { ...before, status: 'VERIFYING', version: before.version + 1 }, lock: 'keep', outbox: [], ...over };
  };

  it('puts the new record only if version and status are still the ones read', async () => {
    ddbMock.on(TransactWriteCommand).resolves({});
    const p = plan();

    await store.commit(p);

    expect(transactItems()).toEqual([
      {
        Put: {
          TableName: TABLE,
          Item: itemOf(p.after),
          ConditionExpression: '#version = :v AND #status = :from',
          ExpressionAttributeNames: { '#version': 'version', '#status': 'status' },
          ExpressionAttributeValues: { ':v': p.before.version, ':from': 'CREATING' },
        },
      },
    ]);
  });

  it("releases the team lock only if this request holds it", async () => {
    ddbMock.on(TransactWriteCommand).resolves({});

    await store.commit(plan({ lock: 'release' }));

    expect(transactItems()[1]).toEqual({
      Delete: { TableName: TABLE, Key: { pk: 'T#acme', sk: 'A#team#omega' }, ConditionExpression: 'requestId = :id', ExpressionAttributeValues: { ':id': REQUEST_ID } },
    });
  });

  it('takes the team lock back only if nobody holds it', async () => {
    ddbMock.on(TransactWriteCommand).resolves({});

    await store.commit(plan({ lock: 'acquire' }));

    expect(transactItems()[1]).toEqual({ Put: { TableName: TABLE, Item: { pk: 'T#acme', sk: 'A#team#omega', requestId: REQUEST_ID }, ConditionExpression: 'attribute_not_exists(pk)' } });
  });

  it('writes the outbox events in the same transaction, pending ones on the due index', async () => {
    ddbMock.on(TransactWriteCommand).resolves({});
    const due = outboxItem({ eventId: 'evt_01' });
    const dead = outboxItem({ eventId: 'evt_02', status: 'dead', nextAttemptAt: null });

    await store.commit(plan({ lock: 'none', outbox: [due, dead] }));

    const items = transactItems();
    expect(items).toHaveLength(3);
    expect(items[1]).toEqual({
      Put: { TableName: TABLE, Item: { ...due, pk: 'T#acme', sk: `O#${REQUEST_ID}#evt_01`, duePk: 'DUE#OUTBOX', dueAt: due.nextAttemptAt }, ConditionExpression: 'attribute_not_exists(pk)' },
    });
    expect(items[2]!.Put!.Item).toEqual({ ...dead, pk: 'T#acme', sk: `O#${REQUEST_ID}#evt_02` });
  });

  it('throws StaleRecordError when the record moved (its condition failed)', async () => {
    ddbMock.on(TransactWriteCommand).rejects(canceled('ConditionalCheckFailed', 'None'));
    const p = plan({ lock: 'release' });
    ddbMock.on(GetCommand).resolves({ Item: itemOf({ ...p.after, status: 'FAILED' }) });

    await expect(store.commit(p)).rejects.toBeInstanceOf(StaleRecordError);
  });

  it('succeeds when the stored record is exactly the one it wrote (a retried transaction whose first attempt landed)', async () => {
    ddbMock.on(TransactWriteCommand).rejects(canceled('ConditionalCheckFailed', 'ConditionalCheckFailed'));
    const p = plan({ lock: 'acquire' });
    ddbMock.on(GetCommand).resolves({ Item: itemOf(p.after) });

    await expect(store.commit(p)).resolves.toBeUndefined();
  });

  it('answers 409 when the team was taken by another request before the lock could be reacquired', async () => {
    ddbMock.on(TransactWriteCommand).rejects(canceled('None', 'ConditionalCheckFailed'));

    await expect(store.commit(plan({ lock: 'acquire' }))).rejects.toBeInstanceOf(ConflictError);
  });

  it('lets other transaction failures through as they are', async () => {
    const conflict = canceled('TransactionConflict', 'None');
    ddbMock.on(TransactWriteCommand).rejects(conflict);

    await expect(store.commit(plan({ lock: 'acquire' }))).rejects.toBe(conflict);
  });
});

describe('patch', () => {
  it('puts the fields if the version is still the one read, keeping the status and the revision, and returns the new record', async () => {
    ddbMock.on(PutCommand).resolves({});
    const record = readyRecord();

    const out = await store.patch(record, { tags: { a: 'b' }, status: 'FAILED' }, '2026-11-25T00:00:00.000Z');

    expect(out).toEqual({ ...record, tags: { a: 'b' }, version: record.version + 1, revision: record.version, updatedAt: '2026-11-25T00:00:00.000Z' });
    expect(ddbMock).toHaveReceivedCommandWith(PutCommand, {
      TableName: TABLE,
      Item: itemOf(out),
      ConditionExpression: '#version = :v',
      ExpressionAttributeNames: { '#version': 'version' },
      ExpressionAttributeValues: { ':v': record.version },
    });
  });

  it('throws StaleRecordError when the version moved', async () => {
    ddbMock.on(PutCommand).rejects(conditionFailed());
    ddbMock.on(GetCommand).resolves({ Item: itemOf({ ...readyRecord(), version: readyRecord().version + 1, tags: { other: 'writer' } }) });

    await expect(store.patch(readyRecord(), { tags: {} }, T0.toISOString())).rejects.toBeInstanceOf(StaleRecordError);
  });

  it('answers the record when the stored one is exactly what it wrote (a retried put whose first attempt landed)', async () => {
    ddbMock.on(PutCommand).rejects(conditionFailed());
    const written = { ...readyRecord(), tags: { a: 'b' }, version: readyRecord().version + 1, revision: readyRecord().version, updatedAt: T0.toISOString() };
    ddbMock.on(GetCommand).resolves({ Item: itemOf(written) });

    await expect(store.patch(readyRecord(), { tags: { a: 'b' } }, T0.toISOString())).resolves.toEqual(written);
  });

  it('lets other failures through', async () => {
    ddbMock.on(PutCommand).rejects(new Error('ProvisionedThroughputExceeded'));

    await expect(store.patch(readyRecord(), {}, T0.toISOString())).rejects.toThrow('ProvisionedThroughputExceeded');
  });
});

describe('listDue', () => {
  it('queries the due index for records due by now, then reads each, keeping those still due', async () => {
    const now = '2026-11-24T11:00:00.000Z';
    const stillDue = directRecord({ id: 'byob_01', dueAt: '2026-11-24T10:30:00.000Z' });
    const movedOn = directRecord({ id: 'byob_02', dueAt: '2026-11-24T12:00:00.000Z' });
    ddbMock.on(QueryCommand).resolves({ Items: [itemOf({ ...stillDue }), itemOf({ ...movedOn, dueAt: '2026-11-24T10:40:00.000Z' }), itemOf(directRecord({ id: 'byob_03' }))] });
    ddbMock.on(GetCommand, { Key: { pk: 'T#acme', sk: 'R#byob_01' } }).resolves({ Item: itemOf(stillDue) });
    ddbMock.on(GetCommand, { Key: { pk: 'T#acme', sk: 'R#byob_02' } }).resolves({ Item: itemOf(movedOn) });
    ddbMock.on(GetCommand, { Key: { pk: 'T#acme', sk: 'R#byob_03' } }).resolves({});

    const due = await store.listDue(now, 25);

    expect(ddbMock).toHaveReceivedCommandWith(QueryCommand, {
      IndexName: 'due',
      KeyConditionExpression: 'duePk = :p AND dueAt <= :now',
      ExpressionAttributeValues: { ':p': 'DUE#RECORD', ':now': now },
      Limit: 25,
    });
    expect(due).toEqual([stillDue]);
  });
});

describe('settings', () => {
  const settings: TenantSettings = {
    tenant: 'acme',
    externalId: 'byob-ext',
    webhookSecrets: [{ secret: 'whsec_a', createdAt: T0.toISOString() }],
    createdAt: T0.toISOString(),
    updatedAt: T0.toISOString(),
    version: 2,
  };

  it("reads the tenant's settings item consistently, without its keys", async () => {
    ddbMock.on(GetCommand, { Key: { pk: 'T#acme', sk: 'SETTINGS' } }).resolves({ Item: { pk: 'T#acme', sk: 'SETTINGS', ...settings } });

    expect(await store.getSettings('acme')).toEqual(settings);
    expect(ddbMock).toHaveReceivedCommandWith(GetCommand, { ConsistentRead: true });
  });

  it('answers null for a tenant without settings', async () => {
    ddbMock.on(GetCommand).resolves({});

    expect(await store.getSettings('acme')).toBeNull();
  });

  it('creates settings only if there are none', async () => {
    ddbMock.on(PutCommand).resolves({});

    await store.putSettings(settings, null);

    expect(ddbMock).toHaveReceivedCommandWith(PutCommand, { TableName: TABLE, Item: { pk: 'T#acme', sk: 'SETTINGS', ...settings }, ConditionExpression: 'attribute_not_exists(pk)' });
  });

  it('replaces settings only at the version read', async () => {
    ddbMock.on(PutCommand).resolves({});

    await store.putSettings(settings, 1);

    expect(ddbMock).toHaveReceivedCommandWith(PutCommand, { ConditionExpression: '#version = :v', ExpressionAttributeNames: { '#version': 'version' }, ExpressionAttributeValues: { ':v': 1 } });
  });

  it('throws StaleRecordError when another writer got there first', async () => {
    ddbMock.on(PutCommand).rejects(conditionFailed());

    await expect(store.putSettings(settings, null)).rejects.toBeInstanceOf(StaleRecordError);
  });
});

describe('outbox', () => {
  it('lists due events from the due index, without their keys', async () => {
    const item = outboxItem();
    ddbMock.on(QueryCommand).resolves({ Items: [{ ...item, pk: 'T#acme', sk: `O#${REQUEST_ID}#evt_01`, duePk: 'DUE#OUTBOX', dueAt: item.nextAttemptAt }] });

    expect(await store.dueOutbox(T0.toISOString(), 100)).toEqual([item]);
    expect(ddbMock).toHaveReceivedCommandWith(QueryCommand, { IndexName: 'due', ExpressionAttributeValues: { ':p': 'DUE#OUTBOX', ':now': T0.toISOString() }, Limit: 100 });
  });

  it("reads one request's events consistently", async () => {
    const item = outboxItem({ status: 'delivered', nextAttemptAt: null });
    ddbMock.on(QueryCommand).resolves({ Items: [{ ...item, pk: 'T#acme', sk: `O#${REQUEST_ID}#evt_01` }] });

    expect(await store.outboxFor('acme', REQUEST_ID)).toEqual([item]);
    expect(ddbMock).toHaveReceivedCommandWith(QueryCommand, {
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :o)',
      ExpressionAttributeValues: { ':pk': 'T#acme', ':o': `O#${REQUEST_ID}#` },
      ConsistentRead: true,
    });
  });

  it('takes an event off the due index once it is no longer pending', async () => {
    ddbMock.on(PutCommand).resolves({});
    const delivered = outboxItem({ status: 'delivered', nextAttemptAt: null });

    await store.putOutbox(delivered);

    expect(ddbMock).toHaveReceivedCommandWith(PutCommand, { TableName: TABLE, Item: { ...delivered, pk: 'T#acme', sk: `O#${REQUEST_ID}#evt_01` } });
  });
});

describe('the table it needs', () => {
  it('defines every key and index the adapter reads and writes', () => {
    const attributes = TABLE_DEFINITION.AttributeDefinitions.map((a) => a.AttributeName);
    const indexes = Object.fromEntries(TABLE_DEFINITION.GlobalSecondaryIndexes.map((i) => [i.IndexName, i.KeySchema.map((k) => k.AttributeName)]));

    expect(TABLE_DEFINITION.KeySchema.map((k) => k.AttributeName)).toEqual(['pk', 'sk']);
    expect(indexes).toEqual({ byId: ['byId'], due: ['duePk', 'dueAt'] });
    expect([...attributes].sort()).toEqual(['byId', 'dueAt', 'duePk', 'pk', 'sk']);
  });
});
