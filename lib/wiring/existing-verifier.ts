import type { STSClient } from '@aws-sdk/client-sts';
import { assumedRoleCredentials, makeKms, makeS3, makeSts } from '../aws/clients.js';
import { config, type Config } from '../config.js';
import { tenantSettings } from '../tenants/settings.js';
import type { VerifyExistingDeps } from '../verify/existing.js';
import { makeCoreDeps, type RouteGuards, type StoreDeps } from './core.js';
import { once } from './once.js';

/** POST /byob/verify: auth and the verifier of existing buckets (S3 and KMS, no table access). */
export interface ExistingVerifierDeps extends RouteGuards {
  /** Dependencies of POST /byob/verify for a tenant (its role in the bucket's account, or an S3-compatible endpoint). */
  existingVerifier(tenant: string): VerifyExistingDeps;
}

/**
 * Dependencies of POST /byob/verify for one tenant. An AWS bucket is checked as the tenant's role in
 * the bucket owner's account, assumed with the tenant's ExternalId: the vendor's own credentials reach
 * every customer's bucket, so checking with them would let one tenant probe another's.
 */
export const makeExistingVerifier = (
  cfg: Config,
  core: Pick<StoreDeps, 'ids' | 'clock' | 'store'>,
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
  vendorPrincipalArn: cfg.vendor.principalArn,
  clock: core.clock,
  randomId: () => core.ids.token(12),
  // Locally the S3-compatible store under test may well be on loopback.
  ...(cfg.localMode ? { isEndpointAllowed: () => true } : {}),
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
