import { PutObjectLockConfigurationCommand } from '@aws-sdk/client-s3';
import { DisableKeyCommand } from '@aws-sdk/client-kms';
import { describe, expect, it } from 'vitest';
import { CHECK_IDS, type BucketExpectation, type CheckId, type VerificationResult } from '../../../lib/verify/checks.js';
import { verifyBucket } from '../../../lib/verify/runner.js';
import { ORIGIN, VENDOR, VENDOR_ACTIONS, bucketContents, createBucket, realDeps, vendorPolicy, type BucketSetup } from './fixtures.js';

const REGION = 'eu-west-1';

const expectationFor = (bucket: string, keyArn: string, over: Partial<BucketExpectation> = {}): BucketExpectation => ({
  bucketName: bucket,
  region: REGION,
  encryption: { type: 'sse-kms', kmsKeyArn: keyArn },
  requiredOrigins: [ORIGIN],
  vendorPrincipalArn: VENDOR,
  ...over,
});

const notPassed = (result: VerificationResult) => result.checks.filter((c) => c.status !== 'passed').map((c) => c.id);
const check = (result: VerificationResult, id: CheckId) => result.checks.find((c) => c.id === id);

describe('verifyBucket against the emulator', () => {
  it('passes every check on a correctly configured bucket, and the probe leaves nothing behind', async () => {
    // Prepare
    const { bucket, key, s3, kms } = await createBucket(REGION, 'good');

    // Act
    const result = await verifyBucket({ s3, kms, ...realDeps() }, expectationFor(bucket, key.arn));

    // Assess
    expect(result.checks.map((c) => [c.id, c.status])).toEqual(CHECK_IDS.map((id) => [id, 'passed']));
    expect(result.status).toBe('passed');
    expect(await bucketContents(s3, bucket)).toEqual({ versions: [], deleteMarkers: [], objects: [] });
  });

  it('reads the location of a us-east-1 bucket (LocationConstraint null) as us-east-1', async () => {
    const { bucket, key, s3, kms } = await createBucket('us-east-1', 'use1');

    const result = await verifyBucket({ s3, kms, ...realDeps() }, expectationFor(bucket, key.arn, { region: 'us-east-1' }));

    expect(check(result, 'bucket-location')).toMatchObject({ status: 'passed', detail: expect.stringContaining('us-east-1') });
    expect(result.status).toBe('passed');
  });

  it('passes an SSE-S3 bucket without KMS checks', async () => {
    const { bucket, key, s3, kms } = await createBucket(REGION, 'sses3', { encryptionRule: () => ({ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }) });

    const result = await verifyBucket({ s3, kms, ...realDeps() }, expectationFor(bucket, key.arn, { encryption: { type: 'sse-s3' } }));

    expect(result.status).toBe('passed');
    expect(result.skipped.map((s) => s.id)).toEqual(['kms-key', 'kms-generate-data-key']);
    expect(await bucketContents(s3, bucket)).toEqual({ versions: [], deleteMarkers: [], objects: [] });
  });

  describe('a bucket broken in exactly one way fails exactly that check, with remediation', () => {
    const cases: Array<[string, BucketSetup, CheckId, 'failed' | 'warning', RegExp, Partial<BucketExpectation>?]> = [
      ['versioning suspended', { versioning: 'Suspended' }, 'versioning', 'failed', /suspended/],
      ['encrypted with another key', { encryptWithOtherKey: true }, 'encryption', 'failed', /expected arn:aws:kms/],
      ['SSE-S3 where a KMS key is expected', { encryptionRule: () => ({ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }) }, 'encryption', 'failed', /AES256/],
      ['bucket key off', { encryptionRule: (arn) => ({ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: arn }, BucketKeyEnabled: false }) }, 'encryption', 'warning', /bucket key is off/],
      ['CORS without ETag exposed', { cors: [{ AllowedOrigins: [ORIGIN], AllowedMethods: ['GET', 'HEAD', 'PUT'], AllowedHeaders: ['*'] }] }, 'cors', 'failed', /does not expose ETag/],
      ['CORS without PUT', { cors: [{ AllowedOrigins: ['*'], AllowedMethods: ['GET', 'HEAD'], ExposeHeaders: ['ETag'] }] }, 'cors', 'failed', /no rule allows PUT/],
      ['public access partly allowed', { publicAccessBlock: { BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: true, RestrictPublicBuckets: false } }, 'public-access-block', 'failed', /RestrictPublicBuckets is off/],
      ['ACLs enabled (ObjectWriter)', { ownership: 'ObjectWriter' }, 'ownership', 'failed', /ObjectWriter/],
      ['policy missing s3:PutObject', { policy: (b) => vendorPolicy(b, VENDOR_ACTIONS.filter((a) => a !== 's3:PutObject')) }, 'bucket-policy', 'failed', /s3:PutObject on arn:aws:s3:::/],
      ['policy granting s3:GetObject instead of s3:GetObject*', { policy: (b) => vendorPolicy(b, VENDOR_ACTIONS.map((a) => (a === 's3:GetObject*' ? 's3:GetObject' : a))) }, 'bucket-policy', 'failed', /s3:GetObject\* on/],
      ['key rotation off', { keyRotation: false }, 'kms-key', 'failed', /rotation is off/],
    ];

    it.each(cases)('%s', async (label, setup, id, status, detail, over) => {
      // Prepare
      const { bucket, key, s3, kms } = await createBucket(REGION, label.replace(/[^a-z0-9]+/gi, '-').toLowerCase().slice(0, 20), setup);

      // Act
      const result = await verifyBucket({ s3, kms, ...realDeps() }, expectationFor(bucket, key.arn, over));

      // Assess
      expect(notPassed(result)).toEqual([id]);
      expect(check(result, id)).toMatchObject({ status, detail: expect.stringMatching(detail), remediation: expect.stringMatching(/\S{10,}/) });
      expect(result.status).toBe(status);
      expect((await bucketContents(s3, bucket)).versions).toEqual([]);
    });

    it('bucket in another region fails bucket-location', async () => {
      const { bucket, key, s3, kms } = await createBucket('us-east-1', 'region');

      const result = await verifyBucket({ s3, kms, ...realDeps() }, expectationFor(bucket, key.arn, { region: REGION }));

      expect(notPassed(result)).toEqual(['bucket-location']);
      expect(check(result, 'bucket-location')).toMatchObject({ status: 'failed', detail: expect.stringContaining('is in us-east-1, expected eu-west-1'), remediation: expect.any(String) });
    });

    it('a disabled key fails kms-key', async () => {
      // On AWS a disabled key also fails kms-generate-data-key (DisabledException) and the probe; moto 5.2.1
      // still generates data keys and accepts SSE-KMS puts with a disabled key, so only kms-key fails here.
      // The DisabledException path is covered with aws-sdk-client-mock in tests/unit/verify/verify.test.ts.
      const { bucket, key, s3, kms } = await createBucket(REGION, 'disabled');
      await kms.send(new DisableKeyCommand({ KeyId: key.id }));

      const result = await verifyBucket({ s3, kms, ...realDeps() }, expectationFor(bucket, key.arn));

      expect(notPassed(result)).toEqual(['kms-key']);
      expect(check(result, 'kms-key')).toMatchObject({ status: 'failed', detail: expect.stringContaining('not enabled (state Disabled)'), remediation: expect.stringContaining('aws kms enable-key') });
    });

    it('a key that does not exist fails kms-generate-data-key (and kms-key, which cannot describe it)', async () => {
      // moto's GenerateDataKey ignores key state and key policies, so a missing key is the only way to make
      // it fail here; the missing-grant path (AccessDeniedException) is covered in the unit tests.
      const ghost = 'arn:aws:kms:eu-west-1:123456789012:key/00000000-0000-4000-8000-000000000000';
      const { bucket, s3, kms } = await createBucket(REGION, 'ghost', { encryptionRule: () => ({ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: ghost }, BucketKeyEnabled: true }) });

      const result = await verifyBucket({ s3, kms, ...realDeps() }, expectationFor(bucket, ghost));

      expect(notPassed(result)).toEqual(['kms-key', 'kms-generate-data-key']);
      expect(check(result, 'kms-generate-data-key')).toMatchObject({ status: 'failed', detail: expect.stringContaining('does not exist'), remediation: expect.stringContaining('key ARN') });
    });

    it('a bucket whose Object Lock keeps the probe version fails the probe and says what is left', async () => {
      const { bucket, key, s3, kms } = await createBucket(REGION, 'locked', { objectLock: true });
      await s3.send(new PutObjectLockConfigurationCommand({ Bucket: bucket, ObjectLockConfiguration: { ObjectLockEnabled: 'Enabled', Rule: { DefaultRetention: { Mode: 'GOVERNANCE', Days: 1 } } } }));

      const result = await verifyBucket({ s3, kms, ...realDeps() }, expectationFor(bucket, key.arn));

      expect(notPassed(result)).toEqual(['probe']);
      expect(check(result, 'probe')).toMatchObject({
        status: 'failed',
        detail: expect.stringMatching(/cleaning it up failed: Access denied: the verifier may not call DeleteObjectVersion/),
        remediation: expect.stringContaining('s3:DeleteObjectVersion'),
      });
    });
  });
});
