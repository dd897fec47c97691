import { createHash } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import {
  DeleteObjectCommand,
  GetBucketCorsCommand,
  GetBucketEncryptionCommand,
  GetBucketLocationCommand,
  GetBucketOwnershipControlsCommand,
  GetBucketPolicyCommand,
  GetBucketVersioningCommand,
  GetObjectCommand,
  GetPublicAccessBlockCommand,
  HeadObjectCommand,
  ListObjectVersionsCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type CORSRule,
  type PutObjectCommandInput,
  type S3Client,
} from '@aws-sdk/client-s3';
import { DescribeKeyCommand, GenerateDataKeyCommand, GetKeyRotationStatusCommand, type KMSClient } from '@aws-sdk/client-kms';
import { VERIFY_PROBE_PREFIX } from '../../templates/grants.js';
import { evaluateVendorAccess, globMatch, partitionOf, VENDOR_ACTIONS } from './bucket-policy.js';
import type { Clock } from '../clock.js';



/**
 * The checks, in the order results are reported. Ids are stable: the portal and the API's clients key on them.
 *
 * - `bucket-location`: GetBucketLocation equals the expected region (null/"" is us-east-1, "EU" is eu-west-1).
 * - `versioning`: GetBucketVersioning is Enabled.
 * - `encryption`: default encryption is SSE-KMS with the expected key (ARN, key id or alias, resolved
 *   with DescribeKey when needed) and bucket key on, or SSE-S3 (AES256). Bucket key off is a warning:
 *   objects are still encrypted with the right key, only KMS cost and throttling suffer.
 * - `cors`: for each required origin and each of GET, HEAD, PUT, the first CORS rule S3 would pick
 *   allows it and exposes ETag.
 * - `public-access-block`: all four settings true.
 * - `ownership`: BucketOwnerEnforced.
 * - `bucket-policy`: the parsed policy allows the vendor principal the 11 actions (each on the resource
 *   it applies to: bucket-level actions on the bucket, object-level on bucket/*), and no Deny takes any
 *   of it away. S3 lets only the bucket owner's account read a policy, so AccessDenied here is a warning.
 * - `kms-key`: DescribeKey says Enabled, ENCRYPT_DECRYPT, symmetric, customer managed; rotation on.
 * - `kms-generate-data-key`: GenerateDataKey (AES_256) works for the verifying principal.
 * - `probe`: put, head, get (byte-compared), list, then delete every version and delete marker of one
 *   object under `.byob-verify/`, and confirm nothing is left.
 */
export const CHECK_IDS = [
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

/** One check's outcome; `remediation` (one sentence a customer can act on) is present whenever it did not pass. */
export interface CheckResult {
  id: CheckId;
  status: CheckStatus;
  detail: string;
  remediation?: string;
}

/** A check that did not run, and why (e.g. KMS checks for an SSE-S3 bucket). */
export interface SkippedCheck {
  id: CheckId;
  reason: string;
}

/** What {@link verifyBucket} returns; never throws for anything AWS answers. */
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
  /** e.g. `arn:aws:iam::830241207209:root`. */
  vendorPrincipalArn: string;
  /** Write, read and delete a test object; default true. */
  probe?: boolean;
  /**
   * `s3-compatible` (MinIO and the like, reached by connection string) skips the checks of AWS-only
   * features: public-access-block, ownership, bucket-policy and both KMS checks. Default `aws`.
   */
  target?: 'aws' | 's3-compatible';
}

/** Clients already pointed at the right account, region and endpoint; time and ids injected. */
export interface VerifyDeps {
  s3: S3Client;
  kms?: KMSClient;
  clock: Clock;
  randomId: () => string;
  sleep?: (ms: number) => Promise<void>;
}

/** Time limits of one run. */
export interface VerifyOptions {
  /**
   * Hard limit for the whole run, enforced with setTimeout (so tests can use fake timers); unfinished
   * checks fail with a timeout and their calls are aborted. Default 20 000 ms.
   */
  budgetMs?: number;
  /** Re-run failed checks with exponential back-off until they pass or this much time has gone. Default 0. */
  retryForMs?: number;
}

/** Default of {@link VerifyOptions.budgetMs}. */
export const DEFAULT_BUDGET_MS = 20_000;
/** First back-off delay of a retried check; doubles up to {@link MAX_BACKOFF_MS}. */
export const INITIAL_BACKOFF_MS = 500;
/** Longest back-off delay between two attempts of a check. */
export const MAX_BACKOFF_MS = 8_000;

/** Every API call the verifier makes, with the IAM action it needs. */
export const VERIFIER_OPERATIONS = {
  GetBucketLocation: 's3:GetBucketLocation',
  GetBucketVersioning: 's3:GetBucketVersioning',
  GetBucketEncryption: 's3:GetEncryptionConfiguration',
  GetBucketCors: 's3:GetBucketCORS',
  GetPublicAccessBlock: 's3:GetBucketPublicAccessBlock',
  GetBucketOwnershipControls: 's3:GetBucketOwnershipControls',
  GetBucketPolicy: 's3:GetBucketPolicy',
  PutObject: 's3:PutObject',
  HeadObject: 's3:GetObject',
  GetObject: 's3:GetObject',
  ListObjectsV2: 's3:ListBucket',
  ListObjectVersions: 's3:ListBucketVersions',
  DeleteObject: 's3:DeleteObject',
  DeleteObjectVersion: 's3:DeleteObjectVersion',
  DescribeKey: 'kms:DescribeKey',
  GetKeyRotationStatus: 'kms:GetKeyRotationStatus',
  GenerateDataKey: 'kms:GenerateDataKey',
} as const;

type Operation = keyof typeof VERIFIER_OPERATIONS;

/** An AWS call that failed, tagged with the operation so the failure can name the missing permission. */
class CallError extends Error {
  override name = 'CallError';
  constructor(
    readonly operation: Operation,
    cause: unknown,
  ) {
    super(operation, { cause });
  }
}

interface RunState {
  operation?: Operation;
  attempts: number;
  lastFailure?: CheckResult;
}

interface Context {
  deps: VerifyDeps;
  exp: BucketExpectation;
  kms: KMSClient | undefined;
  checkedAt: string;
  call<T>(operation: Operation, send: (options: { abortSignal: AbortSignal }) => Promise<T>): Promise<T>;
}

type Outcome = Omit<CheckResult, 'id'>;

const passed = (detail: string): Outcome => ({ status: 'passed', detail });
const failed = (detail: string, remediation: string): Outcome => ({ status: 'failed', detail, remediation });
const warning = (detail: string, remediation: string): Outcome => ({ status: 'warning', detail, remediation });

const bucketArn = (exp: BucketExpectation) => `arn:${partitionOf(exp.vendorPrincipalArn)}:s3:::${exp.bucketName}`;
const kmsArnOf = (exp: BucketExpectation) => (exp.encryption?.type === 'sse-kms' ? exp.encryption.kmsKeyArn : '');

// Failures are described from the error's name and HTTP status only, never its message: messages carry
// callers' ARNs and, from some S3-compatible servers, request details.
const errorName = (error: unknown): string => {
  const e = error as { name?: unknown; Code?: unknown; code?: unknown } | undefined;
  const raw = [e?.code, e?.name, e?.Code].find((v) => typeof v === 'string' && v !== 'Error' && v.length > 0);
  return typeof raw === 'string' ? raw.replace(/[^A-Za-z0-9._-]/g, '').slice(0, 64) : 'Error';
};

const httpStatusOf = (error: unknown): number | undefined =>
  (error as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata?.httpStatusCode;

/** The KMS action named in an S3 AccessDenied message, e.g. when PutObject could not use the key. */
const kmsActionIn = (error: unknown): string | undefined => {
  const message = (error as { message?: unknown } | undefined)?.message;
  return typeof message === 'string' ? /\bkms:[A-Za-z]+\b/.exec(message)?.[0] : undefined;
};

const NETWORK_ERRORS = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'TimeoutError', 'RequestTimeout']);

/** A failed AWS call as a check outcome with a specific detail and remediation. */
const fromError = (id: CheckId, operation: Operation, error: unknown, exp: BucketExpectation): Outcome => {
  const name = errorName(error);
  const status = httpStatusOf(error);
  const action = VERIFIER_OPERATIONS[operation];
  const bucket = exp.bucketName;
  const keyArn = kmsArnOf(exp);
  const onKms = action.startsWith('kms:');
  const resource = onKms ? keyArn : ['PutObject', 'HeadObject', 'GetObject', 'DeleteObject', 'DeleteObjectVersion'].includes(operation) ? `${bucketArn(exp)}/*` : bucketArn(exp);

  switch (name) {
    case 'NoSuchBucket':
      return failed(`Bucket ${bucket} does not exist (${operation} answered NoSuchBucket).`, `Create the bucket ${bucket} in ${exp.region}, or correct the bucket name.`);
    case 'NoSuchCORSConfiguration':
      return failed(`Bucket ${bucket} has no CORS configuration.`, corsRemediation(exp));
    case 'ServerSideEncryptionConfigurationNotFoundError':
      return failed(`Bucket ${bucket} has no default encryption configuration.`, encryptionRemediation(exp));
    case 'NoSuchPublicAccessBlockConfiguration':
      return failed(`Bucket ${bucket} has no public access block configuration.`, pabRemediation(exp));
    case 'OwnershipControlsNotFoundError':
      return failed(`Bucket ${bucket} has no object ownership controls (ACLs are enabled).`, ownershipRemediation(exp));
    case 'NoSuchBucketPolicy':
      return failed(`Bucket ${bucket} has no bucket policy, so the vendor (${exp.vendorPrincipalArn}) has no access.`, policyRemediation(exp));
    case 'PermanentRedirect':
    case 'AuthorizationHeaderMalformed':
    case 'IllegalLocationConstraintException':
      return failed(`Bucket ${bucket} is not in ${exp.region} (${operation} answered ${name}).`, `Create the bucket in ${exp.region}, or register it with the region it is in.`);
    case 'InvalidAccessKeyId':
    case 'InvalidClientTokenId':
    case 'UnrecognizedClientException':
      return failed(`The store does not recognise the access key (${operation} answered ${name}).`, 'Check the access key in the connection string, and that it is active.');
    case 'SignatureDoesNotMatch':
    case 'IncompleteSignatureException':
      return failed(`The secret key does not match the access key (${operation} answered ${name}).`, 'Check the secret in the connection string; percent-encode reserved characters in it (e.g. "/" as %2F, "+" as %2B).');
    case 'ExpiredToken':
    case 'ExpiredTokenException':
      return failed(`The verifying credentials have expired (${operation} answered ${name}).`, 'Retry the verification; the service renews its credentials.');
    case 'NotFoundException':
    case 'KMS.NotFoundException':
      return failed(`KMS key ${keyArn} does not exist or is not visible to the verifier (${operation} answered ${name}).`, `Check the key ARN, and that the key is in ${exp.region} in the same account as the bucket.`);
    case 'DisabledException':
    case 'KMS.DisabledException':
      return failed(`KMS key ${keyArn} is disabled (${operation} answered ${name}).`, `Enable the key: aws kms enable-key --key-id ${keyArn}`);
    case 'KMSInvalidStateException':
    case 'KMS.KMSInvalidStateException':
      return failed(`KMS key ${keyArn} is not usable, e.g. pending deletion (${operation} answered ${name}).`, `Cancel the deletion and enable the key: aws kms cancel-key-deletion --key-id ${keyArn}, then aws kms enable-key --key-id ${keyArn}`);
    case 'InvalidKeyUsageException':
      return failed(`KMS key ${keyArn} cannot encrypt data (its key usage is not ENCRYPT_DECRYPT).`, 'Use a symmetric KMS key with key usage ENCRYPT_DECRYPT for the bucket.');
    case 'NotImplemented':
    case 'NotImplementedException':
      if (operation === 'PutObject' && exp.encryption) {
        return failed(
          `The store does not implement PutObject with ${exp.encryption.type === 'sse-kms' ? 'SSE-KMS' : 'SSE-S3'} server-side encryption (NotImplemented).`,
          'Configure server-side encryption on the store (for MinIO, a KMS/KES backend), or leave encryption out of the request.',
        );
      }
      return failed(`The store does not implement ${operation}.`, `Use a store that supports ${operation}, or ask the vendor to accept this setting.`);
    case 'SlowDown':
    case 'ThrottlingException':
    case 'Throttling':
    case 'TooManyRequestsException':
      return failed(`${operation} was throttled (${name}).`, 'Retry the verification in a minute.');
    case 'AbortError':
      return failed(`${operation} was cancelled when the time budget ran out.`, 'Retry the verification.');
  }
  if (name === 'AccessDenied' || name === 'AccessDeniedException' || name === 'Forbidden' || status === 403) {
    const viaKms = !onKms ? kmsActionIn(error) : undefined;
    if (viaKms) {
      return failed(
        `${operation} was denied because the verifier may not use KMS key ${keyArn} (${viaKms}).`,
        `Allow ${exp.vendorPrincipalArn} ${viaKms} in the key policy of ${keyArn} (the "External" statement), or create a grant for it.`,
      );
    }
    if (id === 'kms-generate-data-key') {
      return failed(
        `The verifier may not use KMS key ${keyArn}: GenerateDataKey was denied (a key policy statement or grant for the vendor is missing).`,
        `Add ${exp.vendorPrincipalArn} to the key policy of ${keyArn} with kms:Encrypt, kms:Decrypt, kms:ReEncrypt*, kms:GenerateDataKey* and kms:DescribeKey (the "External" statement), or create a grant for it.`,
      );
    }
    if (operation === 'GetBucketPolicy') {
      return warning(
        `The bucket policy could not be read: S3 lets only principals in the bucket owner's account read it (GetBucketPolicy answered ${name}); the probe exercised the vendor's access instead.`,
        `Run the verification with a role in the bucket owner's account, or confirm the policy grants ${exp.vendorPrincipalArn} the 11 actions on ${bucketArn(exp)} and ${bucketArn(exp)}/*.`,
      );
    }
    return failed(
      `Access denied: the verifier may not call ${operation} (${action} on ${resource}).`,
      onKms
        ? `Allow ${exp.vendorPrincipalArn} ${action} in the key policy of ${keyArn}.`
        : `Allow ${exp.vendorPrincipalArn} ${action} on ${resource} in the bucket policy, and make sure no Deny statement or organization policy blocks it.`,
    );
  }
  if (NETWORK_ERRORS.has(name)) {
    return failed(`Could not reach the storage endpoint for ${operation} (${name}).`, 'Check that the endpoint host and port are right and reachable from the internet, then retry.');
  }
  return failed(
    `${operation} failed: ${name}${status ? ` (HTTP ${status})` : ''}.`,
    'Retry the verification; if it fails again, contact support and quote this check.',
  );
};

const corsRemediation = (exp: BucketExpectation) =>
  `Add a CORS rule (S3 console → bucket → Permissions → CORS) with AllowedOrigins ${JSON.stringify(exp.requiredOrigins)}, AllowedMethods ["GET","HEAD","PUT"], AllowedHeaders ["*"], ExposeHeaders ["ETag"] and MaxAgeSeconds 3600.`;

const encryptionRemediation = (exp: BucketExpectation) =>
  exp.encryption?.type === 'sse-kms'
    ? `Set default encryption to SSE-KMS with the key and bucket key on: aws s3api put-bucket-encryption --bucket ${exp.bucketName} --server-side-encryption-configuration '{"Rules":[{"ApplyServerSideEncryptionByDefault":{"SSEAlgorithm":"aws:kms","KMSMasterKeyID":"${exp.encryption.kmsKeyArn}"},"BucketKeyEnabled":true}]}'`
    : `Set default encryption to SSE-S3: aws s3api put-bucket-encryption --bucket ${exp.bucketName} --server-side-encryption-configuration '{"Rules":[{"ApplyServerSideEncryptionByDefault":{"SSEAlgorithm":"AES256"}}]}'`;

const pabRemediation = (exp: BucketExpectation) =>
  `Block all public access: aws s3api put-public-access-block --bucket ${exp.bucketName} --public-access-block-configuration BlockPublicAcls=true,IgnorePublicAcls=true,BlockPublicPolicy=true,RestrictPublicBuckets=true`;

const ownershipRemediation = (exp: BucketExpectation) =>
  `Disable ACLs: aws s3api put-bucket-ownership-controls --bucket ${exp.bucketName} --ownership-controls 'Rules=[{ObjectOwnership=BucketOwnerEnforced}]'`;

const policyRemediation = (exp: BucketExpectation) =>
  `Add a bucket policy statement (S3 console → bucket → Permissions → Bucket policy) that allows ${exp.vendorPrincipalArn} ${VENDOR_ACTIONS.map((a) => a.action).join(', ')} on ${bucketArn(exp)} and ${bucketArn(exp)}/*.`;

/** The region GetBucketLocation's LocationConstraint stands for: null or "" is us-east-1, "EU" is eu-west-1. */
export const regionFromLocationConstraint = (constraint: string | null | undefined): string => {
  if (constraint === undefined || constraint === null || constraint === '') return 'us-east-1';
  if (constraint === 'EU') return 'eu-west-1';
  return constraint;
};

const checkLocation = async (ctx: Context): Promise<Outcome> => {
  const { exp, deps } = ctx;
  const out = await ctx.call('GetBucketLocation', (o) => deps.s3.send(new GetBucketLocationCommand({ Bucket: exp.bucketName }), o));
  const actual = regionFromLocationConstraint(out.LocationConstraint);
  if (actual === exp.region) return passed(`Bucket ${exp.bucketName} is in ${actual}.`);
  return failed(
    `Bucket ${exp.bucketName} is in ${actual}, expected ${exp.region}.`,
    `Register the bucket with region ${actual}, or create a bucket in ${exp.region} and use that one.`,
  );
};

const checkVersioning = async (ctx: Context): Promise<Outcome> => {
  const { exp, deps } = ctx;
  const out = await ctx.call('GetBucketVersioning', (o) => deps.s3.send(new GetBucketVersioningCommand({ Bucket: exp.bucketName }), o));
  if (out.Status === 'Enabled') return passed('Versioning is enabled.');
  const remediation = `Enable versioning: aws s3api put-bucket-versioning --bucket ${exp.bucketName} --versioning-configuration Status=Enabled`;
  if (out.Status === 'Suspended') return failed('Versioning is suspended.', remediation);
  return failed('Versioning has never been enabled.', remediation);
};

type KeyRef =
  | { kind: 'key-arn' | 'alias-arn'; partition: string; region: string; account: string; id: string }
  | { kind: 'key-id' | 'alias-name'; id: string };

const parseKeyRef = (ref: string): KeyRef => {
  const arn = /^arn:([^:]+):kms:([^:]*):(\d{12}):(key|alias)\/(.+)$/.exec(ref);
  if (arn) {
    const [, partition = '', region = '', account = '', kind, id = ''] = arn;
    return { kind: kind === 'key' ? 'key-arn' : 'alias-arn', partition, region, account, id: kind === 'key' ? id.toLowerCase() : `alias/${id}` };
  }
  if (ref.startsWith('alias/')) return { kind: 'alias-name', id: ref };
  return { kind: 'key-id', id: ref.toLowerCase() };
};

type KeyMatch = { result: 'match' | 'mismatch'; resolvedArn?: string } | { result: 'unresolved'; reason: string };

/**
 * Whether the key named in the bucket's default encryption is the expected key. Key ARNs and key ids
 * compare directly (ids are unique); aliases are resolved with DescribeKey. A bare alias or key id is
 * resolved by S3 in the bucket owner's account, so it is qualified with the expected key's account and
 * region first: DescribeKey of a bare alias would otherwise look in the verifier's own account.
 */
export const matchKmsKey = async (
  configured: string,
  expectedArn: string,
  describe?: (keyId: string) => Promise<string | undefined>,
): Promise<KeyMatch> => {
  const want = parseKeyRef(expectedArn);
  const have = parseKeyRef(configured);
  const isKey = (r: KeyRef) => r.kind === 'key-arn' || r.kind === 'key-id';
  if (isKey(want) && isKey(have)) {
    const sameId = want.id === have.id;
    const sameAccount = !(want.kind === 'key-arn' && have.kind === 'key-arn') || (want.account === have.account && want.region === have.region && want.partition === have.partition);
    return { result: sameId && sameAccount ? 'match' : 'mismatch' };
  }
  if (!describe) return { result: 'unresolved', reason: 'an alias cannot be resolved without KMS access' };
  const qualify = (r: KeyRef, raw: string) =>
    (r.kind === 'alias-name' || r.kind === 'key-id') && (want.kind === 'key-arn' || want.kind === 'alias-arn')
      ? `arn:${want.partition}:kms:${want.region}:${want.account}:${r.kind === 'alias-name' ? r.id : `key/${r.id}`}`
      : raw;
  try {
    const [a, b] = await Promise.all([describe(qualify(have, configured)), describe(expectedArn)]);
    if (!a || !b) return { result: 'unresolved', reason: 'DescribeKey returned no ARN' };
    return { result: a === b ? 'match' : 'mismatch', resolvedArn: a };
  } catch (error) {
    return { result: 'unresolved', reason: `DescribeKey answered ${errorName(error instanceof CallError ? error.cause : error)}` };
  }
};

const checkEncryption = async (ctx: Context): Promise<Outcome> => {
  const { exp, deps } = ctx;
  const expected = exp.encryption;
  if (!expected) return passed('No encryption expectation.');
  const out = await ctx.call('GetBucketEncryption', (o) => deps.s3.send(new GetBucketEncryptionCommand({ Bucket: exp.bucketName }), o));
  const rule = out.ServerSideEncryptionConfiguration?.Rules?.find((r) => r.ApplyServerSideEncryptionByDefault);
  const algorithm = rule?.ApplyServerSideEncryptionByDefault?.SSEAlgorithm;
  const remediation = encryptionRemediation(exp);
  if (!rule || !algorithm) return failed('The bucket has no default encryption rule.', remediation);

  if (expected.type === 'sse-s3') {
    if (algorithm === 'AES256') return passed('Default encryption is SSE-S3 (AES256).');
    return failed(`Default encryption is ${algorithm}, expected SSE-S3 (AES256): the vendor would need access to that key.`, remediation);
  }
  if (algorithm !== 'aws:kms' && algorithm !== 'aws:kms:dsse') {
    return failed(`Default encryption is ${algorithm}, expected SSE-KMS with ${expected.kmsKeyArn}.`, remediation);
  }
  const configuredKey = rule.ApplyServerSideEncryptionByDefault?.KMSMasterKeyID;
  if (!configuredKey) {
    return failed('Default encryption uses the AWS managed key aws/s3, which cannot be shared with the vendor account.', remediation);
  }
  const kms = ctx.kms;
  const describe = kms
    ? async (keyId: string) =>
        (await ctx.call('DescribeKey', (o) => kms.send(new DescribeKeyCommand({ KeyId: keyId }), o))).KeyMetadata?.Arn
    : undefined;
  const match = await matchKmsKey(configuredKey, expected.kmsKeyArn, describe);
  if (match.result === 'mismatch') {
    return failed(`Default encryption uses KMS key ${match.resolvedArn ?? configuredKey}, expected ${expected.kmsKeyArn}.`, remediation);
  }
  if (match.result === 'unresolved') {
    return warning(`Default encryption names ${configuredKey}, which could not be confirmed to be ${expected.kmsKeyArn} (${match.reason}).`, `Name the key by its ARN in the default encryption: ${remediation}`);
  }
  const via = configuredKey === expected.kmsKeyArn ? '' : ` (named as ${configuredKey})`;
  if (algorithm === 'aws:kms:dsse') {
    return warning(`Default encryption is DSSE-KMS with the expected key${via}; bucket keys do not apply to it, so every object costs KMS requests.`, remediation);
  }
  if (rule.BucketKeyEnabled !== true) {
    return warning(`Default encryption is SSE-KMS with the expected key${via}, but the S3 bucket key is off, so every object operation calls KMS (cost, throttling).`, remediation);
  }
  return passed(`Default encryption is SSE-KMS with ${expected.kmsKeyArn}${via} and the bucket key on.`);
};

const CORS_METHODS = ['GET', 'HEAD', 'PUT'] as const;

/** S3 origin patterns allow one "*" wildcard; matching is case-insensitive here. */
const originMatches = (pattern: string, origin: string) => pattern === '*' || globMatch(pattern.toLowerCase(), origin.toLowerCase());

/**
 * For each origin and method, the rule S3 would use (the first whose origins and methods match) must
 * exist and expose ETag. Allowed request headers are not checked.
 */
export const corsGaps = (rules: CORSRule[], origins: string[]): { notAllowed: string[]; etagHidden: string[] } => {
  const notAllowed: string[] = [];
  const etagHidden: string[] = [];
  for (const origin of origins) {
    for (const method of CORS_METHODS) {
      const rule = rules.find((r) => (r.AllowedOrigins ?? []).some((p) => originMatches(p, origin)) && (r.AllowedMethods ?? []).some((m) => m.toUpperCase() === method));
      if (!rule) notAllowed.push(`${method} from ${origin}`);
      else if (!(rule.ExposeHeaders ?? []).some((h) => h.toLowerCase() === 'etag' || h === '*')) etagHidden.push(`${method} from ${origin}`);
    }
  }
  return { notAllowed, etagHidden };
};

const checkCors = async (ctx: Context): Promise<Outcome> => {
  const { exp, deps } = ctx;
  const out = await ctx.call('GetBucketCors', (o) => deps.s3.send(new GetBucketCorsCommand({ Bucket: exp.bucketName }), o));
  const { notAllowed, etagHidden } = corsGaps(out.CORSRules ?? [], exp.requiredOrigins);
  const problems = [
    ...(notAllowed.length ? [`no rule allows ${notAllowed.join(', ')}`] : []),
    ...(etagHidden.length ? [`the rule for ${etagHidden.join(', ')} does not expose ETag`] : []),
  ];
  if (problems.length) return failed(`CORS: ${problems.join('; ')}.`, corsRemediation(exp));
  return passed(`CORS allows GET, HEAD and PUT from ${exp.requiredOrigins.join(', ')} and exposes ETag.`);
};

const checkPublicAccessBlock = async (ctx: Context): Promise<Outcome> => {
  const { exp, deps } = ctx;
  const out = await ctx.call('GetPublicAccessBlock', (o) => deps.s3.send(new GetPublicAccessBlockCommand({ Bucket: exp.bucketName }), o));
  const config = out.PublicAccessBlockConfiguration ?? {};
  const off = (['BlockPublicAcls', 'IgnorePublicAcls', 'BlockPublicPolicy', 'RestrictPublicBuckets'] as const).filter((k) => config[k] !== true);
  if (off.length) return failed(`Public access is not fully blocked: ${off.join(', ')} ${off.length === 1 ? 'is' : 'are'} off.`, pabRemediation(exp));
  return passed('All four public access block settings are on.');
};

const checkOwnership = async (ctx: Context): Promise<Outcome> => {
  const { exp, deps } = ctx;
  const out = await ctx.call('GetBucketOwnershipControls', (o) => deps.s3.send(new GetBucketOwnershipControlsCommand({ Bucket: exp.bucketName }), o));
  const ownership = out.OwnershipControls?.Rules?.[0]?.ObjectOwnership;
  if (ownership === 'BucketOwnerEnforced') return passed('Object ownership is BucketOwnerEnforced (ACLs disabled).');
  return failed(`Object ownership is ${ownership ?? 'not set'}, expected BucketOwnerEnforced: objects the vendor writes could belong to the vendor.`, ownershipRemediation(exp));
};

const checkBucketPolicy = async (ctx: Context): Promise<Outcome> => {
  const { exp, deps } = ctx;
  const out = await ctx.call('GetBucketPolicy', (o) => deps.s3.send(new GetBucketPolicyCommand({ Bucket: exp.bucketName }), o));
  let policy: unknown;
  try {
    policy = JSON.parse(out.Policy ?? '');
  } catch {
    return failed('The bucket policy is not valid JSON.', policyRemediation(exp));
  }
  const access = evaluateVendorAccess(policy, exp.bucketName, exp.vendorPrincipalArn);
  const vendor = exp.vendorPrincipalArn;
  if (access.denied.length) {
    return failed(`A Deny statement blocks ${vendor}: ${access.denied.join('; ')}.`, `Remove or narrow the Deny statement so it does not apply to ${vendor} (a deny of requests without TLS is fine).`);
  }
  if (access.missing.length) {
    return failed(`The bucket policy does not allow ${vendor}: ${access.missing.join('; ')}.`, policyRemediation(exp));
  }
  if (access.conditional.length || access.conditionallyDenied.length) {
    const parts = [
      ...(access.conditional.length ? [`allowed only under a Condition: ${access.conditional.join('; ')}`] : []),
      ...(access.conditionallyDenied.length ? [`denied under a Condition: ${access.conditionallyDenied.join('; ')}`] : []),
    ];
    return warning(`The vendor's access depends on conditions (${parts.join('; ')}).`, `Make sure the conditions hold for requests from ${vendor} and from browsers using its pre-signed URLs, or drop them.`);
  }
  return passed(`The bucket policy allows ${vendor} all ${VENDOR_ACTIONS.length} actions on ${bucketArn(exp)} and ${bucketArn(exp)}/*, and no Deny applies.`);
};

const checkKmsKey = async (ctx: Context): Promise<Outcome> => {
  const { exp } = ctx;
  const kms = ctx.kms as KMSClient;
  const keyArn = kmsArnOf(exp);
  const out = await ctx.call('DescribeKey', (o) => kms.send(new DescribeKeyCommand({ KeyId: keyArn }), o));
  const meta = out.KeyMetadata;
  if (!meta) return failed(`DescribeKey returned nothing for ${keyArn}.`, 'Retry the verification.');
  if (meta.KeyState === 'PendingDeletion' || meta.KeyState === 'PendingReplicaDeletion') {
    return failed(`KMS key ${keyArn} is scheduled for deletion.`, `Cancel the deletion and enable the key: aws kms cancel-key-deletion --key-id ${keyArn}, then aws kms enable-key --key-id ${keyArn}`);
  }
  if (meta.Enabled !== true || (meta.KeyState !== undefined && meta.KeyState !== 'Enabled')) {
    return failed(`KMS key ${keyArn} is not enabled (state ${meta.KeyState ?? 'unknown'}).`, `Enable the key: aws kms enable-key --key-id ${keyArn}`);
  }
  if (meta.KeyUsage !== 'ENCRYPT_DECRYPT') {
    return failed(`KMS key ${keyArn} has key usage ${meta.KeyUsage ?? 'unknown'}, expected ENCRYPT_DECRYPT.`, 'Use a symmetric KMS key with key usage ENCRYPT_DECRYPT for the bucket.');
  }
  const spec = meta.KeySpec ?? meta.CustomerMasterKeySpec;
  if (spec !== undefined && spec !== 'SYMMETRIC_DEFAULT') {
    return failed(`KMS key ${keyArn} is ${spec}; S3 encrypts only with symmetric (SYMMETRIC_DEFAULT) keys.`, 'Use a symmetric KMS key with key usage ENCRYPT_DECRYPT for the bucket.');
  }
  if (meta.KeyManager === 'AWS') {
    return failed(`KMS key ${keyArn} is AWS managed; its key policy cannot grant the vendor account.`, 'Create a customer managed key, grant the vendor in its key policy, and use it for the bucket.');
  }
  const rotation = await ctx.call('GetKeyRotationStatus', (o) => kms.send(new GetKeyRotationStatusCommand({ KeyId: keyArn }), o));
  if (rotation.KeyRotationEnabled !== true) {
    return failed(`Automatic rotation is off for KMS key ${keyArn}.`, `Turn on rotation: aws kms enable-key-rotation --key-id ${keyArn}`);
  }
  return passed(`KMS key ${keyArn} is enabled, symmetric ENCRYPT_DECRYPT, customer managed, with rotation on.`);
};

const checkGenerateDataKey = async (ctx: Context): Promise<Outcome> => {
  const kms = ctx.kms as KMSClient;
  const keyArn = kmsArnOf(ctx.exp);
  const out = await ctx.call('GenerateDataKey', (o) => kms.send(new GenerateDataKeyCommand({ KeyId: keyArn, KeySpec: 'AES_256' }), o));
  const length = out.Plaintext?.length ?? 0;
  out.Plaintext?.fill(0);
  if (length !== 32) return failed(`GenerateDataKey with ${keyArn} returned a ${length}-byte key, expected 32.`, 'Use a symmetric KMS key with key usage ENCRYPT_DECRYPT for the bucket.');
  return passed(`The verifier can generate data keys with ${keyArn}.`);
};

const probeKey = (id: string) => `${VERIFY_PROBE_PREFIX}${id.replace(/[^A-Za-z0-9._-]/g, '').slice(0, 64) || 'probe'}`;

interface Cleanup {
  removed: number;
  left: string[];
  failure?: Outcome;
}

/** Deletes every version and delete marker of `key`, then confirms none is left. */
const cleanUpProbe = async (ctx: Context, key: string): Promise<Cleanup> => {
  const { deps, exp } = ctx;
  const Bucket = exp.bucketName;
  const listVersions = async () => {
    const found: Array<{ VersionId?: string; marker: boolean }> = [];
    let KeyMarker: string | undefined;
    let VersionIdMarker: string | undefined;
    for (let page = 0; page < 20; page++) {
      const out = await ctx.call('ListObjectVersions', (o) => deps.s3.send(new ListObjectVersionsCommand({ Bucket, Prefix: key, KeyMarker, VersionIdMarker }), o));
      for (const v of out.Versions ?? []) if (v.Key === key) found.push({ VersionId: v.VersionId, marker: false });
      for (const m of out.DeleteMarkers ?? []) if (m.Key === key) found.push({ VersionId: m.VersionId, marker: true });
      if (!out.IsTruncated) break;
      KeyMarker = out.NextKeyMarker;
      VersionIdMarker = out.NextVersionIdMarker;
    }
    return found;
  };
  let removed = 0;
  try {
    let versions: Awaited<ReturnType<typeof listVersions>>;
    try {
      versions = await listVersions();
    } catch (error) {
      // Some S3-compatible stores have no version listing; a plain delete is all they need.
      if (!(error instanceof CallError) || !['NotImplemented', 'NotImplementedException'].includes(errorName(error.cause))) throw error;
      await ctx.call('DeleteObject', (o) => deps.s3.send(new DeleteObjectCommand({ Bucket, Key: key }), o));
      const listed = await ctx.call('ListObjectsV2', (o) => deps.s3.send(new ListObjectsV2Command({ Bucket, Prefix: key }), o));
      return { removed: 1, left: (listed.Contents ?? []).filter((c) => c.Key === key).map(() => `object ${key}`) };
    }
    for (const v of versions) {
      const op: Operation = v.VersionId ? 'DeleteObjectVersion' : 'DeleteObject';
      await ctx.call(op, (o) => deps.s3.send(new DeleteObjectCommand({ Bucket, Key: key, VersionId: v.VersionId }), o));
      removed++;
    }
    const after = await listVersions();
    const listed = await ctx.call('ListObjectsV2', (o) => deps.s3.send(new ListObjectsV2Command({ Bucket, Prefix: key }), o));
    const left = [
      ...after.map((v) => `${v.marker ? 'delete marker' : 'version'} ${v.VersionId ?? 'null'}`),
      ...(after.length === 0 ? (listed.Contents ?? []).filter((c) => c.Key === key).map(() => `object ${key}`) : []),
    ];
    return { removed, left };
  } catch (error) {
    const failure = error instanceof CallError ? fromError('probe', error.operation, error.cause, exp) : failed('Cleaning up the probe object failed unexpectedly.', 'Retry the verification.');
    return { removed, left: ['unknown (cleanup failed)'], failure };
  }
};

const checkProbe = async (ctx: Context): Promise<Outcome> => {
  const { deps, exp } = ctx;
  const Bucket = exp.bucketName;
  const key = probeKey(deps.randomId());
  const body = Buffer.from(`BYOB verification probe ${key} ${ctx.checkedAt}\n`, 'utf8');
  const encryption: Partial<PutObjectCommandInput> =
    exp.encryption?.type === 'sse-kms'
      ? { ServerSideEncryption: 'aws:kms', SSEKMSKeyId: exp.encryption.kmsKeyArn }
      : exp.encryption?.type === 'sse-s3'
        ? { ServerSideEncryption: 'AES256' }
        : {};
  let outcome: Outcome | undefined;
  let wrote = false;
  try {
    // Content-MD5 lets the put succeed on buckets with Object Lock default retention, whatever the client's checksum setting.
    const put = await ctx.call('PutObject', (o) =>
      deps.s3.send(new PutObjectCommand({ Bucket, Key: key, Body: body, ContentType: 'text/plain', ContentMD5: createHash('md5').update(body).digest('base64'), ...encryption }), o),
    );
    wrote = true;
    if (encryption.ServerSideEncryption && put.ServerSideEncryption && put.ServerSideEncryption !== encryption.ServerSideEncryption) {
      outcome = failed(`The probe object was stored with ${put.ServerSideEncryption}, expected ${encryption.ServerSideEncryption}.`, encryptionRemediation(exp));
    }
    const head = await ctx.call('HeadObject', (o) => deps.s3.send(new HeadObjectCommand({ Bucket, Key: key }), o));
    if (!outcome && head.ContentLength !== body.length) {
      outcome = failed(`HeadObject reported ${head.ContentLength ?? 'no'} bytes for the ${body.length}-byte probe object.`, 'Retry the verification; if it persists, contact support and quote this check.');
    }
    const got = await ctx.call('GetObject', (o) => deps.s3.send(new GetObjectCommand({ Bucket, Key: key }), o));
    const bytes = Buffer.from((await got.Body?.transformToByteArray()) ?? new Uint8Array());
    if (!outcome && !bytes.equals(body)) {
      outcome = failed('The probe object read back differs from what was written.', 'Retry the verification; if it persists, check for a proxy or lifecycle rule that rewrites objects under .byob-verify/.');
    }
    const listed = await ctx.call('ListObjectsV2', (o) => deps.s3.send(new ListObjectsV2Command({ Bucket, Prefix: key }), o));
    if (!outcome && !(listed.Contents ?? []).some((c) => c.Key === key)) {
      outcome = failed('The probe object was written but ListObjectsV2 does not list it.', 'Retry the verification in a minute.');
    }
  } catch (error) {
    outcome = error instanceof CallError ? fromError('probe', error.operation, error.cause, exp) : failed('The probe failed unexpectedly.', 'Retry the verification.');
  }
  // Clean up even after a failed step: a put that timed out may still have landed.
  const cleanup = await cleanUpProbe(ctx, key);
  if (outcome && !wrote && (cleanup.failure || cleanup.left.length === 0)) return outcome;
  const leftover = cleanup.left.length
    ? ` It could not remove everything it wrote under ${key} (${cleanup.left.join(', ')}).`
    : '';
  if (outcome) return { ...outcome, detail: `${outcome.detail}${leftover}` };
  if (cleanup.failure) {
    return { ...cleanup.failure, detail: `Wrote, read back and listed ${key}, but cleaning it up failed: ${cleanup.failure.detail}` };
  }
  if (cleanup.left.length) {
    return failed(
      `Wrote, read back and listed ${key}, but ${cleanup.left.join(', ')} ${cleanup.left.length === 1 ? 'is' : 'are'} left after deleting.`,
      `Delete what is left (aws s3api list-object-versions --bucket ${Bucket} --prefix ${key}, then delete-object with each --version-id), and check Object Lock or lifecycle settings that keep versions.`,
    );
  }
  return passed(`Wrote ${body.length} bytes to ${key}, read them back identical, listed the object, and deleted all ${cleanup.removed} version(s) and delete marker(s): nothing is left.`);
};

const CHECKS: Record<CheckId, (ctx: Context) => Promise<Outcome>> = {
  'bucket-location': checkLocation,
  versioning: checkVersioning,
  encryption: checkEncryption,
  cors: checkCors,
  'public-access-block': checkPublicAccessBlock,
  ownership: checkOwnership,
  'bucket-policy': checkBucketPolicy,
  'kms-key': checkKmsKey,
  'kms-generate-data-key': checkGenerateDataKey,
  probe: checkProbe,
};

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
  const skippedIds = new Set(skipped.map((s) => s.id));
  return { run: CHECK_IDS.filter((id) => !skippedIds.has(id)), skipped: CHECK_IDS.flatMap((id) => skipped.filter((s) => s.id === id)) };
};

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Overall status: failed if any check failed, warning if any warned, else passed. */
export const overallStatus = (checks: ReadonlyArray<{ status: CheckStatus }>): CheckStatus =>
  checks.some((c) => c.status === 'failed') ? 'failed' : checks.some((c) => c.status === 'warning') ? 'warning' : 'passed';

/**
 * Verifies an existing bucket (and its KMS key) against `expectation`. Independent checks run
 * concurrently within `options.budgetMs`; failed checks are re-run with back-off for
 * `options.retryForMs` (IAM and KMS changes take a while to propagate). Never throws for an AWS
 * error: each maps to a failed check with a detail and a remediation.
 */
export const verifyBucket = async (deps: VerifyDeps, expectation: BucketExpectation, options: VerifyOptions = {}): Promise<VerificationResult> => {
  const budgetMs = options.budgetMs ?? DEFAULT_BUDGET_MS;
  const retryForMs = options.retryForMs ?? 0;
  const sleep = deps.sleep ?? defaultSleep;
  const started = deps.clock();
  const elapsed = () => deps.clock().getTime() - started.getTime();
  const controller = new AbortController();
  // One signal serves every concurrent call (each SDK request adds a listener to it).
  setMaxListeners(100, controller.signal);
  const { run, skipped } = planChecks(expectation, deps.kms !== undefined);

  let timer: ReturnType<typeof setTimeout> | undefined;
  const expired = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => {
      controller.abort();
      resolve(undefined);
    }, budgetMs);
  });

  const runCheck = async (id: CheckId, state: RunState): Promise<CheckResult> => {
    const ctx: Context = {
      deps,
      exp: expectation,
      kms: deps.kms,
      checkedAt: started.toISOString(),
      async call(operation, send) {
        state.operation = operation;
        try {
          return await send({ abortSignal: controller.signal });
        } catch (error) {
          throw new CallError(operation, error);
        } finally {
          state.operation = undefined;
        }
      },
    };
    let delay = INITIAL_BACKOFF_MS;
    for (;;) {
      state.attempts++;
      let outcome: Outcome;
      try {
        outcome = await CHECKS[id](ctx);
      } catch (error) {
        outcome = error instanceof CallError ? fromError(id, error.operation, error.cause, expectation) : failed(`The check failed unexpectedly (${errorName(error)}).`, 'Retry the verification; if it fails again, contact support and quote this check.');
      }
      const result: CheckResult = { id, ...outcome };
      if (result.status !== 'failed' || controller.signal.aborted) return withAttempts(result, state.attempts);
      state.lastFailure = withAttempts(result, state.attempts);
      if (elapsed() + delay > Math.min(retryForMs, budgetMs)) return state.lastFailure;
      await sleep(delay);
      delay = Math.min(delay * 2, MAX_BACKOFF_MS);
    }
  };

  const timedOut = (id: CheckId, state: RunState): CheckResult => {
    if (state.lastFailure && !state.operation) {
      return { ...state.lastFailure, detail: `${state.lastFailure.detail} Still failing when the ${budgetMs} ms budget ran out.` };
    }
    const waiting = state.operation ? ` (waiting for ${state.operation})` : '';
    return {
      id,
      status: 'failed',
      detail: `Did not finish within the ${budgetMs} ms verification budget${waiting}.`,
      remediation: id === 'probe'
        ? `Retry the verification; if an object under ${VERIFY_PROBE_PREFIX} is left in the bucket, delete it and its versions.`
        : 'Retry the verification; if it keeps timing out, check that the bucket and key are in the expected region.',
    };
  };

  try {
    const checks = await Promise.all(
      run.map(async (id) => {
        const state: RunState = { attempts: 0 };
        const result = await Promise.race([runCheck(id, state), expired]);
        return result ?? timedOut(id, state);
      }),
    );
    return { status: overallStatus(checks), checkedAt: started.toISOString(), durationMs: Math.max(0, elapsed()), checks, skipped };
  } finally {
    clearTimeout(timer);
  }
};

const withAttempts = (result: CheckResult, attempts: number): CheckResult =>
  attempts > 1 ? { ...result, detail: `${result.detail} (after ${attempts} attempts)` } : result;
