import { VENDOR_ACTIONS } from './bucket-policy.js';
import { bucketArnOf, kmsKeyArnOf, type BucketExpectation, type CheckId } from './checks.js';
import { VERIFIER_OPERATIONS, failed, warning, type Operation, type Outcome } from './check-context.js';
import {
  bucketPolicyCommands,
  cancelKeyDeletionCommands,
  corsCommands,
  enableKeyCommands,
  encryptionCommands,
  ownershipCommands,
  publicAccessBlockCommands,
  recreateBucketCommands,
} from './cli-commands.js';

/**
 * An error's code or name, reduced to safe characters. Failures are described from the error's name and
 * HTTP status only, never its message: messages carry callers' ARNs and, from some S3-compatible servers,
 * request details.
 */
export const errorName = (error: unknown): string => {
  const e = error as { name?: unknown; Code?: unknown; code?: unknown } | undefined;
  const raw = [e?.code, e?.name, e?.Code].find((v) => typeof v === 'string' && v !== 'Error' && v.length > 0);
  return typeof raw === 'string' ? raw.replace(/[^A-Za-z0-9._-]/g, '').slice(0, 64) : 'Error';
};

/** The HTTP status an SDK error carries, if any. */
export const httpStatusOf = (error: unknown): number | undefined =>
  (error as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata?.httpStatusCode;

/** The KMS action named in an S3 AccessDenied message, e.g. when PutObject could not use the key. */
const kmsActionIn = (error: unknown): string | undefined => {
  const message = (error as { message?: unknown } | undefined)?.message;
  return typeof message === 'string' ? /\bkms:[A-Za-z]+\b/.exec(message)?.[0] : undefined;
};

const NETWORK_ERRORS = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'TimeoutError', 'RequestTimeout']);

/** A failed AWS call as a check outcome with a specific detail and remediation. */
export const outcomeOfError = (id: CheckId, operation: Operation, error: unknown, exp: BucketExpectation): Outcome => {
  const name = errorName(error);
  const status = httpStatusOf(error);
  const action = VERIFIER_OPERATIONS[operation];
  const bucket = exp.bucketName;
  const keyArn = kmsKeyArnOf(exp);
  const onKms = action.startsWith('kms:');
  const resource = onKms ? keyArn : ['PutObject', 'HeadObject', 'GetObject', 'DeleteObject', 'DeleteObjectVersion'].includes(operation) ? `${bucketArnOf(exp)}/*` : bucketArnOf(exp);

  switch (name) {
    case 'NoSuchBucket':
      return {
        ...failed(`Bucket ${bucket} does not exist (${operation} answered NoSuchBucket).`, `Create the bucket ${bucket} in ${exp.region}, or correct the bucket name.`, recreateBucketCommands(exp)),
        blockedBy: 'bucket-exists',
      };
    case 'NoSuchCORSConfiguration':
      return failed(`Bucket ${bucket} has no CORS configuration.`, corsRemediation(exp), corsCommands(exp, []));
    case 'ServerSideEncryptionConfigurationNotFoundError':
      return failed(`Bucket ${bucket} has no default encryption configuration.`, encryptionRemediation(exp), encryptionCommands(exp));
    case 'NoSuchPublicAccessBlockConfiguration':
      return failed(`Bucket ${bucket} has no public access block configuration.`, publicAccessBlockRemediation(exp), publicAccessBlockCommands(exp));
    case 'OwnershipControlsNotFoundError':
      return failed(`Bucket ${bucket} has no object ownership controls (ACLs are enabled).`, ownershipRemediation(exp), ownershipCommands(exp));
    case 'NoSuchBucketPolicy':
      return failed(`Bucket ${bucket} has no bucket policy, so the vendor (${exp.vendorPrincipalArn}) has no access.`, bucketPolicyRemediation(exp), bucketPolicyCommands(exp, null));
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
      return {
        ...failed(`KMS key ${keyArn} is disabled (${operation} answered ${name}).`, `Enable the key: aws kms enable-key --key-id ${keyArn}`, enableKeyCommands(exp)),
        blockedBy: 'kms-key',
      };
    case 'KMSInvalidStateException':
    case 'KMS.KMSInvalidStateException':
      return {
        ...failed(
          `KMS key ${keyArn} is not usable, e.g. pending deletion (${operation} answered ${name}).`,
          `Cancel the deletion and enable the key: aws kms cancel-key-deletion --key-id ${keyArn}, then aws kms enable-key --key-id ${keyArn}`,
          cancelKeyDeletionCommands(exp),
        ),
        blockedBy: 'kms-key',
      };
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
        `Run the verification with a role in the bucket owner's account, or confirm the policy grants ${exp.vendorPrincipalArn} the 11 actions on ${bucketArnOf(exp)} and ${bucketArnOf(exp)}/*.`,
      );
    }
    if (onKms) return failed(`Access denied: the verifier may not call ${operation} (${action} on ${resource}).`, `Allow ${exp.vendorPrincipalArn} ${action} in the key policy of ${keyArn}.`);
    // When the bucket-policy check found the grant missing or a Deny, this denial is that finding again.
    return {
      ...failed(
        `Access denied: the verifier may not call ${operation} (${action} on ${resource}).`,
        `Allow ${exp.vendorPrincipalArn} ${action} on ${resource} in the bucket policy, and make sure no Deny statement or organization policy blocks it.`,
      ),
      blockedBy: 'bucket-policy',
    };
  }
  if (NETWORK_ERRORS.has(name)) {
    return failed(`Could not reach the storage endpoint for ${operation} (${name}).`, 'Check that the endpoint host and port are right and reachable from the internet, then retry.');
  }
  return failed(
    `${operation} failed: ${name}${status ? ` (HTTP ${status})` : ''}.`,
    'Retry the verification; if it fails again, contact support and quote this check.',
  );
};

/** How to add the CORS rule the vendor's browser uploads need. */
export const corsRemediation = (exp: BucketExpectation) =>
  `Add a CORS rule (S3 console → bucket → Permissions → CORS) with AllowedOrigins ${JSON.stringify(exp.requiredOrigins)}, AllowedMethods ["GET","HEAD","PUT"], AllowedHeaders ["*"], ExposeHeaders ["ETag"] and MaxAgeSeconds 3600.`;

/** How to set the expected default encryption. */
export const encryptionRemediation = (exp: BucketExpectation) =>
  exp.encryption?.type === 'sse-kms'
    ? `Set default encryption to SSE-KMS with the key and bucket key on: aws s3api put-bucket-encryption --bucket ${exp.bucketName} --server-side-encryption-configuration '{"Rules":[{"ApplyServerSideEncryptionByDefault":{"SSEAlgorithm":"aws:kms","KMSMasterKeyID":"${exp.encryption.kmsKeyArn}"},"BucketKeyEnabled":true}]}'`
    : `Set default encryption to SSE-S3: aws s3api put-bucket-encryption --bucket ${exp.bucketName} --server-side-encryption-configuration '{"Rules":[{"ApplyServerSideEncryptionByDefault":{"SSEAlgorithm":"AES256"}}]}'`;

/** How to block all public access. */
export const publicAccessBlockRemediation = (exp: BucketExpectation) =>
  `Block all public access: aws s3api put-public-access-block --bucket ${exp.bucketName} --public-access-block-configuration BlockPublicAcls=true,IgnorePublicAcls=true,BlockPublicPolicy=true,RestrictPublicBuckets=true`;

/** How to enforce bucket-owner object ownership (ACLs off). */
export const ownershipRemediation = (exp: BucketExpectation) =>
  `Disable ACLs: aws s3api put-bucket-ownership-controls --bucket ${exp.bucketName} --ownership-controls 'Rules=[{ObjectOwnership=BucketOwnerEnforced}]'`;

/** What to do when the bucket is gone. */
export const recreateBucketRemediation = (exp: BucketExpectation) =>
  `Create the bucket ${exp.bucketName} in ${exp.region} again with the settings the vendor needs (commands below), or delete this request and create a new one; then restore the template's tags and lifecycle rule, which the record's drift lists.`;

/** How to grant the vendor its actions in the bucket policy. */
export const bucketPolicyRemediation = (exp: BucketExpectation) =>
  `Add a bucket policy statement (S3 console → bucket → Permissions → Bucket policy) that allows ${exp.vendorPrincipalArn} ${VENDOR_ACTIONS.map((a) => a.action).join(', ')} on ${bucketArnOf(exp)} and ${bucketArnOf(exp)}/*.`;

/** The region GetBucketLocation's LocationConstraint stands for: null or "" is us-east-1, "EU" is eu-west-1. */
