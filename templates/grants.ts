/**
 * The permissions a BYOB setup grants, exactly as the seed documents list them. Kept in one place
 * so the renderer, the template Description and verification agree.
 */

/** The vendor account's bucket-policy actions (seeds 000 and 003, the 11 actions, in their order). */
export const VENDOR_BUCKET_ACTIONS = [
  's3:GetObject*',
  's3:GetEncryptionConfiguration',
  's3:ListBucket',
  's3:ListBucketMultipartUploads',
  's3:ListBucketVersions',
  's3:AbortMultipartUpload',
  's3:DeleteObject',
  's3:PutObject',
  's3:GetBucketCORS',
  's3:GetBucketLocation',
  's3:GetBucketVersioning',
] as const;

/** The vendor account's key-policy actions (seed 003, statement "External"). */
export const VENDOR_KEY_POLICY_ACTIONS = [
  'kms:Decrypt',
  'kms:Describe*',
  'kms:Encrypt',
  'kms:ReEncrypt*',
  'kms:GenerateDataKey*',
] as const;

/** The access role's S3 actions (seed 004's multipart-upload role). */
export const ACCESS_ROLE_S3_ACTIONS = [
  's3:AbortMultipartUpload',
  's3:GetObject',
  's3:ListBucket',
  's3:ListBucketMultipartUploads',
  's3:ListBucketVersions',
  's3:ListMultipartUploadParts',
  's3:PutObject',
] as const;

/**
 * What a principal needs on the bucket's key to read and write SSE-KMS objects: the access role's
 * key permissions, and the grant a customer-supplied key must give the vendor.
 */
export const KEY_USER_ACTIONS = [
  'kms:Decrypt',
  'kms:Encrypt',
  'kms:GenerateDataKey*',
  'kms:ReEncrypt*',
  'kms:DescribeKey',
] as const;

/**
 * Where the vendor's verification probe writes (and removes every version of) its test object; the
 * only place the vendor may delete object versions.
 */
export const VERIFY_PROBE_PREFIX = '.byob-verify/';

/**
 * Read-only configuration the vendor's verifier must see and the seeds' 11 actions do not cover:
 * S3 answers these only to principals with the matching permission, also cross-account.
 */
export const VENDOR_VERIFY_BUCKET_ACTIONS = ['s3:GetBucketPublicAccessBlock', 's3:GetBucketOwnershipControls'] as const;

/** The probe's clean-up in a versioned bucket needs DeleteObjectVersion, scoped to VERIFY_PROBE_PREFIX. */
export const VENDOR_VERIFY_PROBE_ACTIONS = ['s3:DeleteObjectVersion'] as const;

/** Key rotation status is not covered by kms:Describe*; the verifier checks rotation. */
export const VENDOR_VERIFY_KEY_ACTIONS = ['kms:GetKeyRotationStatus'] as const;

/** The IAM principal ARN of an account's root (the whole account, delegated to its IAM policies). */
export const accountRootArn = (accountId: string): string => `arn:aws:iam::${accountId}:root`;

/** The oldest TLS version the bucket accepts (AWS's S3 security best practices: deny below TLS 1.2). */
export const MIN_TLS_VERSION = 1.2;

/**
 * The statements of the bucket policy a BYOB template sets: the vendor's grant (seeds 000/003), what
 * its verifier reads and cleans up, the deny of requests without TLS and of requests over TLS older
 * than {@link MIN_TLS_VERSION}. Built over any ARN form, so the template (intrinsics) and the
 * verifier's remediation (literal ARNs) put exactly the same policy.
 */
export const bucketPolicyStatements = <A>(vendorPrincipalArn: string, arns: { bucket: A; objects: A; probe: A }) =>
  [
    { Sid: 'VendorAccountAccess', Effect: 'Allow', Principal: { AWS: vendorPrincipalArn }, Action: [...VENDOR_BUCKET_ACTIONS], Resource: [arns.bucket, arns.objects] },
    { Sid: 'VendorVerification', Effect: 'Allow', Principal: { AWS: vendorPrincipalArn }, Action: [...VENDOR_VERIFY_BUCKET_ACTIONS], Resource: arns.bucket },
    { Sid: 'VendorVerificationProbeCleanup', Effect: 'Allow', Principal: { AWS: vendorPrincipalArn }, Action: [...VENDOR_VERIFY_PROBE_ACTIONS], Resource: arns.probe },
    {
      Sid: 'DenyInsecureTransport',
      Effect: 'Deny',
      Principal: '*',
      Action: 's3:*',
      Resource: [arns.bucket, arns.objects],
      Condition: { Bool: { 'aws:SecureTransport': 'false' } },
    },
    {
      Sid: 'DenyOutdatedTls',
      Effect: 'Deny',
      Principal: '*',
      Action: 's3:*',
      Resource: [arns.bucket, arns.objects],
      Condition: { NumericLessThan: { 's3:TlsVersion': MIN_TLS_VERSION } },
    },
  ] as const;

/** The bucket policy's Id in every BYOB template. */
export const BUCKET_POLICY_ID = 'ByobVendorAccess';
