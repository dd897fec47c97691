import { partitionOf } from './bucket-policy.js';

/**
 * The checks, in the order results are reported. Ids are stable: the portal and the API's clients key on them.
 *
 * - `bucket-exists`: HeadBucket finds the bucket (403 still means it exists). When it does not, every
 *   other bucket check is skipped rather than failed, so a deleted bucket is one failed check.
 * - `bucket-location`: GetBucketLocation equals the expected region (null/"" is us-east-1, "EU" is eu-west-1).
 * - `versioning`: GetBucketVersioning is Enabled.
 * - `encryption`: default encryption is SSE-KMS with the expected key (ARN, key id or alias, resolved
 *   with DescribeKey when needed) and bucket key on, or SSE-S3 (AES256). Bucket key off is a warning:
 *   objects are still encrypted with the right key, only KMS cost and throttling suffer.
 * - `cors`: for each required origin and each of GET, HEAD, PUT, the first CORS rule S3 would pick
 *   allows it and exposes ETag. A max age shorter than requested is a warning (more preflights only).
 * - `public-access-block`: all four settings true.
 * - `ownership`: BucketOwnerEnforced.
 * - `bucket-policy`: the parsed policy allows the vendor principal the 11 actions (each on the resource
 *   it applies to: bucket-level actions on the bucket, object-level on bucket/*), and no Deny takes any
 *   of it away. S3 lets only the bucket owner's account read a policy, so AccessDenied here is a warning.
 * - `kms-key`: DescribeKey says Enabled (not disabled, not pending deletion: the deletion date is
 *   named), ENCRYPT_DECRYPT, symmetric, customer managed; rotation on. When it fails for the key's
 *   state, checks that failed only because of that state (GenerateDataKey, the probe's put) are skipped.
 * - `kms-generate-data-key`: GenerateDataKey (AES_256) works for the verifying principal.
 * - `probe`: put, head, get (byte-compared), list, then delete every version and delete marker of one
 *   object under `.byob-verify/`, and confirm nothing is left.
 */
export const CHECK_IDS = [
  'bucket-exists',
  'bucket-location',
  'versioning',
  'encryption',
  'cors',
  'public-access-block',
  'ownership',
  'bucket-policy',
  'kms-key',
  'kms-generate-data-key',
  'probe',
] as const;

/** A check's stable id. */
export type CheckId = (typeof CHECK_IDS)[number];

/** Outcome of one check, and of a whole verification. */
export type CheckStatus = 'passed' | 'failed' | 'warning';

/**
 * One check's outcome; `remediation` (one sentence a customer can act on) is present whenever it did
 * not pass, and `commands` (AWS CLI, run as the bucket owner) whenever a setting can be put back.
 */
export interface CheckResult {
  id: CheckId;
  status: CheckStatus;
  detail: string;
  remediation?: string;
  commands?: string[];
}

/** A check that did not run, and why (e.g. KMS checks for an SSE-S3 bucket). */
export interface SkippedCheck {
  id: CheckId;
  reason: string;
}

/** What a verification run returns; it never throws for anything AWS answers. */
export interface VerificationResult {
  status: CheckStatus;
  checkedAt: string;
  durationMs: number;
  checks: CheckResult[];
  skipped: SkippedCheck[];
}

/** The encryption the bucket must have. */
export type EncryptionExpectation = { type: 'sse-kms'; kmsKeyArn: string } | { type: 'sse-s3' };

/** What the bucket must look like. */
export interface BucketExpectation {
  bucketName: string;
  region: string;
  /** null: encryption is not checked and the probe sends no encryption header (S3-compatible stores). */
  encryption: EncryptionExpectation | null;
  /** Each must be allowed GET, HEAD and PUT with ETag exposed; empty skips the `cors` check. */
  requiredOrigins: string[];
  /** The CORS max age the request asked for; a shorter one is a warning. Default: not checked. */
  corsMaxAgeSeconds?: number;
  /** e.g. `arn:aws:iam::830241207209:root`. */
  vendorPrincipalArn: string;
  /** Write, read and delete a test object; default true. */
  probe?: boolean;
  /** Checks not to run, each with the reason reported for it (e.g. a bucket policy a stack is about to put). */
  omit?: Partial<Record<CheckId, string>>;
  /**
   * `s3-compatible` (MinIO and the like, reached by connection string) skips the checks of AWS-only
   * features: public-access-block, ownership, bucket-policy and both KMS checks. Default `aws`.
   */
  target?: 'aws' | 's3-compatible';
}

/** The expected bucket's ARN, in the vendor principal's partition. */
export const bucketArnOf = (exp: BucketExpectation): string => `arn:${partitionOf(exp.vendorPrincipalArn)}:s3:::${exp.bucketName}`;

/** The expected KMS key's ARN, or '' when the bucket is not expected to use one. */
export const kmsKeyArnOf = (exp: BucketExpectation): string => (exp.encryption?.type === 'sse-kms' ? exp.encryption.kmsKeyArn : '');

/** Which checks apply to `exp`, and why the others do not. */
export const planChecks = (exp: BucketExpectation, hasKms: boolean): { run: CheckId[]; skipped: SkippedCheck[] } => {
  const skipped: SkippedCheck[] = [];
  const skip = (id: CheckId, reason: string) => skipped.push({ id, reason });
  const compatible = exp.target === 's3-compatible';
  if (!exp.encryption) skip('encryption', 'No encryption was expected.');
  if (exp.requiredOrigins.length === 0) skip('cors', 'No CORS origins were required.');
  if (compatible) {
    for (const id of ['public-access-block', 'ownership', 'bucket-policy'] as const) skip(id, 'An AWS-only feature; not checked on an S3-compatible store.');
  }
  for (const id of ['kms-key', 'kms-generate-data-key'] as const) {
    if (compatible) skip(id, 'AWS KMS does not apply to an S3-compatible store.');
    else if (exp.encryption?.type !== 'sse-kms') skip(id, 'The bucket is not encrypted with a KMS key.');
    else if (!hasKms) skip(id, 'No KMS client was provided.');
  }
  if (exp.probe === false) skip('probe', 'The probe was turned off.');
  for (const [id, reason] of Object.entries(exp.omit ?? {}) as Array<[CheckId, string]>) skip(id, reason);
  const skippedIds = new Set(skipped.map((s) => s.id));
  return { run: CHECK_IDS.filter((id) => !skippedIds.has(id)), skipped: CHECK_IDS.flatMap((id) => skipped.filter((s) => s.id === id)) };
};

/** Overall status: failed if any check failed, warning if any warned, else passed. */
export const overallStatus = (checks: ReadonlyArray<{ status: CheckStatus }>): CheckStatus =>
  checks.some((c) => c.status === 'failed') ? 'failed' : checks.some((c) => c.status === 'warning') ? 'warning' : 'passed';
