import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { KMSClient } from '@aws-sdk/client-kms';
import { S3Client } from '@aws-sdk/client-s3';
import { SQSClient } from '@aws-sdk/client-sqs';
import { AssumeRoleCommand, type STSClient as StsClient, STSClient } from '@aws-sdk/client-sts';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@aws-sdk/types';

/**
 * How long a caller can wait on AWS. An HTTP route answers within 10 s even when AWS hangs: each
 * attempt is cut at 1 s to connect and 3 s in all, and a call makes at most 2 attempts (≈ 6.3 s with
 * the back-off between them), which leaves the route time to answer 503. Background functions
 * (stack events, registration, reconciler, webhook delivery) wait longer per attempt and retry more,
 * with adaptive retries pacing them when AWS throttles; a call still gives up (≈ 41 s) inside the
 * shortest of their timeouts (60 s, webhook delivery).
 */
export const CALLER_PROFILES = {
  http: { connectionTimeoutMs: 1_000, requestTimeoutMs: 3_000, maxAttempts: 2, retryMode: 'standard' },
  background: { connectionTimeoutMs: 3_000, requestTimeoutMs: 10_000, maxAttempts: 4, retryMode: 'adaptive' },
} as const;

/** Which of CALLER_PROFILES a client is sized for. */
export type CallerProfile = keyof typeof CALLER_PROFILES;

/** Where and as whom a client talks: region, optional endpoint (emulator/LocalStack) and credentials. */
export interface ClientTarget {
  region: string;
  endpoint?: string | undefined;
  credentials?: AwsCredentialIdentity | AwsCredentialIdentityProvider | undefined;
  /** The caller's time budget; `background` when absent. */
  profile?: CallerProfile | undefined;
}

const common = (t: ClientTarget) => {
  const p = CALLER_PROFILES[t.profile ?? 'background'];
  return {
    region: t.region,
    ...(t.endpoint ? { endpoint: t.endpoint } : {}),
    ...(t.credentials ? { credentials: t.credentials } : {}),
    // requestTimeout bounds the whole attempt only with throwOnRequestTimeout; without it the SDK just warns.
    requestHandler: { connectionTimeout: p.connectionTimeoutMs, requestTimeout: p.requestTimeoutMs, throwOnRequestTimeout: true },
    maxAttempts: p.maxAttempts,
    retryMode: p.retryMode,
  };
};

/** S3 client; path-style against an emulator endpoint, checksums only when required (moto). */
export const makeS3 = (t: ClientTarget & { forcePathStyle?: boolean }): S3Client =>
  new S3Client({
    ...common(t),
    forcePathStyle: t.forcePathStyle ?? Boolean(t.endpoint),
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });

/** KMS client. */
export const makeKms = (t: ClientTarget): KMSClient => new KMSClient(common(t));

/** CloudFormation client; no SDK retries against an emulator, whose 500s would hide the real error. */
export const makeCloudFormation = (t: ClientTarget): CloudFormationClient =>
  new CloudFormationClient({ ...common(t), ...(t.endpoint ? { maxAttempts: 1 } : {}) });

/** STS client. */
export const makeSts = (t: ClientTarget): STSClient => new STSClient(common(t));

/** DynamoDB client. */
export const makeDynamo = (t: ClientTarget): DynamoDBClient => new DynamoDBClient(common(t));

/** SQS client (the webhook delivery queue). */
export const makeSqs = (t: ClientTarget): SQSClient => new SQSClient(common(t));

/** DynamoDB document client (plain JS values in and out) over a DynamoDB client. */
export const documentClientOf = (client: DynamoDBClient): DynamoDBDocumentClient =>
  DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false } });

/** Memoises one client per key, so each region/account gets its client built once per container. */
export const clientCache = <C>(make: (key: string) => C) => {
  const cache = new Map<string, C>();
  return (key: string): C => {
    let c = cache.get(key);
    if (!c) {
      c = make(key);
      cache.set(key, c);
    }
    return c;
  };
};

/**
 * Credentials of an assumed role: a role in a customer's account, assumed with the tenant's ExternalId
 * (the trust policy's confused-deputy guard), or, with `externalId` null, the vendor's own principal
 * role (VENDOR_PRINCIPAL); the SDK calls this again when they expire.
 */
export const assumedRoleCredentials =
  (sts: StsClient, roleArn: string, externalId: (() => Promise<string>) | null, session: string): AwsCredentialIdentityProvider =>
  async () => {
    const out = await sts.send(
      new AssumeRoleCommand({
        RoleArn: roleArn,
        ...(externalId ? { ExternalId: await externalId() } : {}),
        RoleSessionName: session.slice(0, 64),
        DurationSeconds: 3600,
      }),
    );
    const c = out.Credentials;
    if (!c?.AccessKeyId || !c.SecretAccessKey) throw new Error(`AssumeRole of ${roleArn} returned no credentials`);
    return { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.SessionToken, expiration: c.Expiration };
  };
