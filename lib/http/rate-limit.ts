import { type DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { TooManyRequestsError } from '../errors.js';
import { logger } from '../logger.js';
import type { Clock } from '../clock.js';

/** A tenant's request budget: at most `limit` requests per fixed window of `windowSeconds`. */
export interface RateLimitPolicy {
  limit: number;
  windowSeconds: number;
  /** Reads a container may admit before it adds them to the shared count (1 = every read writes). */
  readBatch: number;
}

/** Whether a request only reads (GET/HEAD) or may change something. */
export type RequestKind = 'read' | 'write';

/** Counts one request of the tenant; throws TooManyRequestsError when the window's budget is spent. */
export type RateLimiter = (tenant: string, kind?: RequestKind) => Promise<void>;

/**
 * 600 a minute (10/s sustained, any burst inside the minute): far above what a portal sends for one
 * tenant, low enough that one tenant's runaway script cannot starve the others. API Gateway's stage
 * throttling (serverless.yml) caps the whole API before a request reaches this.
 */
export const DEFAULT_RATE_LIMIT: RateLimitPolicy = { limit: 600, windowSeconds: 60, readBatch: 10 };

/** Counter items outlive their window by this much, then DynamoDB TTL removes them. */
const KEEP_SECONDS = 3600;

/**
 * The longest a request waits for its count before it goes through uncounted: the budget is let go
 * when the table is unreachable anyway, and its wait must leave the route its own time to answer
 * within 10 s when AWS hangs.
 */
export const RATE_LIMIT_WAIT_MS = 2_000;

/** What this container knows of one tenant's current window. */
interface WindowState {
  start: number;
  /** The shared count as of this container's last write. */
  known: number;
  /** Reads admitted here and not yet added to the shared count. */
  pending: number;
}

/**
 * A fixed-window counter per tenant in the service table (`T#<tenant>` / `LIMIT#<window start>`),
 * shared by every Lambda container through atomic ADDs.
 *
 * - A write (anything but GET/HEAD) adds itself, and the reads this container admitted since its last
 *   add, under a condition that keeps the count within the limit; a refused write answers 429 before
 *   it acts.
 * - Reads are counted in batches: a container adds its reads on its first read of a window and then
 *   once every `readBatch` reads, and refuses locally once what it knows of the count plus its own
 *   unadded reads reaches the limit. A status poll therefore costs one GetItem, not a GetItem and a
 *   write, and the shared count trails by at most `readBatch - 1` reads per container (a tenant polling
 *   from N warm containers may get N × 9 reads over 600 in a minute before every container knows).
 * - If the table cannot be reached (or does not answer within RATE_LIMIT_WAIT_MS) the request goes
 *   through (logged): throttling must never be the reason the API is down; API Gateway's own
 *   throttling still holds.
 */
export const dynamoRateLimiter = (
  doc: DynamoDBDocumentClient,
  table: string,
  clock: Clock,
  policy: RateLimitPolicy = DEFAULT_RATE_LIMIT,
): RateLimiter => {
  const windowMs = policy.windowSeconds * 1000;
  const windows = new Map<string, WindowState>();

  const add = async (tenant: string, start: number, count: number, strict: boolean): Promise<number> => {
    const r = await doc.send(
      new UpdateCommand({
        TableName: table,
        Key: { pk: `T#${tenant}`, sk: `LIMIT#${new Date(start).toISOString()}` },
        UpdateExpression: 'ADD #count :n SET expiresAt = if_not_exists(expiresAt, :expires)',
        ...(strict ? { ConditionExpression: 'attribute_not_exists(#count) OR #count <= :room' } : {}),
        ExpressionAttributeNames: { '#count': 'count' },
        ExpressionAttributeValues: {
          ':n': count,
          ':expires': Math.ceil((start + windowMs) / 1000) + KEEP_SECONDS,
          ...(strict ? { ':room': policy.limit - count } : {}),
        },
        ReturnValues: 'UPDATED_NEW',
      }),
      { abortSignal: AbortSignal.timeout(RATE_LIMIT_WAIT_MS) },
    );
    return Number(r.Attributes?.count ?? count);
  };

  return async (tenant, kind = 'write') => {
    const now = clock().getTime();
    const start = Math.floor(now / windowMs) * windowMs;
    const refuse = () => new TooManyRequestsError(Math.max(1, Math.ceil((start + windowMs - now) / 1000)), policy.limit, policy.windowSeconds);
    let w = windows.get(tenant);
    if (!w || w.start !== start) {
      if (windows.size > 1000) windows.clear();
      w = { start, known: 0, pending: 0 };
      windows.set(tenant, w);
    }
    if (w.known + w.pending >= policy.limit) throw refuse();

    const firstHere = w.known === 0 && w.pending === 0;
    w.pending += 1;
    if (kind === 'read' && !firstHere && w.pending < policy.readBatch) return;

    const count = w.pending;
    w.pending = 0;
    let total: number;
    try {
      total = await add(tenant, start, count, kind === 'write');
    } catch (e) {
      if (e instanceof Error && e.name === 'ConditionalCheckFailedException') {
        w.known = policy.limit;
        throw refuse();
      }
      logger.warn('rate limiter unavailable; request let through', { error: e as Error });
      return;
    }
    w.known = Math.max(w.known, total);
    if (total > policy.limit) throw refuse();
  };
};
