import { createHash } from 'node:crypto';
import { ConditionalCheckFailedException, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { documentClientOf } from '../aws/clients.js';
import { ConflictError, DependencyError, UnprocessableError } from '../errors.js';

/** How long an Idempotency-Key is remembered (documented in the README: at least 24 h). */
export const IDEMPOTENCY_TTL_SECONDS = 24 * 60 * 60;

/**
 * How long a call may hold its key in flight: the HTTP functions' timeout (serverless.yml
 * `provider.timeout`). A call killed mid-way (timeout, crash) frees its key after this, not after
 * the full TTL, so a retry is not answered 409 for a day.
 */
export const IN_FLIGHT_LIMIT_MS = 29_000;

/** One key's item in the idempotency table (attribute names as Powertools' DynamoDB layer wrote them before). */
interface KeyItem {
  id: string;
  status: 'INPROGRESS' | 'COMPLETED';
  /** Epoch seconds: the table's TTL attribute; past it the key is free again. */
  expiration: number;
  /** Epoch milliseconds: past it an INPROGRESS key is free again. */
  in_progress_expiration?: number;
  /** Hash of the body the key was first used with. */
  validation: string;
  /** The stored answer (JSON), once COMPLETED. */
  data?: string;
}

/** JSON with every object's keys in order, so equal values hash equal whatever their key order. */
const canonical = (value: unknown): unknown =>
  Array.isArray(value)
    ? value.map(canonical)
    : value && typeof value === 'object'
      ? Object.fromEntries(Object.keys(value).sort().map((k) => [k, canonical((value as Record<string, unknown>)[k])]))
      : value;

const hash = (value: unknown): string => createHash('sha256').update(JSON.stringify(canonical(value))).digest('base64url');

/** A claim that lost a race with an expiry or a delete: the key is tried again this many times. */
const CLAIM_ATTEMPTS = 3;

/** Runs a call on the table; any failure but a lost condition means the store is unavailable (503). */
const guarded = async <T>(call: () => Promise<T>): Promise<T> => {
  try {
    return await call();
  } catch (e) {
    if (e instanceof ConditionalCheckFailedException) throw e;
    throw new DependencyError('The idempotency store is unavailable; retry shortly.', e);
  }
};

const inFlight = () => new ConflictError('A request with this Idempotency-Key is still being processed; retry shortly.');

/**
 * Wraps a create operation with an idempotency key kept in DynamoDB. The key is tenant +
 * Idempotency-Key, and the item remembers a hash of the validated body: the same key with another body
 * answers 422, the same key while the first call runs answers 409, and a replay answers the stored
 * response without running again. An error in the first call frees the key; a call that dies holds it
 * for at most IN_FLIGHT_LIMIT_MS. One conditional write claims a key, so two racing calls never both run.
 */
export const makeIdempotentCreate = <B, R>(
  client: DynamoDBClient,
  tableName: string,
  create: (tenant: string, body: B) => Promise<R>,
): ((tenant: string, key: string, body: B) => Promise<R>) => {
  const table = documentClientOf(client);

  /** Claims the key for this call; when another holds it, the item that does (undefined if it just went). */
  const claim = async (id: string, validation: string): Promise<{ claimed: true } | { claimed: false; held: KeyItem | undefined }> => {
    const now = Date.now();
    const item: KeyItem = { id, status: 'INPROGRESS', expiration: Math.floor(now / 1000) + IDEMPOTENCY_TTL_SECONDS, in_progress_expiration: now + IN_FLIGHT_LIMIT_MS, validation };
    try {
      await guarded(() =>
        table.send(
          new PutCommand({
            TableName: tableName,
            Item: item,
            ConditionExpression: 'attribute_not_exists(#id) OR #expiration < :now OR (#status = :inprogress AND #inflight < :nowms)',
            ExpressionAttributeNames: { '#id': 'id', '#expiration': 'expiration', '#status': 'status', '#inflight': 'in_progress_expiration' },
            ExpressionAttributeValues: { ':now': Math.floor(now / 1000), ':nowms': now, ':inprogress': 'INPROGRESS' },
          }),
        ),
      );
      return { claimed: true };
    } catch (e) {
      if (!(e instanceof ConditionalCheckFailedException)) throw e;
    }
    const { Item } = await guarded(() => table.send(new GetCommand({ TableName: tableName, Key: { id }, ConsistentRead: true })));
    const held = Item as KeyItem | undefined;
    const live = held && held.expiration >= Math.floor(Date.now() / 1000) && !(held.status === 'INPROGRESS' && (held.in_progress_expiration ?? 0) < Date.now());
    return { claimed: false, held: live ? held : undefined };
  };

  return async (tenant, key, body) => {
    const id = `create#${hash([tenant, key])}`;
    const validation = hash(body);
    for (let attempt = 1; ; attempt++) {
      const c = await claim(id, validation);
      if (c.claimed) break;
      // Gone between the claim and the read (freed, or expired): worth another claim, a few times.
      if (!c.held) {
        if (attempt < CLAIM_ATTEMPTS) continue;
        throw inFlight();
      }
      if (c.held.validation !== validation) {
        throw new UnprocessableError('This Idempotency-Key was already used with a different body; use a new key for a different request.', 'idempotency-key-reused');
      }
      if (c.held.status === 'COMPLETED' && c.held.data !== undefined) return JSON.parse(c.held.data) as R;
      throw inFlight();
    }
    let result: R;
    try {
      result = await create(tenant, body);
    } catch (e) {
      await guarded(() => table.send(new DeleteCommand({ TableName: tableName, Key: { id } })));
      throw e;
    }
    await guarded(() =>
      table.send(
        new UpdateCommand({
          TableName: tableName,
          Key: { id },
          UpdateExpression: 'SET #status = :completed, #data = :data, #expiration = :expiration',
          ExpressionAttributeNames: { '#status': 'status', '#data': 'data', '#expiration': 'expiration' },
          ExpressionAttributeValues: { ':completed': 'COMPLETED', ':data': JSON.stringify(result), ':expiration': Math.floor(Date.now() / 1000) + IDEMPOTENCY_TTL_SECONDS },
        }),
      ),
    );
    return result;
  };
};
