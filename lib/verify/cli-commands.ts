import type { CORSRule } from '@aws-sdk/client-s3';
import { BUCKET_POLICY_ID, bucketPolicyStatements, VERIFY_PROBE_PREFIX } from '../../templates/grants.js';
import { denyingStatements, statementsOf } from './bucket-policy.js';
import { bucketArnOf, kmsKeyArnOf, type BucketExpectation } from './checks.js';

/**
 * The exact AWS CLI commands that put one bucket or key setting back the way the template set it,
 * leaving everything else the customer added in place. They are run by the bucket owner (the vendor
 * cannot change a customer's bucket). Structured arguments are JSON, which the CLI accepts for every
 * parameter, so a command can be copied into any shell as it is.
 */

/** One shell word: left bare when it is safe, else single-quoted. */
export const shellWord = (value: string): string => (/^[A-Za-z0-9_./:=@,+-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`);

const cli = (service: string, operation: string, args: Record<string, string | object>): string =>
  ['aws', service, operation, ...Object.entries(args).flatMap(([name, v]) => [`--${name}`, shellWord(typeof v === 'string' ? v : JSON.stringify(v))])].join(' ');

const s3api = (operation: string, exp: BucketExpectation, args: Record<string, string | object> = {}) =>
  cli('s3api', operation, { bucket: exp.bucketName, ...args, region: exp.region });

/** The region of a key ARN, or the bucket's region for a bare key id or alias. */
const keyRegion = (keyArn: string, fallback: string) => /^arn:[^:]+:kms:([^:]+):/.exec(keyArn)?.[1] ?? fallback;

const kms = (operation: string, exp: BucketExpectation) => {
  const keyArn = kmsKeyArnOf(exp);
  return cli('kms', operation, { 'key-id': keyArn, region: keyRegion(keyArn, exp.region) });
};

/** CORS max age of a rule the verifier adds, when the request named none. */
export const DEFAULT_CORS_MAX_AGE_SECONDS = 3600;

/** Turns versioning back on. */
export const versioningCommands = (exp: BucketExpectation): string[] => [s3api('put-bucket-versioning', exp, { 'versioning-configuration': { Status: 'Enabled' } })];

/** Sets the expected default encryption (the key with the bucket key on, or SSE-S3). */
export const encryptionCommands = (exp: BucketExpectation): string[] => {
  const rule =
    exp.encryption?.type === 'sse-kms'
      ? { ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: exp.encryption.kmsKeyArn }, BucketKeyEnabled: true }
      : { ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } };
  return [s3api('put-bucket-encryption', exp, { 'server-side-encryption-configuration': { Rules: [rule] } })];
};

/** Blocks all public access. */
export const publicAccessBlockCommands = (exp: BucketExpectation): string[] => [
  s3api('put-public-access-block', exp, {
    'public-access-block-configuration': { BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: true, RestrictPublicBuckets: true },
  }),
];

/** Disables ACLs (bucket owner enforced). */
export const ownershipCommands = (exp: BucketExpectation): string[] => [
  s3api('put-bucket-ownership-controls', exp, { 'ownership-controls': { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] } }),
];

const withoutUndefined = (rule: CORSRule): CORSRule => Object.fromEntries(Object.entries(rule).filter(([, v]) => v !== undefined)) as CORSRule;

/**
 * The bucket's CORS rules with a rule for `origins` put first (S3 uses the first rule that matches,
 * so it wins for those origins and changes nothing for any other); every existing rule is kept.
 */
export const corsCommands = (exp: BucketExpectation, existing: CORSRule[], origins: string[] = exp.requiredOrigins): string[] => {
  const added: CORSRule = {
    AllowedOrigins: origins,
    AllowedMethods: ['GET', 'HEAD', 'PUT'],
    AllowedHeaders: ['*'],
    ExposeHeaders: ['ETag'],
    MaxAgeSeconds: exp.corsMaxAgeSeconds ?? DEFAULT_CORS_MAX_AGE_SECONDS,
  };
  return [s3api('put-bucket-cors', exp, { 'cors-configuration': { CORSRules: [added, ...existing.map(withoutUndefined)] } })];
};

/** The bucket's CORS rules with the max age of `shortRules` raised to what the request asked for. */
export const corsMaxAgeCommands = (exp: BucketExpectation, existing: CORSRule[], shortRules: ReadonlySet<CORSRule>): string[] => {
  const wanted = exp.corsMaxAgeSeconds ?? DEFAULT_CORS_MAX_AGE_SECONDS;
  const rules = existing.map((r) => withoutUndefined(shortRules.has(r) ? { ...r, MaxAgeSeconds: wanted } : r));
  return [s3api('put-bucket-cors', exp, { 'cors-configuration': { CORSRules: rules } })];
};

/**
 * The bucket policy with the template's statements put back (replacing any statement of the same Sid,
 * so a narrowed grant is restored) and the statements that deny the vendor removed; every other
 * statement of the customer's is kept as it is. `current` is the parsed policy, or null when none.
 */
export const bucketPolicyCommands = (exp: BucketExpectation, current: unknown): string[] => {
  const bucket = bucketArnOf(exp);
  const ours = bucketPolicyStatements(exp.vendorPrincipalArn, { bucket, objects: `${bucket}/*`, probe: `${bucket}/${VERIFY_PROBE_PREFIX}*` });
  const ourSids = new Set<unknown>(ours.map((s) => s.Sid));
  const denying = new Set(denyingStatements(current, exp.bucketName, exp.vendorPrincipalArn));
  const kept = statementsOf(current).filter((s) => !denying.has(s) && !ourSids.has((s as { Sid?: unknown }).Sid));
  const doc = current as { Version?: unknown; Id?: unknown } | null;
  const policy = {
    Version: typeof doc?.Version === 'string' ? doc.Version : '2012-10-17',
    Id: typeof doc?.Id === 'string' ? doc.Id : BUCKET_POLICY_ID,
    Statement: [...kept, ...ours],
  };
  return [s3api('put-bucket-policy', exp, { policy: JSON.stringify(policy) })];
};

/**
 * Makes the bucket again with every setting the checks expect. Its data is gone; tags and lifecycle
 * rules of the template are not restored here (drift on the record names them).
 */
export const recreateBucketCommands = (exp: BucketExpectation): string[] => [
  s3api('create-bucket', exp, exp.region === 'us-east-1' ? {} : { 'create-bucket-configuration': { LocationConstraint: exp.region } }),
  ...(exp.target === 's3-compatible' ? [] : publicAccessBlockCommands(exp)),
  ...(exp.target === 's3-compatible' ? [] : ownershipCommands(exp)),
  ...versioningCommands(exp),
  ...(exp.encryption ? encryptionCommands(exp) : []),
  ...(exp.requiredOrigins.length ? corsCommands(exp, []) : []),
  ...(exp.target === 's3-compatible' ? [] : bucketPolicyCommands(exp, null)),
];

/** Enables a disabled key. */
export const enableKeyCommands = (exp: BucketExpectation): string[] => [kms('enable-key', exp)];

/** Cancels a scheduled deletion, which leaves the key disabled, then enables it. */
export const cancelKeyDeletionCommands = (exp: BucketExpectation): string[] => [kms('cancel-key-deletion', exp), kms('enable-key', exp)];

/** Turns automatic key rotation back on. */
export const keyRotationCommands = (exp: BucketExpectation): string[] => [kms('enable-key-rotation', exp)];
