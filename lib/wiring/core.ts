import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { KMSClient } from '@aws-sdk/client-kms';
import type { S3Client } from '@aws-sdk/client-s3';
import type { STSClient } from '@aws-sdk/client-sts';
import { assumedRoleCredentials, type CallerProfile, clientCache, documentClientOf, makeDynamo, makeKms, makeS3, makeSts } from '../aws/clients.js';
import { type Clock, systemClock } from '../clock.js';
import { type Config, config } from '../config.js';
import { type Authenticate, makeAuthenticator } from '../http/auth.js';
import { dynamoRateLimiter, type RateLimiter } from '../http/rate-limit.js';
import { type Ids, realIds } from '../ids.js';
import { type Store } from '../provisioning/store.js';
import { tenantSettings } from '../tenants/settings.js';
import { accountRootArn } from '../../templates/grants.js';
import type { VerifyExistingDeps } from '../verify/existing.js';
import { type DeliveryOutcome, type DeliveryRequest, deliverWebhook } from '../webhooks/delivery.js';
import { once } from './once.js';
import { dynamoStore } from '../provisioning/dynamo-store.js';

// A handler's bundle holds what its module graph imports, so the tiers are built bottom-up: the core
// (DynamoDB only) here, each fuller tier extending it, and `deps.ts` wiring every client for the
// functions that provision. A route takes the smallest tier that serves it. Every tier here serves
// HTTP routes, so its clients get the `http` caller profile (lib/aws/clients.ts).

/** What the store-only routes need: the table, auth, ids and time. DynamoDB is its only AWS client. */
export interface CoreDeps {
  store: Store;
  ids: Ids;
  clock: Clock;
  statusDeadlineMinutes: number;
  /** REVERIFY_INTERVAL in milliseconds (optional only to match TransitionDeps; makeCore always sets it). */
  reverifyIntervalMs?: number;
  config: Config;
  authenticate: Authenticate;
  /** Per-tenant request budget of the HTTP routes (429 with Retry-After when spent). */
  rateLimit: RateLimiter;
}

/** Sends one webhook attempt. */
export type SendWebhook = (request: DeliveryRequest) => Promise<DeliveryOutcome>;

/** The core plus webhook delivery (DynamoDB and the outbox, no stack or bucket clients). */
export interface OutboxOnlyDeps extends CoreDeps {
  sendWebhook: SendWebhook;
}

/** The core plus the vendor's S3 clients (templates bucket). */
export interface TemplateReadDeps extends CoreDeps {
  /** The vendor's own S3 client for a region. */
  vendorS3(region: string): S3Client;
}

/** POST /byob/verify: auth and the verifier of existing buckets (S3 and KMS, no table access). */
export interface ExistingVerifierDeps extends Pick<CoreDeps, 'authenticate' | 'rateLimit'> {
  /** Dependencies of POST /byob/verify for a tenant (its role in the bucket's account, or an S3-compatible endpoint). */
  existingVerifier(tenant: string): VerifyExistingDeps;
}

/** The core pieces from configuration and a DynamoDB client. */
export const makeCore = (cfg: Config, dynamo: DynamoDBClient, clock: Clock = systemClock): CoreDeps => ({
  store: dynamoStore(documentClientOf(dynamo), cfg.tableName),
  ids: realIds(),
  clock,
  statusDeadlineMinutes: cfg.statusDeadlineMinutes,
  reverifyIntervalMs: cfg.reverifyIntervalMs,
  config: cfg,
  authenticate: makeAuthenticator(cfg.auth),
  rateLimit: dynamoRateLimiter(documentClientOf(dynamo), cfg.tableName, clock),
});

/** The vendor's S3 client per region, built once each. */
export const makeVendorS3 = (cfg: Config, profile: CallerProfile = 'http'): ((region: string) => S3Client) =>
  clientCache((region) => makeS3({ region, endpoint: cfg.endpoint, profile }));
/** The vendor's KMS client per region, built once each. */
export const makeVendorKms = (cfg: Config, profile: CallerProfile = 'http'): ((region: string) => KMSClient) =>
  clientCache((region) => makeKms({ region, endpoint: cfg.endpoint, profile }));

/**
 * Per-attempt deadline of a webhook sent while an HTTP route waits (POST /byob/{id}/callbacks/redeliver):
 * one hanging receiver must not hold the answer past its bound. Background delivery keeps the default.
 */
export const HTTP_DELIVERY_TIMEOUT_MS = 5_000;

/** Webhook delivery with the deployment's loopback policy. */
export const makeSendWebhook =
  (cfg: Config, clock: Clock, timeoutMs?: number): SendWebhook =>
  (request) =>
    deliverWebhook({ allowLoopback: cfg.localMode, clock, ...(timeoutMs === undefined ? {} : { timeoutMs }) }, request);

/**
 * Dependencies of POST /byob/verify for one tenant. An AWS bucket is checked as the tenant's role in
 * the bucket owner's account, assumed with the tenant's ExternalId: the vendor's own credentials reach
 * every customer's bucket, so checking with them would let one tenant probe another's.
 */
export const makeExistingVerifier = (
  cfg: Config,
  core: Pick<CoreDeps, 'ids' | 'clock' | 'store'>,
  sts: STSClient,
): ExistingVerifierDeps['existingVerifier'] => (tenant) => ({
  clientsFor: (target) => {
    if ('endpoint' in target) {
      return { s3: makeS3({ region: target.region, endpoint: target.endpoint, credentials: target.credentials, forcePathStyle: true, profile: 'http' }) };
    }
    const credentials = assumedRoleCredentials(sts, target.roleArn, async () => (await tenantSettings(core, tenant)).externalId, `byob-verify-${tenant}`);
    return {
      s3: makeS3({ region: target.region, endpoint: cfg.endpoint, credentials, profile: 'http' }),
      kms: makeKms({ region: target.region, endpoint: cfg.endpoint, credentials, profile: 'http' }),
    };
  },
  vendorPrincipalArn: accountRootArn(cfg.vendor.accountId),
  clock: core.clock,
  randomId: () => core.ids.token(12),
  // Locally the S3-compatible store under test may well be on loopback.
  ...(cfg.localMode ? { isEndpointAllowed: () => true } : {}),
});

/** Store-only routes' dependencies: one DynamoDB client. */
export const makeCoreDeps = (cfg: Config): CoreDeps => makeCore(cfg, makeDynamo({ region: cfg.region, endpoint: cfg.endpoint, profile: 'http' }));

/** The container's core dependencies, built on first use. */
export const coreDeps = /* @__PURE__ */ once((): CoreDeps => makeCoreDeps(config()));

/** The container's core dependencies plus webhook delivery, built on first use. */
export const outboxDeps = /* @__PURE__ */ once((): OutboxOnlyDeps => {
  const core = makeCoreDeps(config());
  return { ...core, sendWebhook: makeSendWebhook(core.config, core.clock, HTTP_DELIVERY_TIMEOUT_MS) };
});

/** The container's core dependencies plus the vendor's S3 clients, built on first use. */
export const templateReadDeps = /* @__PURE__ */ once((): TemplateReadDeps => {
  const cfg = config();
  return { ...makeCoreDeps(cfg), vendorS3: makeVendorS3(cfg) };
});

/** The container's dependencies for verifying existing buckets, built on first use. */
export const existingVerifierDeps = /* @__PURE__ */ once((): ExistingVerifierDeps => {
  const cfg = config();
  const core = makeCoreDeps(cfg);
  return {
    authenticate: core.authenticate,
    // The costliest route for us (many S3/KMS calls per request): it gets the tenant budget too.
    rateLimit: core.rateLimit,
    existingVerifier: makeExistingVerifier(cfg, core, makeSts({ region: cfg.region, endpoint: cfg.endpoint, profile: 'http' })),
  };
});
