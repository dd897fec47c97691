import { type DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { TooManyRequestsError } from './errors.js';
import { logger } from './logger.js';

/** A tenant's request budget: at most `limit` requests per fixed window of `windowSeconds`. */
export interface RateLimitPolicy {
  limit: number;
  windowSeconds: number;
}

/** Counts one request of the tenant; throws TooManyRequestsError when the window's budget is spent. */
export type RateLimiter = (tenant: string) => Promise<void>;

/**
 * 600 a minute (10/s sustained, any burst inside the minute): far above what a portal sends for one
 * tenant, low enough that one tenant's runaway script cannot starve the others. API Gateway's stage
 * throttling (serverless.yml) caps the whole API before a request reaches this.
 */
export const DEFAULT_RATE_LIMIT: RateLimitPolicy = { limit: 600, windowSeconds: 60 };

/** Counter items outlive their window by this much, then DynamoDB TTL removes them. */
const KEEP_SECONDS = 3600;

/**
 * A fixed-window counter per tenant in the service table (`T#<tenant>` / `LIMIT#<window start>`): one
 * conditional ADD per request, so concurrent Lambdas share the count without a read. The condition
 * stops the counter at the limit, and a refused request answers 429 with the seconds left in the
 * window. If the table cannot be reached the request goes through (logged): throttling must never be
 * the reason the API is down; API Gateway's own throttling still holds.
 */
export const dynamoRateLimiter = (
  doc: DynamoDBDocumentClient,
  table: string,
  clock: () => Date,
  policy: RateLimitPolicy = DEFAULT_RATE_LIMIT,
): RateLimiter => {
  const windowMs = policy.windowSeconds * 1000;
  return async (tenant) => {
    const now = clock().getTime();
    const start = Math.floor(now / windowMs) * windowMs;
    try {
      await doc.send(
        new UpdateCommand({
          TableName: table,
          Key: { pk: `T#${tenant}`, sk: `LIMIT#${new Date(start).toISOString()}` },
          UpdateExpression: 'ADD #count :one SET expiresAt = if_not_exists(expiresAt, :expires)',
          ConditionExpression: 'attribute_not_exists(#count) OR #count < :limit',
          ExpressionAttributeNames: { '#count': 'count' },
          ExpressionAttributeValues: { ':one': 1, ':limit': policy.limit, ':expires': Math.ceil((start + windowMs) / 1000) + KEEP_SECONDS },
        }),
      );
    } catch (e) {
      if (e instanceof Error && e.name === 'ConditionalCheckFailedException') {
        throw new TooManyRequestsError(Math.max(1, Math.ceil((start + windowMs - now) / 1000)), policy.limit, policy.windowSeconds);
      }
      logger.warn('rate limiter unavailable; request let through', { error: e as Error });
    }
  };
};
