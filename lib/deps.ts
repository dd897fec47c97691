import { AssumeRoleCommand } from '@aws-sdk/client-sts';
import { type Authenticate, makeAuthenticator } from './auth.js';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { KMSClient } from '@aws-sdk/client-kms';
import type { S3Client } from '@aws-sdk/client-s3';
import { clientCache, documentClientOf, makeCloudFormation, makeDynamo, makeKms, makeS3, makeSts } from './aws.js';
import { type Config, config } from './config.js';
import { createByob, type CreateDeps } from './create-byob.js';
import { makeIdempotentCreate } from './idempotency.js';
import { type Ids, realIds } from './ids.js';
import { deliverPendingFor, type OutboxDeps } from './outbox.js';
import type { RequestClients } from './provisioning.js';
import { type ByobRecord, toView } from './record.js';
import type { ByobView, CreateByobRequest } from './schemas.js';
import { dynamoRateLimiter, type RateLimiter } from './rate-limit.js';
import { tenantSettings } from './settings.js';
import { dynamoStore } from './store.js';
import { verifyRecord } from './verification.js';
import type { VerifyExistingDeps } from './verify-existing.js';
import { accountRootArn } from '../templates/grants.js';
import { deliverWebhook } from './webhook-delivery.js';

/** Everything a handler needs, built once per container. */
export interface Deps extends CreateDeps, OutboxDeps {
  authenticate: Authenticate;
  /** Per-tenant request budget of the HTTP routes (429 with Retry-After when spent). */
  rateLimit: RateLimiter;
  /** POST /byob with an Idempotency-Key: stored response on replay, 422 on another body, 409 while in flight. */
  createIdempotently(tenant: string, key: string, body: CreateByobRequest): Promise<ByobView>;
  /** Dependencies of POST /byob/verify (clients for a region, or for an S3-compatible endpoint). */
  existingVerifier(): VerifyExistingDeps;
}

/** What the store-only routes need: the table, auth, ids and time. DynamoDB is its only AWS client. */
export type CoreDeps = Pick<Deps, 'store' | 'ids' | 'clock' | 'statusDeadlineMinutes' | 'config' | 'authenticate' | 'rateLimit'>;

/** The core plus webhook delivery (DynamoDB and the outbox, no stack or bucket clients). */
export type OutboxOnlyDeps = CoreDeps & Pick<Deps, 'sendWebhook'>;

/** The core plus the vendor's S3 clients (templates bucket). */
export type TemplateReadDeps = CoreDeps & Pick<Deps, 'vendorS3'>;

/** POST /byob/verify: auth and the verifier of existing buckets (S3 and KMS, no table access). */
export type ExistingVerifierDeps = Pick<Deps, 'authenticate' | 'rateLimit' | 'existingVerifier'>;

// Each handler bundles only the clients its tier constructs, so these pieces are built apart and
// `makeDeps` assembles the same pieces.
const makeCore = (cfg: Config, dynamo: DynamoDBClient): CoreDeps => {
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

const makeVendorS3 = (cfg: Config) => clientCache((region) => makeS3({ region, endpoint: cfg.endpoint }));
const makeVendorKms = (cfg: Config) => clientCache((region) => makeKms({ region, endpoint: cfg.endpoint }));

const makeSendWebhook = (cfg: Config, clock: () => Date): Deps['sendWebhook'] => (request) =>
  deliverWebhook({ allowLoopback: cfg.localMode, clock: { now: clock } }, request);

const makeExistingVerifier = (
  cfg: Config,
  core: Pick<CoreDeps, 'ids' | 'clock'>,
  vendorS3: (region: string) => S3Client,
  vendorKms: (region: string) => KMSClient,
): Deps['existingVerifier'] => () => ({
  clientsFor: (target) =>
    'endpoint' in target
      ? { s3: makeS3({ region: target.region, endpoint: target.endpoint, credentials: target.credentials, forcePathStyle: true }) }
      : { s3: vendorS3(target.region), kms: vendorKms(target.region) },
  vendorPrincipalArn: accountRootArn(cfg.vendor.accountId),
  clock: core.clock,
  randomId: () => core.ids.token(12),
  // Locally the S3-compatible store under test may well be on loopback.
  ...(cfg.localMode ? { isEndpointAllowed: () => true } : {}),
});

/** Wires the real adapters from configuration; `overrides` lets tests swap any part. */
export const makeDeps = (cfg: Config, overrides: Partial<Deps> = {}): Deps => {
  const endpoint = cfg.endpoint;
  const dynamo = makeDynamo({ region: cfg.region, endpoint });
  const core = makeCore(cfg, dynamo);
  const { ids, clock } = core;
  const sts = makeSts({ region: cfg.region, endpoint });
  const vendorS3 = makeVendorS3(cfg);
  const vendorKms = makeVendorKms(cfg);
  const vendorClients = clientCache((region): RequestClients => ({
    cfn: makeCloudFormation({ region, endpoint }),
    s3: vendorS3(region),
    kms: vendorKms(region),
  }));
  const assumed = clientCache((key): RequestClients => {
    const [region, roleArn, externalId, session] = key.split('|') as [string, string, string, string];
    // Temporary credentials for the customer's deployment role, refreshed by the SDK when they expire.
    const credentials = async () => {
      const out = await sts.send(new AssumeRoleCommand({ RoleArn: roleArn, ExternalId: externalId, RoleSessionName: session, DurationSeconds: 3600 }));
      const c = out.Credentials;
      if (!c?.AccessKeyId || !c.SecretAccessKey) throw new Error(`AssumeRole of ${roleArn} returned no credentials`);
      return { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.SessionToken, expiration: c.Expiration };
    };
    return {
      cfn: makeCloudFormation({ region, endpoint, credentials }),
      s3: makeS3({ region, endpoint, credentials }),
      kms: makeKms({ region, endpoint, credentials }),
    };
  });
  const deps: Deps = {
    ...core,
    vendorS3,
    async clientsFor(record: ByobRecord) {
      if (!record.launch.roleArn) return vendorClients(record.region);
      const settings = await tenantSettings(core, record.tenant);
      return assumed([record.region, record.launch.roleArn, settings.externalId, `byob-${record.id}`.slice(0, 64)].join('|'));
    },
    verify: (record, clients, when) => verifyRecord({ clock, randomId: () => ids.token(12) }, cfg, record, clients, when),
    deliverNow: async (record) => {
      await deliverPendingFor(deps, record.tenant, record.id);
    },
    createIdempotently: makeIdempotentCreate(dynamo, cfg.idempotencyTableName, async (tenant, body: CreateByobRequest) => toView(await createByob(deps, tenant, body))),
    existingVerifier: makeExistingVerifier(cfg, core, vendorS3, vendorKms),
    sendWebhook: makeSendWebhook(cfg, clock),
    ...overrides,
  };
  return deps;
};

let cached: Deps | undefined;

/** The container's dependencies, built on first use. */
export const deps = (): Deps => (cached ??= makeDeps(config()));

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
    const ids = realIds();
    const clock = () => new Date();
    cachedExisting = {
      authenticate: makeAuthenticator(cfg.auth),
      // The costliest route for us (many S3/KMS calls per request): it gets the tenant budget too.
      rateLimit: dynamoRateLimiter(documentClientOf(makeDynamo({ region: cfg.region, endpoint: cfg.endpoint })), cfg.tableName, clock),
      existingVerifier: makeExistingVerifier(cfg, { ids, clock }, makeVendorS3(cfg), makeVendorKms(cfg)),
    };
  }
  return cachedExisting;
};
