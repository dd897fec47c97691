import type { S3Client } from '@aws-sdk/client-s3';
import type { KMSClient } from '@aws-sdk/client-kms';
import type { Clock } from '../clock.js';
import type { BucketExpectation, CheckId, CheckResult } from './checks.js';

/** Clients already pointed at the right account, region and endpoint; time and ids injected. */
export interface VerifyDeps {
  s3: S3Client;
  kms?: KMSClient;
  clock: Clock;
  randomId: () => string;
  sleep?: (ms: number) => Promise<void>;
}

/** Every API call the verifier makes, with the IAM action it needs. */
export const VERIFIER_OPERATIONS = {
  HeadBucket: 's3:ListBucket',
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

/** An API call the verifier makes. */
export type Operation = keyof typeof VERIFIER_OPERATIONS;

/** An AWS call that failed, tagged with the operation so the failure can name the missing permission. */
export class CallError extends Error {
  override name = 'CallError';
  constructor(
    readonly operation: Operation,
    cause: unknown,
  ) {
    super(operation, { cause });
  }
}

/**
 * What a check runs with. Every AWS call goes through `call`, which hands it the run's abort signal and
 * rethrows a failure as a {@link CallError} naming the operation.
 */
export interface CheckContext {
  deps: VerifyDeps;
  exp: BucketExpectation;
  kms: KMSClient | undefined;
  checkedAt: string;
  call<T>(operation: Operation, send: (options: { abortSignal: AbortSignal }) => Promise<T>): Promise<T>;
}

/**
 * A check's result before the runner stamps its id on it. `blockedBy` names the check whose failure
 * this one follows from (e.g. NoSuchBucket follows from `bucket-exists`): when that check failed too,
 * the runner reports this one as skipped, so one break is one failed check.
 */
export type Outcome = Omit<CheckResult, 'id'> & { blockedBy?: CheckId };

/** One check: reads what it needs through the context and judges it. */
export type Check = (ctx: CheckContext) => Promise<Outcome>;

/** A passed outcome. */
export const passed = (detail: string): Outcome => ({ status: 'passed', detail });
/** A failed outcome, with what the customer should do about it and, when a setting can be put back, the commands. */
export const failed = (detail: string, remediation: string, commands?: string[]): Outcome => ({ status: 'failed', detail, remediation, ...(commands?.length ? { commands } : {}) });
/** A warning outcome, with what the customer should do about it and, when a setting can be put back, the commands. */
export const warning = (detail: string, remediation: string, commands?: string[]): Outcome => ({ status: 'warning', detail, remediation, ...(commands?.length ? { commands } : {}) });
