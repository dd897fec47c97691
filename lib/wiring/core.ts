import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { makeAuthenticator } from '../http/auth.js';
import type { STSClient } from '@aws-sdk/client-sts';
import { assumedRoleCredentials, clientCache, documentClientOf, makeDynamo, makeKms, makeS3, makeSts } from '../aws/clients.js';
import { type Config, config } from '../config.js';
import type { Deps } from './deps.js';
import { dynamoRateLimiter } from '../http/rate-limit.js';
import { realIds } from '../ids.js';
import { tenantSettings } from '../tenants/settings.js';
import { dynamoStore } from '../provisioning/store.js';
import { accountRootArn } from '../../templates/grants.js';
import { deliverWebhook } from '../webhooks/delivery.js';

// A handler's bundle holds what its module graph imports. `deps.ts` wires every client (CloudFormation,
// STS, idempotency, provisioning), so routes that need less take their dependencies from here instead;
// `makeDeps` is assembled from the same pieces.

/** What the store-only routes need: the table, auth, ids and time. DynamoDB is its only AWS client. */
export type CoreDeps = Pick<Deps, 'store' | 'ids' | 'clock' | 'statusDeadlineMinutes' | 'config' | 'authenticate' | 'rateLimit'>;

/** The core plus webhook delivery (DynamoDB and the outbox, no stack or bucket clients). */
export type OutboxOnlyDeps = CoreDeps & Pick<Deps, 'sendWebhook'>;

/** The core plus the vendor's S3 clients (templates bucket). */
export type TemplateReadDeps = CoreDeps & Pick<Deps, 'vendorS3'>;

/** POST /byob/verify: auth and the verifier of existing buckets (S3 and KMS, no table access). */
export type ExistingVerifierDeps = Pick<Deps, 'authenticate' | 'rateLimit' | 'existingVerifier'>;

/** The core pieces from configuration and a DynamoDB client. */
export const makeCore = (cfg: Config, dynamo: DynamoDBClient): CoreDeps => {
  const clock = () => new Date();
  return {
    store: dynamoStore(documentClientOf(dynamo), cfg.tableName),
    ids: realIds(),
    clock,
    statusDeadlineMinutes: cfg.statusDeadlineMinutes,
    config: cfg,
    authenticate: makeAuthenticator(cfg.auth),
    rateLimit: dynamoRateLimiter(documentClientOf(dynamo), cfg.tableName, clock),
  };
};

/** The vendor's S3 client per region, built once each. */
export const makeVendorS3 = (cfg: Config) => clientCache((region) => makeS3({ region, endpoint: cfg.endpoint }));
/** The vendor's KMS client per region, built once each. */
export const makeVendorKms = (cfg: Config) => clientCache((region) => makeKms({ region, endpoint: cfg.endpoint }));

/** Webhook delivery with the deployment's loopback policy. */
export const makeSendWebhook = (cfg: Config, clock: () => Date): Deps['sendWebhook'] => (request) =>
  deliverWebhook({ allowLoopback: cfg.localMode, clock: { now: clock } }, request);

/**
 * Dependencies of POST /byob/verify for one tenant. An AWS bucket is checked as the tenant's role in
 * the bucket owner's account, assumed with the tenant's ExternalId: the vendor's own credentials reach
 * every customer's bucket, so checking with them would let one tenant probe another's.
 */
export const makeExistingVerifier = (
  cfg: Config,
  core: Pick<CoreDeps, 'ids' | 'clock' | 'store'>,
  sts: STSClient,
): Deps['existingVerifier'] => (tenant) => ({
  clientsFor: (target) => {
    if ('endpoint' in target) {
      return { s3: makeS3({ region: target.region, endpoint: target.endpoint, credentials: target.credentials, forcePathStyle: true }) };
    }
    const credentials = assumedRoleCredentials(sts, target.roleArn, async () => (await tenantSettings(core, tenant)).externalId, `byob-verify-${tenant}`);
    return {
      s3: makeS3({ region: target.region, endpoint: cfg.endpoint, credentials }),
      kms: makeKms({ region: target.region, endpoint: cfg.endpoint, credentials }),
    };
  },
  vendorPrincipalArn: accountRootArn(cfg.vendor.accountId),
  clock: core.clock,
  randomId: () => core.ids.token(12),
  // Locally the S3-compatible store under test may well be on loopback.
  ...(cfg.localMode ? { isEndpointAllowed: () => true } : {}),
});

/** Store-only routes' dependencies: one DynamoDB client. */
export const makeCoreDeps = (cfg: Config): CoreDeps => makeCore(cfg, makeDynamo({ region: cfg.region, endpoint: cfg.endpoint }));

let cachedCore: CoreDeps | undefined;

/** The container's core dependencies, built on first use. */
export const coreDeps = (): CoreDeps => (cachedCore ??= makeCoreDeps(config()));

let cachedOutbox: OutboxOnlyDeps | undefined;

/** The container's core dependencies plus webhook delivery, built on first use. */
export const outboxDeps = (): OutboxOnlyDeps => {
  if (!cachedOutbox) {
    const core = makeCoreDeps(config());
    cachedOutbox = { ...core, sendWebhook: makeSendWebhook(core.config, core.clock) };
  }
  return cachedOutbox;
};

let cachedTemplateRead: TemplateReadDeps | undefined;

/** The container's core dependencies plus the vendor's S3 clients, built on first use. */
export const templateReadDeps = (): TemplateReadDeps => {
  const cfg = config();
  return (cachedTemplateRead ??= { ...makeCoreDeps(cfg), vendorS3: makeVendorS3(cfg) });
};

let cachedExisting: ExistingVerifierDeps | undefined;

/** The container's dependencies for verifying existing buckets, built on first use. */
export const existingVerifierDeps = (): ExistingVerifierDeps => {
  if (!cachedExisting) {
    const cfg = config();
    const core = makeCoreDeps(cfg);
    cachedExisting = {
      authenticate: core.authenticate,
      // The costliest route for us (many S3/KMS calls per request): it gets the tenant budget too.
      rateLimit: core.rateLimit,
      existingVerifier: makeExistingVerifier(cfg, core, makeSts({ region: cfg.region, endpoint: cfg.endpoint })),
    };
  }
  return cachedExisting;
};
