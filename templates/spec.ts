/** One S3 CORS rule, already normalised (defaults applied) by the request schema. */
export interface CorsRule {
  allowedOrigins: string[];
  allowedMethods: Array<'GET' | 'HEAD' | 'PUT' | 'POST' | 'DELETE'>;
  allowedHeaders: string[];
  exposedHeaders: string[];
  maxAgeSeconds: number;
}

/** How the bucket is encrypted: a key made by the stack, the customer's own key, or S3-managed keys. */
export type EncryptionSpec = { type: 'sse-kms'; kmsKeyArn?: undefined } | { type: 'sse-kms'; kmsKeyArn: string } | { type: 'sse-s3' };

/** Everything the renderer needs; built by lib from a validated request plus configuration, never from raw input. */
export interface ByobTemplateSpec {
  /** Version of the template shape, shown in the Description. */
  templateVersion: string;
  /** The BYOB request id (ULID-based, `byob_…`). */
  requestId: string;
  tenant: string;
  scope: 'team' | 'instance';
  /** Team name for scope "team"; null for "instance". */
  team: string | null;
  bucketName: string;
  /** The region the stack runs in (validated AWS region code). */
  region: string;
  /**
   * From configuration, never from the request. `principalArn` is granted in the bucket policy, the key
   * policy and the access role's trust: the account root (`arn:aws:iam::<accountId>:root`) or one role
   * of that account.
   */
  vendor: { accountId: string; name: string; principalArn: string };
  encryption: EncryptionSpec;
  corsRules: CorsRule[];
  /** Present when the vendor access role is enabled; externalId is generated per tenant by the API. */
  accessRole: { externalId: string } | null;
  /** The request's own tags (validated to the AWS tag character set). */
  tags: Record<string, string>;
  /**
   * Present for quick-create: the registration SNS topic in the stack's region, and for a template that
   * updates the stack, the id of that update (the registration resources carry it, so the update reaches them
   * even when the template version stays the same).
   */
  quickCreate: { registrationTopicArn: string; updateId?: string } | null;
  /** Access-log target bucket, when the vendor configures one; otherwise logging is skipped with a reason. */
  accessLogBucket: string | null;
  /**
   * Present when the request adopts the bucket `bucketName` (and its key, named in `encryption`) that
   * an earlier request of the tenant left behind: the stack then creates neither and only grants on them.
   */
  adopted: { fromRequestId: string } | null;
}

/** Logical names of the outputs every rendered template declares (some only when applicable). */
export const OUTPUT_NAMES = ['BucketName', 'BucketArn', 'KmsKeyArn', 'Region', 'RoleArn'] as const;

/** Name of the plain (not NoEcho) parameter that carries the quick-create registration token. */
export const REGISTRATION_TOKEN_PARAMETER = 'RegistrationToken';
