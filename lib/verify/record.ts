import type { Config } from '../config.js';
import { originsRequiringUploads } from '../provisioning/cors.js';
import type { BucketClients } from '../provisioning/workflow.js';
import type { ByobRecord, StoredVerification } from '../provisioning/record.js';
import { verifyBucket } from './runner.js';
import type { BucketExpectation } from './checks.js';
import type { Clock } from '../clock.js';

/**
 * Time budgets. After a stack completes (event handlers, Lambda timeout 120 s) failing checks are
 * retried for a while, because fresh IAM and KMS grants take seconds to propagate on AWS. An
 * interactive re-verify answers inside API Gateway's 29 s and does not wait for propagation. A
 * scheduled re-verify (the reconciler, many records per run) retries a failing check briefly, so a
 * throttled call does not send a false `byob.degraded`.
 */
export const BUDGETS = {
  afterProvisioning: { budgetMs: 90_000, retryForMs: 75_000 },
  interactive: { budgetMs: 20_000, retryForMs: 0 },
  scheduled: { budgetMs: 20_000, retryForMs: 8_000 },
} as const;

/** The shortest CORS max age among the rules that serve the vendor's uploads, if any. */
const uploadRulesMaxAge = (record: ByobRecord): number | undefined => {
  const ages = record.corsRules.filter((r) => originsRequiringUploads([r]).length > 0).map((r) => r.maxAgeSeconds);
  return ages.length ? Math.min(...ages) : undefined;
};

/**
 * What a request's bucket and key must look like, as its template promised them: the bucket and key its
 * stack reported, else those it adopted or named. Checked with the probe, by the configured principal.
 */
export const bucketExpectationOf = (cfg: Config, record: ByobRecord): BucketExpectation => {
  const kmsKeyArn = record.outputs?.kmsKeyArn ?? record.adopted?.kmsKeyArn ?? record.encryption.kmsKeyArn ?? null;
  const maxAge = uploadRulesMaxAge(record);
  return {
    bucketName: record.outputs?.bucketName ?? record.bucketName,
    region: record.region,
    encryption: record.encryption.type === 'sse-kms' && kmsKeyArn ? { type: 'sse-kms', kmsKeyArn } : { type: 'sse-s3' },
    requiredOrigins: originsRequiringUploads(record.corsRules),
    ...(maxAge === undefined ? {} : { corsMaxAgeSeconds: maxAge }),
    vendorPrincipalArn: cfg.vendor.principalArn,
    probe: true,
  };
};

/** Verifies a provisioned request's bucket and key against what its template promised. */
export const verifyRecord = async (
  deps: { clock: Clock; randomId: () => string },
  cfg: Config,
  record: ByobRecord,
  clients: BucketClients,
  when: keyof typeof BUDGETS = 'afterProvisioning',
): Promise<StoredVerification> => {
  const result = await verifyBucket(
    { s3: clients.s3, kms: clients.kms, clock: deps.clock, randomId: deps.randomId },
    bucketExpectationOf(cfg, record),
    // The emulator has no propagation delay: a failing check fails at once.
    cfg.localMode ? { budgetMs: BUDGETS[when].budgetMs, retryForMs: 0 } : BUDGETS[when],
  );
  return { status: result.status, checkedAt: result.checkedAt, checks: result.checks };
};
