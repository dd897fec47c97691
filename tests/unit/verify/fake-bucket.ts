import { VENDOR_BUCKET_ACTIONS } from '../../../templates/grants.js';
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
  S3Client,
} from '@aws-sdk/client-s3';
import { DescribeKeyCommand, GenerateDataKeyCommand, GetKeyRotationStatusCommand, KMSClient } from '@aws-sdk/client-kms';
import { mockClient } from 'aws-sdk-client-mock';
import { expect } from 'vitest';
import type { BucketExpectation, CheckId, CheckStatus, VerificationResult } from '../../../lib/verify/checks.js';
import type { VerifyDeps } from '../../../lib/verify/check-context.js';
import { verifyBucket } from '../../../lib/verify/runner.js';

export const BUCKET = 'acme-omega-artifacts';
export const REGION = 'eu-west-1';
export const ACCOUNT = '111122223333';
export const KEY_ID = '1234abcd-12ab-34cd-56ef-1234567890ab';
export const KEY_ARN = `arn:aws:kms:${REGION}:${ACCOUNT}:key/${KEY_ID}`;
export const VENDOR = 'arn:aws:iam::830241207209:root';
export const ORIGIN = 'https://app.example.com';

export const VENDOR_ACTION_NAMES: string[] = [...VENDOR_BUCKET_ACTIONS];

/** The bucket's ARN, the resource of bucket-level actions. */
export const BUCKET_ARN = `arn:aws:s3:::${BUCKET}`;

/** A policy statement that allows the vendor the 11 actions on the bucket and its objects. */
export const allowVendor = (over: Record<string, unknown> = {}) => ({ Effect: 'Allow', Principal: { AWS: VENDOR }, Action: VENDOR_ACTION_NAMES, Resource: [BUCKET_ARN, `${BUCKET_ARN}/*`], ...over });

/** A bucket policy document of `Statement`. */
export const policyOf = (...Statement: unknown[]) => ({ Version: '2012-10-17', Statement });

/** The seed-000/003 policy, plus the template's deny of requests without TLS. */
export const seedPolicy = (bucket = BUCKET) => ({
  Version: '2012-10-17',
  Id: 'WandBAccess',
  Statement: [
    {
      Sid: 'WAndBAccountAccess',
      Effect: 'Allow',
      Principal: { AWS: VENDOR },
      Action: VENDOR_ACTION_NAMES,
      Resource: [`arn:aws:s3:::${bucket}`, `arn:aws:s3:::${bucket}/*`],
    },
    {
      Sid: 'DenyInsecureTransport',
      Effect: 'Deny',
      Principal: '*',
      Action: 's3:*',
      Resource: [`arn:aws:s3:::${bucket}`, `arn:aws:s3:::${bucket}/*`],
      Condition: { Bool: { 'aws:SecureTransport': 'false' } },
    },
  ],
});

export const expectation = (over: Partial<BucketExpectation> = {}): BucketExpectation => ({
  bucketName: BUCKET,
  region: REGION,
  encryption: { type: 'sse-kms', kmsKeyArn: KEY_ARN },
  requiredOrigins: [ORIGIN],
  vendorPrincipalArn: VENDOR,
  ...over,
});

/** A clock that only moves when the fake sleep is awaited. */
export const fakeTime = (start = Date.UTC(2026, 0, 1)) => {
  let now = start;
  const sleeps: number[] = [];
  return {
    clock: () => new Date(now),
    sleep: async (ms: number) => {
      sleeps.push(ms);
      now += ms;
    },
    advance: (ms: number) => {
      now += ms;
    },
    sleeps,
  };
};

export const s3Mock = mockClient(S3Client);
export const kmsMock = mockClient(KMSClient);

export const makeDeps = (time = fakeTime(), over: Partial<VerifyDeps> = {}): VerifyDeps => ({
  s3: new S3Client({ region: REGION }),
  kms: new KMSClient({ region: REGION }),
  clock: time.clock,
  sleep: time.sleep,
  randomId: () => 'test-run-1',
  ...over,
});

/**
 * Programs both mocks as a correctly configured bucket. The probe's object lives in a tiny versioned
 * store so that put / head / get / list / delete-all-versions behave like S3.
 */
export const programGoodBucket = () => {
  const versions = new Map<string, Array<{ versionId: string; body: Uint8Array; marker: boolean }>>();
  let counter = 0;
  s3Mock.on(GetBucketLocationCommand).resolves({ LocationConstraint: REGION });
  s3Mock.on(GetBucketVersioningCommand).resolves({ Status: 'Enabled' });
  s3Mock.on(GetBucketEncryptionCommand).resolves({
    ServerSideEncryptionConfiguration: { Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: KEY_ARN }, BucketKeyEnabled: true }] },
  });
  s3Mock.on(GetBucketCorsCommand).resolves({
    CORSRules: [{ AllowedOrigins: ['*'], AllowedMethods: ['GET', 'HEAD', 'PUT'], AllowedHeaders: ['*'], ExposeHeaders: ['ETag'], MaxAgeSeconds: 3600 }],
  });
  s3Mock.on(GetPublicAccessBlockCommand).resolves({
    PublicAccessBlockConfiguration: { BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: true, RestrictPublicBuckets: true },
  });
  s3Mock.on(GetBucketOwnershipControlsCommand).resolves({ OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] } });
  s3Mock.on(GetBucketPolicyCommand).resolves({ Policy: JSON.stringify(seedPolicy()) });
  const putObject = (input: { Key: string; Body: Uint8Array; ServerSideEncryption?: string }) => {
    const list = versions.get(input.Key) ?? [];
    const versionId = `v${++counter}`;
    list.push({ versionId, body: new Uint8Array(input.Body), marker: false });
    versions.set(input.Key, list);
    return { VersionId: versionId, ServerSideEncryption: input.ServerSideEncryption };
  };
  s3Mock.on(PutObjectCommand).callsFake(putObject);
  const latest = (key: string) => {
    const top = versions.get(key)?.at(-1);
    return top && !top.marker ? top : undefined;
  };
  s3Mock.on(HeadObjectCommand).callsFake((input: { Key: string }) => {
    const v = latest(input.Key);
    if (!v) throw Object.assign(new Error('Not Found'), { name: 'NotFound', $metadata: { httpStatusCode: 404 } });
    return { ContentLength: v.body.length };
  });
  s3Mock.on(GetObjectCommand).callsFake((input: { Key: string }) => {
    const v = latest(input.Key);
    if (!v) throw Object.assign(new Error('No such key'), { name: 'NoSuchKey', $metadata: { httpStatusCode: 404 } });
    return { Body: { transformToByteArray: async () => v.body } };
  });
  s3Mock.on(ListObjectsV2Command).callsFake((input: { Prefix: string }) => ({
    Contents: [...versions.keys()].filter((k) => k.startsWith(input.Prefix) && latest(k)).map((Key) => ({ Key })),
  }));
  s3Mock.on(ListObjectVersionsCommand).callsFake((input: { Prefix: string }) => {
    const entries = [...versions.entries()].filter(([k]) => k.startsWith(input.Prefix));
    return {
      Versions: entries.flatMap(([Key, vs]) => vs.filter((v) => !v.marker).map((v) => ({ Key, VersionId: v.versionId }))),
      DeleteMarkers: entries.flatMap(([Key, vs]) => vs.filter((v) => v.marker).map((v) => ({ Key, VersionId: v.versionId }))),
      IsTruncated: false,
    };
  });
  s3Mock.on(DeleteObjectCommand).callsFake((input: { Key: string; VersionId?: string }) => {
    const list = versions.get(input.Key) ?? [];
    if (input.VersionId) versions.set(input.Key, list.filter((v) => v.versionId !== input.VersionId));
    else list.push({ versionId: `v${++counter}`, body: new Uint8Array(), marker: true });
    return {};
  });
  kmsMock.on(DescribeKeyCommand).resolves({
    KeyMetadata: { KeyId: KEY_ID, Arn: KEY_ARN, Enabled: true, KeyState: 'Enabled', KeyUsage: 'ENCRYPT_DECRYPT', KeySpec: 'SYMMETRIC_DEFAULT', KeyManager: 'CUSTOMER' },
  });
  kmsMock.on(GetKeyRotationStatusCommand).resolves({ KeyRotationEnabled: true });
  kmsMock.on(GenerateDataKeyCommand).resolves({ Plaintext: new Uint8Array(32).fill(7), CiphertextBlob: new Uint8Array(64), KeyId: KEY_ARN });
  return { versions, putObject };
};

/** An AWS SDK service error as the SDK would throw it. */
export const awsError = (name: string, status = 400, message = name) => Object.assign(new Error(message), { name, $fault: 'client', $metadata: { httpStatusCode: status } });

/** A run's checks by id. */
export const byId = (result: VerificationResult) => Object.fromEntries(result.checks.map((c) => [c.id, c])) as Record<CheckId, VerificationResult['checks'][number]>;

/** The ids of the checks that did not pass, in order. */
export const notPassed = (result: VerificationResult) => result.checks.filter((c) => c.status !== 'passed').map((c) => c.id);

/** Verifies the programmed bucket and asserts that `id` alone did not pass, as `status`, with a matching detail and a remediation. */
export const expectOnlyCheckNotPassed = async (id: CheckId, status: Exclude<CheckStatus, 'passed'>, detail: RegExp) => {
  const result = await verifyBucket(makeDeps(), expectation());

  expect(notPassed(result)).toEqual([id]);
  expect(byId(result)[id]).toMatchObject({ status, detail: expect.stringMatching(detail), remediation: expect.any(String) });
  expect(result.status).toBe(status);
};
