import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { IdempotencyConfig, makeIdempotent } from '@aws-lambda-powertools/idempotency';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import type { Context } from 'aws-lambda';
import { ConflictError, DependencyError, UnprocessableError } from '../errors.js';

/** How long an Idempotency-Key is remembered (documented in the README: at least 24 h). */
export const IDEMPOTENCY_TTL_SECONDS = 24 * 60 * 60;

/**
 * How long a call may hold its key in flight: the HTTP functions' timeout (serverless.yml
 * `provider.timeout`). Powertools takes this from the Lambda context; our idempotent function is not the
 * handler, so without it a call killed mid-way (timeout, crash) would leave its key "in progress" for
 * the full TTL and every retry would answer 409 for a day.
 */
export const IN_FLIGHT_LIMIT_MS = 29_000;

interface Keyed<B> {
  tenant: string;
  key: string;
  body: B;
}

/**
 * Wraps a create operation with Powertools idempotency. The key is tenant + Idempotency-Key (the
 * library's default key would not be tenant-scoped); the body is the validated payload, so the same key
 * with another body answers 422, the same key while the first call runs answers 409, and a replay
 * answers the stored response without running again. An error in the first call frees the key.
 */
export const makeIdempotentCreate = <B, R>(
  client: DynamoDBClient,
  tableName: string,
  create: (tenant: string, body: B) => Promise<R>,
): ((tenant: string, key: string, body: B) => Promise<R>) => {
  const persistenceStore = new DynamoDBPersistenceLayer({ tableName, awsSdkV3Client: client });
  const config = new IdempotencyConfig({
    eventKeyJmesPath: '[tenant, key]',
    payloadValidationJmesPath: 'body',
    expiresAfterSeconds: IDEMPOTENCY_TTL_SECONDS,
    throwOnNoIdempotencyKey: true,
    useLocalCache: false,
  });
  // Each call saves its in-progress record with expiry = now + this, an upper bound on its lifetime.
  config.registerLambdaContext({ getRemainingTimeInMillis: () => IN_FLIGHT_LIMIT_MS } as Context);
  const idempotent = makeIdempotent(async (input: Keyed<B>) => create(input.tenant, input.body), { persistenceStore, config });
  return async (tenant, key, body) => {
    try {
      return await idempotent({ tenant, key, body });
    } catch (e) {
      const name = e instanceof Error ? e.name : '';
      if (name === 'IdempotencyValidationError') {
        throw new UnprocessableError('This Idempotency-Key was already used with a different body; use a new key for a different request.', 'idempotency-key-reused');
      }
      if (name === 'IdempotencyAlreadyInProgressError' || name === 'IdempotencyInconsistentStateError') {
        throw new ConflictError('A request with this Idempotency-Key is still being processed; retry shortly.');
      }
      if (name.startsWith('Idempotency')) throw new DependencyError('The idempotency store is unavailable; retry shortly.', e);
      throw e;
    }
  };
};
