import { accountRootArn } from '../templates/grants.js';
import type { Config } from './config.js';
import { originsRequiringUploads } from './cors.js';
import type { RequestClients } from './provisioning.js';
import type { ByobRecord, StoredVerification } from './record.js';
import { verifyBucket } from './verify.js';

/** How long failing checks are retried on AWS (IAM and KMS grants take seconds to propagate). */
export const PROPAGATION_RETRY_MS = 60_000;

/** Verifies a provisioned request's bucket and key against what its template promised. */
export const verifyRecord = async (
  deps: { clock: () => Date; randomId: () => string },
  cfg: Config,
  record: ByobRecord,
  clients: RequestClients,
): Promise<StoredVerification> => {
  const kmsKeyArn = record.outputs?.kmsKeyArn ?? record.encryption.kmsKeyArn ?? null;
  const result = await verifyBucket(
    { s3: clients.s3, kms: clients.kms, clock: deps.clock, randomId: deps.randomId },
    {
      bucketName: record.outputs?.bucketName ?? record.bucketName,
      region: record.region,
      encryption: record.encryption.type === 'sse-kms' && kmsKeyArn ? { type: 'sse-kms', kmsKeyArn } : { type: 'sse-s3' },
      requiredOrigins: originsRequiringUploads(record.corsRules),
      vendorPrincipalArn: accountRootArn(cfg.vendor.accountId),
      probe: true,
    },
    { budgetMs: 25_000, retryForMs: cfg.localMode ? 0 : PROPAGATION_RETRY_MS },
  );
  return { status: result.status, checkedAt: result.checkedAt, checks: result.checks };
};
