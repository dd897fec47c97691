import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
  UpdateCommand,
  type TransactWriteCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { ConflictError, ValidationError } from '../errors.js';
import { type ByobRecord, revisionOf } from './record.js';
import type { Status, LockChange } from './state-machine.js';
import { StaleRecordError } from './stale-record.js';
import type { CommitPlan, OutboxItem, Page, Store, TenantSettings } from './store.js';

type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

/** The partition of a tenant's items. */
export const pkOf = (tenant: string) => `T#${tenant}`;
/** The sort key of a request's record. */
export const recordSk = (id: string) => `R#${id}`;
const lockSk = (activeKey: string) => `A#${activeKey}`;
const outboxSk = (requestId: string, eventId: string) => `O#${requestId}#${eventId}`;
const SETTINGS_SK = 'SETTINGS';
// The one item not under a tenant: the schedule's slot counter is shared by every tenant's requests.
const SCHEDULE_KEY = { pk: 'SCHEDULE', sk: 'REVERIFY_SLOTS' };
const DUE_RECORDS = 'DUE#RECORD';
const DUE_OUTBOX = 'DUE#OUTBOX';

// dueAt doubles as the `due` index's sort key, so it is written only when set (an index key cannot be null).
const recordItem = ({ dueAt, ...r }: ByobRecord) => ({
  ...r,
  pk: pkOf(r.tenant),
  sk: recordSk(r.id),
  byId: r.id,
  ...(dueAt ? { duePk: DUE_RECORDS, dueAt } : {}),
});

const outboxItem = (o: OutboxItem) => ({
  ...o,
  pk: pkOf(o.tenant),
  sk: outboxSk(o.requestId, o.eventId),
  ...(o.status === 'pending' && o.nextAttemptAt ? { duePk: DUE_OUTBOX, dueAt: o.nextAttemptAt } : {}),
});

/** A record item as the record it stores. */
export const toRecord = (item: Record<string, unknown>): ByobRecord => {
  const { pk: _pk, sk: _sk, byId: _b, duePk: _d, dueAt, ...rest } = item;
  return { ...rest, dueAt: (dueAt as string | undefined) ?? null } as ByobRecord;
};

const toOutbox = (item: Record<string, unknown>): OutboxItem => {
  const { pk: _pk, sk: _sk, duePk: _d, dueAt: _a, ...rest } = item;
  return rest as unknown as OutboxItem;
};

const encodeCursor = (key: Record<string, unknown>) => Buffer.from(JSON.stringify(key)).toString('base64url');
const decodeCursor = (cursor: string, tenant: string): Record<string, unknown> => {
  try {
    const key = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as Record<string, unknown>;
    if (key.pk === pkOf(tenant) && typeof key.sk === 'string' && key.sk.startsWith('R#') && Object.keys(key).length === 2) return key;
  } catch {
    // fall through to the validation error
  }
  throw new ValidationError([{ path: 'cursor', message: 'is not a cursor returned by this API' }]);
};

const isConditionFailure = (e: unknown) => e instanceof Error && e.name === 'ConditionalCheckFailedException';

const canonical = (value: unknown): unknown =>
  Array.isArray(value)
    ? value.map(canonical)
    : value && typeof value === 'object'
      ? Object.fromEntries(Object.keys(value).sort().flatMap((k) => ((value as Record<string, unknown>)[k] === undefined ? [] : [[k, canonical((value as Record<string, unknown>)[k])]])))
      : value;

/**
 * Whether the stored record is exactly the one this call wrote. The SDK retries a write whose answer
 * was lost (a time-out, a reset connection) and the retry then fails its own condition: when the
 * first attempt did land, the write succeeded and must not be reported as a conflict.
 */
const isOwnWrite = (stored: ByobRecord | null, written: ByobRecord): boolean =>
  stored !== null && JSON.stringify(canonical(stored)) === JSON.stringify(canonical(written));

/** The DynamoDB adapter: one table, every key starting with the tenant. */
export const dynamoStore = (doc: DynamoDBDocumentClient, table: string): Store => {
  const get = async (tenant: string, id: string) => {
    const out = await doc.send(new GetCommand({ TableName: table, Key: { pk: pkOf(tenant), sk: recordSk(id) }, ConsistentRead: true }));
    return out.Item ? toRecord(out.Item) : null;
  };

  /** Items of one kind whose due time has come, oldest first (the sparse `due` index). */
  const dueItems = async (kind: string, now: string, limit: number) => {
    const out = await doc.send(
      new QueryCommand({
        TableName: table,
        IndexName: 'due',
        KeyConditionExpression: 'duePk = :p AND dueAt <= :now',
        ExpressionAttributeValues: { ':p': kind, ':now': now },
        Limit: limit,
      }),
    );
    return out.Items ?? [];
  };

  return {
    async create(record) {
      try {
        await doc.send(
          new TransactWriteCommand({
            TransactItems: [
              { Put: { TableName: table, Item: recordItem(record), ConditionExpression: 'attribute_not_exists(pk)' } },
              {
                Put: {
                  TableName: table,
                  Item: { pk: pkOf(record.tenant), sk: lockSk(record.activeKey), requestId: record.id },
                  ConditionExpression: 'attribute_not_exists(pk)',
                },
              },
            ],
          }),
        );
      } catch (e) {
        if (e instanceof TransactionCanceledException && e.CancellationReasons?.[1]?.Code === 'ConditionalCheckFailed') {
          const lock = await doc.send(
            new GetCommand({ TableName: table, Key: { pk: pkOf(record.tenant), sk: lockSk(record.activeKey) }, ConsistentRead: true }),
          );
          const existing = (lock.Item?.requestId as string | undefined) ?? 'unknown';
          if (existing === record.id) return;
          throw new ConflictError(
            `An active BYOB request (${existing}) already exists for this ${record.scope === 'team' ? `team "${record.team}"` : 'instance'}; delete it or wait until it fails before creating another.`,
            { existingId: existing },
          );
        }
        throw e;
      }
    },

    get,

    async findById(id) {
      const out = await doc.send(
        new QueryCommand({ TableName: table, IndexName: 'byId', KeyConditionExpression: 'byId = :id', ExpressionAttributeValues: { ':id': id } }),
      );
      const hit = out.Items?.[0];
      if (!hit) return null;
      // The index is eventually consistent: read the item itself for the current version.
      return get(String(hit.pk).slice('T#'.length), id);
    },

    async list(tenant, q) {
      const items: ByobRecord[] = [];
      let start = q.cursor ? decodeCursor(q.cursor, tenant) : undefined;
      // A status filter is applied after the read, so keep reading until the page is full.
      for (let rounds = 0; rounds < 10; rounds++) {
        const out = await doc.send(
          new QueryCommand({
            TableName: table,
            KeyConditionExpression: 'pk = :pk AND begins_with(sk, :r)',
            ExpressionAttributeValues: { ':pk': pkOf(tenant), ':r': 'R#', ...(q.status ? { ':s': q.status } : {}) },
            ...(q.status ? { FilterExpression: '#status = :s', ExpressionAttributeNames: { '#status': 'status' } } : {}),
            ScanIndexForward: false,
            Limit: q.limit - items.length,
            ...(start ? { ExclusiveStartKey: start } : {}),
          }),
        );
        items.push(...(out.Items ?? []).map(toRecord));
        start = out.LastEvaluatedKey;
        if (!start || items.length >= q.limit) break;
      }
      const last = items.at(-1);
      // A filtered read may stop before it finds anything: the cursor then resumes where the reads stopped.
      const nextCursor = start ? encodeCursor(last ? { pk: pkOf(tenant), sk: recordSk(last.id) } : start) : null;
      return { items, nextCursor };
    },

    async commit({ before, after, lock, outbox }) {
      const items: TransactItem[] = [
        {
          Put: {
            TableName: table,
            Item: recordItem(after),
            ConditionExpression: '#version = :v AND #status = :from',
            ExpressionAttributeNames: { '#version': 'version', '#status': 'status' },
            ExpressionAttributeValues: { ':v': before.version, ':from': before.status },
          },
        },
      ];
      const lockKey = { pk: pkOf(after.tenant), sk: lockSk(after.activeKey) };
      if (lock === 'release') {
        items.push({
          Delete: { TableName: table, Key: lockKey, ConditionExpression: 'requestId = :id', ExpressionAttributeValues: { ':id': after.id } },
        });
      } else if (lock === 'acquire') {
        items.push({
          Put: { TableName: table, Item: { ...lockKey, requestId: after.id }, ConditionExpression: 'attribute_not_exists(pk)' },
        });
      }
      for (const o of outbox) {
        items.push({ Put: { TableName: table, Item: outboxItem(o), ConditionExpression: 'attribute_not_exists(pk)' } });
      }
      try {
        await doc.send(new TransactWriteCommand({ TransactItems: items }));
      } catch (e) {
        if (e instanceof TransactionCanceledException) {
          const reasons = e.CancellationReasons ?? [];
          if (reasons[0]?.Code === 'ConditionalCheckFailed' && isOwnWrite(await get(after.tenant, after.id), after)) return;
          if (lock === 'acquire' && reasons[1]?.Code === 'ConditionalCheckFailed') {
            throw new ConflictError('Another active BYOB request now holds this team; this one cannot become active again.');
          }
          if (reasons[0]?.Code === 'ConditionalCheckFailed') throw new StaleRecordError(`${after.id} changed while it was being updated`);
        }
        throw e;
      }
    },

    async patch(record, fields, now) {
      // A bookkeeping write keeps the revision (the ETag); a record from before revisions pins its version as one.
    const next: ByobRecord = { ...record, ...fields, status: record.status, version: record.version + 1, revision: fields.revision ?? revisionOf(record), updatedAt: now };
      try {
        await doc.send(
          new PutCommand({
            TableName: table,
            Item: recordItem(next),
            ConditionExpression: '#version = :v',
            ExpressionAttributeNames: { '#version': 'version' },
            ExpressionAttributeValues: { ':v': record.version },
          }),
        );
      } catch (e) {
        if (!isConditionFailure(e)) throw e;
        if (!isOwnWrite(await get(record.tenant, record.id), next)) throw new StaleRecordError(`${record.id} changed while it was being updated`);
      }
      return next;
    },

    async listDue(now, limit) {
      const found = await Promise.all((await dueItems(DUE_RECORDS, now, limit)).map((i) => get(String(i.tenant), String(i.id))));
      return found.filter((r): r is ByobRecord => r !== null && r.dueAt !== null && r.dueAt <= now);
    },

    async nextScheduleSlot() {
      const out = await doc.send(
        new UpdateCommand({
          TableName: table,
          Key: SCHEDULE_KEY,
          UpdateExpression: 'ADD #n :one',
          ExpressionAttributeNames: { '#n': 'next' },
          ExpressionAttributeValues: { ':one': 1 },
          ReturnValues: 'UPDATED_NEW',
        }),
      );
      return Number(out.Attributes?.next);
    },

    async getSettings(tenant) {
      const out = await doc.send(new GetCommand({ TableName: table, Key: { pk: pkOf(tenant), sk: SETTINGS_SK }, ConsistentRead: true }));
      if (!out.Item) return null;
      const { pk: _p, sk: _s, ...rest } = out.Item;
      return rest as TenantSettings;
    },

    async putSettings(settings, expectedVersion) {
      try {
        await doc.send(
          new PutCommand({
            TableName: table,
            Item: { pk: pkOf(settings.tenant), sk: SETTINGS_SK, ...settings },
            ...(expectedVersion === null
              ? { ConditionExpression: 'attribute_not_exists(pk)' }
              : { ConditionExpression: '#version = :v', ExpressionAttributeNames: { '#version': 'version' }, ExpressionAttributeValues: { ':v': expectedVersion } }),
          }),
        );
      } catch (e) {
        if (isConditionFailure(e)) throw new StaleRecordError(`settings of ${settings.tenant} changed concurrently`);
        throw e;
      }
    },

    async dueOutbox(now, limit) {
      return (await dueItems(DUE_OUTBOX, now, limit)).map(toOutbox);
    },

    async outboxFor(tenant, requestId) {
      const out = await doc.send(
        new QueryCommand({
          TableName: table,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :o)',
          ExpressionAttributeValues: { ':pk': pkOf(tenant), ':o': `O#${requestId}#` },
          ConsistentRead: true,
        }),
      );
      return (out.Items ?? []).map(toOutbox);
    },

    async putOutbox(item) {
      await doc.send(new PutCommand({ TableName: table, Item: outboxItem(item) }));
    },
  };
};
