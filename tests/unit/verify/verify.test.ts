import {
  DeleteObjectCommand,
  GetBucketCorsCommand,
  GetBucketEncryptionCommand,
  GetBucketLocationCommand,
  GetBucketOwnershipControlsCommand,
  GetBucketVersioningCommand,
  GetPublicAccessBlockCommand,
  ListObjectVersionsCommand,
  PutObjectCommand,
} from '@aws-sdk/client-s3';
import { DescribeKeyCommand, GenerateDataKeyCommand, GetKeyRotationStatusCommand } from '@aws-sdk/client-kms';
import 'aws-sdk-client-mock-vitest/extend';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { CHECK_IDS, DEFAULT_BUDGET_MS, overallStatus, regionFromLocationConstraint, verifyBucket, type CheckId, type VerificationResult } from '../../../lib/verify/verify.js';
import { BUCKET, KEY_ARN, KEY_ID, ORIGIN, VENDOR, awsError, expectation, fakeTime, kmsMock, makeDeps, programGoodBucket, s3Mock } from './fake-bucket.js';

const byId = (result: VerificationResult) => Object.fromEntries(result.checks.map((c) => [c.id, c])) as Record<CheckId, VerificationResult['checks'][number]>;
const notPassed = (result: VerificationResult) => result.checks.filter((c) => c.status !== 'passed').map((c) => c.id);

afterEach(() => {
  s3Mock.reset();
  kmsMock.reset();
  vi.useRealTimers();
});

describe('verifyBucket on a correctly configured bucket', () => {
  beforeEach(() => {
    programGoodBucket();
  });

  it('passes every check, in the documented order, with timing', async () => {
    // Prepare
    const time = fakeTime();

    // Act
    const result = await verifyBucket(makeDeps(time), expectation());

    // Assess
    expect(result.status).toBe('passed');
    expect(result.checks.map((c) => c.id)).toEqual([...CHECK_IDS]);
    expect(result.checks.every((c) => c.status === 'passed' && c.remediation === undefined && c.detail.length > 0)).toBe(true);
    expect(result.skipped).toEqual([]);
    expect(result.checkedAt).toBe('2026-01-01T00:00:00.000Z');
    expect(result.durationMs).toBe(0);
  });

  it('probes with SSE-KMS under the reserved prefix and deletes every version it made', async () => {
    const result = await verifyBucket(makeDeps(), expectation());

    expect(byId(result).probe.detail).toContain('nothing is left');
    expect(s3Mock).toHaveReceivedCommandWith(PutObjectCommand, {
      Bucket: BUCKET,
      Key: '.byob-verify/test-run-1',
      ServerSideEncryption: 'aws:kms',
      SSEKMSKeyId: KEY_ARN,
      ContentMD5: expect.any(String),
    });
    expect(s3Mock).toHaveReceivedCommandWith(DeleteObjectCommand, { Bucket: BUCKET, Key: '.byob-verify/test-run-1', VersionId: 'v1' });
    expect(s3Mock).toHaveReceivedCommandTimes(ListObjectVersionsCommand, 2);
  });

  it('probes with AES256 and skips the KMS checks for SSE-S3', async () => {
    s3Mock.on(GetBucketEncryptionCommand).resolves({ ServerSideEncryptionConfiguration: { Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] } });

    const result = await verifyBucket(makeDeps(), expectation({ encryption: { type: 'sse-s3' } }));

    expect(result.status).toBe('passed');
    expect(result.skipped.map((s) => s.id)).toEqual(['kms-key', 'kms-generate-data-key']);
    expect(s3Mock).toHaveReceivedCommandWith(PutObjectCommand, { ServerSideEncryption: 'AES256' });
    expect(kmsMock).not.toHaveReceivedAnyCommand();
  });

  it('skips the AWS-only checks for an S3-compatible target and what is not asked for', async () => {
    const result = await verifyBucket(makeDeps(undefined, { kms: undefined }), expectation({ target: 's3-compatible', encryption: null, requiredOrigins: [], probe: false }));

    expect(result.checks.map((c) => c.id)).toEqual(['bucket-location', 'versioning']);
    expect(result.skipped.map((s) => s.id)).toEqual(['encryption', 'cors', 'public-access-block', 'ownership', 'bucket-policy', 'kms-key', 'kms-generate-data-key', 'probe']);
    expect(result.skipped.every((s) => s.reason.length > 0)).toBe(true);
  });
});

describe('bucket-location', () => {
  it.each([
    [null, 'us-east-1'],
    [undefined, 'us-east-1'],
    ['', 'us-east-1'],
    ['EU', 'eu-west-1'],
    ['ap-south-2', 'ap-south-2'],
  ])('reads LocationConstraint %j as %s', (constraint, region) => {
    expect(regionFromLocationConstraint(constraint)).toBe(region);
  });

  it('passes a us-east-1 bucket whose location answers null', async () => {
    programGoodBucket();
    s3Mock.on(GetBucketLocationCommand).resolves({ LocationConstraint: null as unknown as undefined });

    const result = await verifyBucket(makeDeps(), expectation({ region: 'us-east-1' }));

    expect(byId(result)['bucket-location']).toMatchObject({ status: 'passed', detail: expect.stringContaining('us-east-1') });
  });

  it('fails a bucket in another region with a remediation', async () => {
    programGoodBucket();
    s3Mock.on(GetBucketLocationCommand).resolves({ LocationConstraint: 'eu-central-1' });

    const result = await verifyBucket(makeDeps(), expectation());

    expect(notPassed(result)).toEqual(['bucket-location']);
    expect(byId(result)['bucket-location']).toMatchObject({ status: 'failed', detail: 'Bucket acme-omega-artifacts is in eu-central-1, expected eu-west-1.', remediation: expect.stringContaining('eu-central-1') });
  });
});

describe('single misconfigurations fail exactly their check', () => {
  beforeEach(() => {
    programGoodBucket();
  });

  it.each<[string, () => void, CheckId, 'failed' | 'warning', RegExp]>([
    ['versioning suspended', () => s3Mock.on(GetBucketVersioningCommand).resolves({ Status: 'Suspended' }), 'versioning', 'failed', /suspended/],
    ['versioning never enabled', () => s3Mock.on(GetBucketVersioningCommand).resolves({}), 'versioning', 'failed', /never been enabled/],
    ['CORS without PUT', () => s3Mock.on(GetBucketCorsCommand).resolves({ CORSRules: [{ AllowedOrigins: ['*'], AllowedMethods: ['GET', 'HEAD'], ExposeHeaders: ['ETag'] }] }), 'cors', 'failed', /PUT from https:\/\/app\.example\.com/],
    ['CORS not exposing ETag', () => s3Mock.on(GetBucketCorsCommand).resolves({ CORSRules: [{ AllowedOrigins: [ORIGIN], AllowedMethods: ['GET', 'HEAD', 'PUT'] }] }), 'cors', 'failed', /does not expose ETag/],
    ['CORS for another origin', () => s3Mock.on(GetBucketCorsCommand).resolves({ CORSRules: [{ AllowedOrigins: ['https://other.example.com'], AllowedMethods: ['GET', 'HEAD', 'PUT'], ExposeHeaders: ['ETag'] }] }), 'cors', 'failed', /no rule allows GET from/],
    ['one public access setting off', () => s3Mock.on(GetPublicAccessBlockCommand).resolves({ PublicAccessBlockConfiguration: { BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: false, RestrictPublicBuckets: true } }), 'public-access-block', 'failed', /BlockPublicPolicy is off/],
    ['ownership ObjectWriter', () => s3Mock.on(GetBucketOwnershipControlsCommand).resolves({ OwnershipControls: { Rules: [{ ObjectOwnership: 'ObjectWriter' }] } }), 'ownership', 'failed', /ObjectWriter/],
    ['bucket key off', () => s3Mock.on(GetBucketEncryptionCommand).resolves({ ServerSideEncryptionConfiguration: { Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: KEY_ARN }, BucketKeyEnabled: false }] } }), 'encryption', 'warning', /bucket key is off/],
    ['SSE-S3 where KMS is expected', () => s3Mock.on(GetBucketEncryptionCommand).resolves({ ServerSideEncryptionConfiguration: { Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] } }), 'encryption', 'failed', /AES256/],
    ['the AWS managed key', () => s3Mock.on(GetBucketEncryptionCommand).resolves({ ServerSideEncryptionConfiguration: { Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms' }, BucketKeyEnabled: true }] } }), 'encryption', 'failed', /aws\/s3/],
    ['key disabled', () => kmsMock.on(DescribeKeyCommand).resolves({ KeyMetadata: { KeyId: KEY_ID, Arn: KEY_ARN, Enabled: false, KeyState: 'Disabled', KeyUsage: 'ENCRYPT_DECRYPT', KeySpec: 'SYMMETRIC_DEFAULT' } }), 'kms-key', 'failed', /not enabled/],
    ['key pending deletion', () => kmsMock.on(DescribeKeyCommand).resolves({ KeyMetadata: { KeyId: KEY_ID, Arn: KEY_ARN, Enabled: false, KeyState: 'PendingDeletion', KeyUsage: 'ENCRYPT_DECRYPT' } }), 'kms-key', 'failed', /scheduled for deletion/],
    ['key for signing', () => kmsMock.on(DescribeKeyCommand).resolves({ KeyMetadata: { KeyId: KEY_ID, Arn: KEY_ARN, Enabled: true, KeyState: 'Enabled', KeyUsage: 'SIGN_VERIFY', KeySpec: 'RSA_2048' } }), 'kms-key', 'failed', /SIGN_VERIFY/],
    ['key rotation off', () => kmsMock.on(GetKeyRotationStatusCommand).resolves({ KeyRotationEnabled: false }), 'kms-key', 'failed', /rotation is off/],
    ['AWS managed key', () => kmsMock.on(DescribeKeyCommand).resolves({ KeyMetadata: { KeyId: KEY_ID, Arn: KEY_ARN, Enabled: true, KeyState: 'Enabled', KeyUsage: 'ENCRYPT_DECRYPT', KeySpec: 'SYMMETRIC_DEFAULT', KeyManager: 'AWS' } }), 'kms-key', 'failed', /AWS managed/],
  ])('%s', async (_, breakIt, id, status, detail) => {
    // Prepare
    breakIt();

    // Act
    const result = await verifyBucket(makeDeps(), expectation());

    // Assess
    expect(notPassed(result)).toEqual([id]);
    expect(byId(result)[id]).toMatchObject({ status, detail: expect.stringMatching(detail), remediation: expect.any(String) });
    expect(result.status).toBe(status);
  });

  // moto does not enforce key policies, so a vendor without a key-policy statement or grant can only be shown here.
  it('a customer key without a grant for the vendor fails kms-generate-data-key', async () => {
    kmsMock.on(GenerateDataKeyCommand).rejects(awsError('AccessDeniedException', 400, `User: arn:aws:sts::830241207209:assumed-role/verifier/x is not authorized to perform: kms:GenerateDataKey on resource: ${KEY_ARN}`));

    const result = await verifyBucket(makeDeps(), expectation());

    expect(notPassed(result)).toEqual(['kms-generate-data-key']);
    expect(byId(result)['kms-generate-data-key']).toMatchObject({
      status: 'failed',
      detail: expect.stringContaining('grant for the vendor is missing'),
      remediation: expect.stringContaining(`Add ${VENDOR} to the key policy`),
    });
    expect(byId(result)['kms-generate-data-key'].detail).not.toContain('assumed-role');
  });

  it('a probe that S3 refuses because of the key names the KMS permission', async () => {
    s3Mock.on(PutObjectCommand).rejects(awsError('AccessDenied', 403, `User is not authorized to perform: kms:GenerateDataKey on resource ${KEY_ARN}`));

    const result = await verifyBucket(makeDeps(), expectation());

    expect(notPassed(result)).toEqual(['probe']);
    expect(byId(result).probe).toMatchObject({ status: 'failed', detail: expect.stringContaining('(kms:GenerateDataKey)'), remediation: expect.stringContaining('key policy') });
  });

  it('a probe whose versions cannot be deleted reports what is left', async () => {
    s3Mock.on(DeleteObjectCommand).rejects(awsError('AccessDenied', 403));

    const result = await verifyBucket(makeDeps(), expectation());

    expect(notPassed(result)).toEqual(['probe']);
    expect(byId(result).probe).toMatchObject({
      status: 'failed',
      detail: expect.stringMatching(/cleaning it up failed: Access denied: the verifier may not call DeleteObjectVersion \(s3:DeleteObjectVersion/),
      remediation: expect.stringContaining('s3:DeleteObjectVersion'),
    });
  });

  it('a probe that reads back different bytes fails', async () => {
    const { versions } = programGoodBucket();
    s3Mock.on(PutObjectCommand).callsFake((input: { Key: string }) => {
      versions.set(input.Key, [{ versionId: 'v1', body: new TextEncoder().encode('something else'), marker: false }]);
      return { VersionId: 'v1' };
    });

    const result = await verifyBucket(makeDeps(), expectation());

    expect(byId(result).probe).toMatchObject({ status: 'failed' });
    expect(versions.get('.byob-verify/test-run-1')).toEqual([]);
  });
});

describe('encryption key matching', () => {
  beforeEach(() => {
    programGoodBucket();
  });

  const withConfiguredKey = (KMSMasterKeyID: string) =>
    s3Mock.on(GetBucketEncryptionCommand).resolves({ ServerSideEncryptionConfiguration: { Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID }, BucketKeyEnabled: true }] } });
  const encryptionCheck = async () => byId(await verifyBucket(makeDeps(), expectation())).encryption;

  it('matches the bare key id without asking KMS', async () => {
    withConfiguredKey(KEY_ID);
    expect(await encryptionCheck()).toMatchObject({ status: 'passed', detail: expect.stringContaining(`named as ${KEY_ID}`) });
    expect(kmsMock).not.toHaveReceivedCommandWith(DescribeKeyCommand, { KeyId: KEY_ID });
  });

  it('fails another key ARN, and the same key id in another account', async () => {
    withConfiguredKey(`arn:aws:kms:eu-west-1:111122223333:key/ffffffff-12ab-34cd-56ef-1234567890ab`);
    expect(await encryptionCheck()).toMatchObject({ status: 'failed', detail: expect.stringContaining('expected') });
    withConfiguredKey(`arn:aws:kms:eu-west-1:444455556666:key/${KEY_ID}`);
    expect(await encryptionCheck()).toMatchObject({ status: 'failed' });
  });

  it('resolves an alias in the bucket owner account with DescribeKey', async () => {
    withConfiguredKey('alias/byob');
    kmsMock.on(DescribeKeyCommand, { KeyId: 'arn:aws:kms:eu-west-1:111122223333:alias/byob' }).resolves({ KeyMetadata: { KeyId: KEY_ID, Arn: KEY_ARN } });

    expect(await encryptionCheck()).toMatchObject({ status: 'passed', detail: expect.stringContaining('named as alias/byob') });
  });

  it('fails an alias that points at another key', async () => {
    const other = 'arn:aws:kms:eu-west-1:111122223333:key/99999999-12ab-34cd-56ef-1234567890ab';
    withConfiguredKey('arn:aws:kms:eu-west-1:111122223333:alias/elsewhere');
    kmsMock.on(DescribeKeyCommand, { KeyId: 'arn:aws:kms:eu-west-1:111122223333:alias/elsewhere' }).resolves({ KeyMetadata: { KeyId: '99999999-12ab-34cd-56ef-1234567890ab', Arn: other } });

    expect(await encryptionCheck()).toMatchObject({ status: 'failed', detail: expect.stringContaining(other) });
  });

  it('warns when an alias cannot be resolved', async () => {
    withConfiguredKey('alias/byob');
    kmsMock.on(DescribeKeyCommand, { KeyId: 'arn:aws:kms:eu-west-1:111122223333:alias/byob' }).rejects(awsError('AccessDeniedException'));

    expect(await encryptionCheck()).toMatchObject({ status: 'warning', detail: expect.stringContaining('AccessDeniedException'), remediation: expect.stringContaining('ARN') });
  });

  it('fails KMS where SSE-S3 is expected', async () => {
    const result = await verifyBucket(makeDeps(), expectation({ encryption: { type: 'sse-s3' } }));
    expect(byId(result).encryption).toMatchObject({ status: 'failed', detail: expect.stringContaining('aws:kms') });
  });
});

describe('AWS errors become failed checks', () => {
  beforeEach(() => {
    programGoodBucket();
  });

  it.each<[string, () => void, CheckId, RegExp]>([
    ['NoSuchBucket', () => s3Mock.on(GetBucketVersioningCommand).rejects(awsError('NoSuchBucket', 404)), 'versioning', /does not exist/],
    ['NoSuchCORSConfiguration', () => s3Mock.on(GetBucketCorsCommand).rejects(awsError('NoSuchCORSConfiguration', 404)), 'cors', /no CORS configuration/],
    ['ServerSideEncryptionConfigurationNotFoundError', () => s3Mock.on(GetBucketEncryptionCommand).rejects(awsError('ServerSideEncryptionConfigurationNotFoundError', 404)), 'encryption', /no default encryption/],
    ['NoSuchPublicAccessBlockConfiguration', () => s3Mock.on(GetPublicAccessBlockCommand).rejects(awsError('NoSuchPublicAccessBlockConfiguration', 404)), 'public-access-block', /no public access block/],
    ['OwnershipControlsNotFoundError', () => s3Mock.on(GetBucketOwnershipControlsCommand).rejects(awsError('OwnershipControlsNotFoundError', 404)), 'ownership', /no object ownership controls/],
    ['S3 AccessDenied', () => s3Mock.on(GetPublicAccessBlockCommand).rejects(awsError('AccessDenied', 403)), 'public-access-block', /s3:GetBucketPublicAccessBlock on arn:aws:s3:::acme-omega-artifacts/],
    ['PermanentRedirect', () => s3Mock.on(GetBucketVersioningCommand).rejects(awsError('PermanentRedirect', 301)), 'versioning', /is not in eu-west-1/],
    ['KMS NotFoundException', () => kmsMock.on(DescribeKeyCommand).rejects(awsError('NotFoundException')), 'kms-key', /does not exist/],
    ['KMS AccessDenied on rotation', () => kmsMock.on(GetKeyRotationStatusCommand).rejects(awsError('AccessDeniedException')), 'kms-key', /kms:GetKeyRotationStatus/],
    ['KMS DisabledException', () => kmsMock.on(GenerateDataKeyCommand).rejects(awsError('DisabledException')), 'kms-generate-data-key', /is disabled/],
    ['KMS KMSInvalidStateException', () => kmsMock.on(GenerateDataKeyCommand).rejects(awsError('KMSInvalidStateException')), 'kms-generate-data-key', /pending deletion/],
    ['NotImplemented on an SSE put (S3-compatible store)', () => s3Mock.on(PutObjectCommand).rejects(awsError('NotImplemented', 501)), 'probe', /does not implement PutObject with SSE-KMS/],
    ['a network error', () => s3Mock.on(GetBucketCorsCommand).rejects(Object.assign(new Error('connect ECONNREFUSED 10.0.0.1:443'), { code: 'ECONNREFUSED' })), 'cors', /Could not reach/],
    ['an unknown error', () => s3Mock.on(GetBucketCorsCommand).rejects(awsError('InternalError', 500, 'secret internals')), 'cors', /GetBucketCors failed: InternalError \(HTTP 500\)/],
  ])('%s', async (_, breakIt, id, detail) => {
    breakIt();

    const result = await verifyBucket(makeDeps(), expectation());

    expect(notPassed(result)).toEqual([id]);
    const check = byId(result)[id];
    expect(check).toMatchObject({ status: 'failed', detail: expect.stringMatching(detail), remediation: expect.any(String) });
    expect(check.detail).not.toContain('secret internals');
    expect(check.remediation?.length).toBeGreaterThan(10);
  });

  it('a thrown non-AWS error is a failed check too', async () => {
    s3Mock.on(GetBucketCorsCommand).callsFake(() => {
      throw new TypeError('boom');
    });

    const result = await verifyBucket(makeDeps(), expectation());

    expect(byId(result).cors).toMatchObject({ status: 'failed', remediation: expect.any(String) });
  });
});

describe('time budget', () => {
  it('fails a hanging check with a timeout detail, keeps the others, and aborts the call', async () => {
    // Prepare
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    programGoodBucket();
    s3Mock.on(GetBucketVersioningCommand).callsFake(() => new Promise(() => undefined));
    const time = fakeTime();
    const deps = makeDeps(time);

    // Act
    const pending = verifyBucket(deps, expectation());
    await vi.advanceTimersByTimeAsync(DEFAULT_BUDGET_MS - 1);
    let settled = false;
    void pending.then(() => (settled = true));
    await vi.advanceTimersByTimeAsync(0);
    expect(settled).toBe(false);
    time.advance(DEFAULT_BUDGET_MS);
    await vi.advanceTimersByTimeAsync(1);
    const result = await pending;

    // Assess
    expect(notPassed(result)).toEqual(['versioning']);
    expect(byId(result).versioning).toMatchObject({ status: 'failed', detail: 'Did not finish within the 20000 ms verification budget (waiting for GetBucketVersioning).', remediation: expect.any(String) });
    expect(result.durationMs).toBe(DEFAULT_BUDGET_MS);
    const versioningCall = s3Mock.commandCalls(GetBucketVersioningCommand)[0];
    const options = (versioningCall?.args as unknown[] | undefined)?.[1] as { abortSignal?: AbortSignal } | undefined;
    expect(options?.abortSignal?.aborted).toBe(true);
  });

  it('honours a smaller budget', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    programGoodBucket();
    kmsMock.on(GenerateDataKeyCommand).callsFake(() => new Promise(() => undefined));

    const pending = verifyBucket(makeDeps(), expectation(), { budgetMs: 1500 });
    await vi.advanceTimersByTimeAsync(1500);
    const result = await pending;

    expect(byId(result)['kms-generate-data-key'].detail).toContain('1500 ms');
    expect(notPassed(result)).toEqual(['kms-generate-data-key']);
  });
});

describe('retry with back-off', () => {
  it('re-runs a failing check until it passes, doubling the wait', async () => {
    // Prepare
    programGoodBucket();
    s3Mock
      .on(GetBucketCorsCommand)
      .rejectsOnce(awsError('NoSuchCORSConfiguration', 404))
      .rejectsOnce(awsError('NoSuchCORSConfiguration', 404))
      .resolves({ CORSRules: [{ AllowedOrigins: ['*'], AllowedMethods: ['GET', 'HEAD', 'PUT'], ExposeHeaders: ['ETag'] }] });
    const time = fakeTime();

    // Act
    const result = await verifyBucket(makeDeps(time), expectation(), { retryForMs: 30_000 });

    // Assess
    expect(result.status).toBe('passed');
    expect(byId(result).cors.detail).toContain('(after 3 attempts)');
    expect(time.sleeps).toEqual([500, 1000]);
    expect(s3Mock).toHaveReceivedCommandTimes(GetBucketCorsCommand, 3);
  });

  it('gives up when the retry time is used', async () => {
    programGoodBucket();
    s3Mock.on(GetBucketVersioningCommand).resolves({ Status: 'Suspended' });
    const time = fakeTime();

    const result = await verifyBucket(makeDeps(time), expectation(), { retryForMs: 10_000 });

    expect(time.sleeps).toEqual([500, 1000, 2000, 4000]);
    expect(byId(result).versioning).toMatchObject({ status: 'failed', detail: 'Versioning is suspended. (after 5 attempts)' });
  });

  it('does not retry by default, nor retry warnings', async () => {
    programGoodBucket();
    s3Mock.on(GetBucketVersioningCommand).resolves({ Status: 'Suspended' });
    s3Mock.on(GetBucketEncryptionCommand).resolves({ ServerSideEncryptionConfiguration: { Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: KEY_ARN } }] } });
    const time = fakeTime();

    const first = await verifyBucket(makeDeps(time), expectation());
    expect(time.sleeps).toEqual([]);
    expect(s3Mock).toHaveReceivedCommandTimes(GetBucketVersioningCommand, 1);

    s3Mock.on(GetBucketVersioningCommand).resolves({ Status: 'Enabled' });
    await verifyBucket(makeDeps(time), expectation(), { retryForMs: 10_000 });
    expect(time.sleeps).toEqual([]);
    expect(first.status).toBe('failed');
  });

  it('uses a fresh probe object on each attempt and cleans each up', async () => {
    const { versions, putObject } = programGoodBucket();
    let puts = 0;
    s3Mock.on(PutObjectCommand).callsFake((input: Parameters<typeof putObject>[0]) => {
      if (++puts === 1) throw awsError('AccessDenied', 403);
      return putObject(input);
    });
    let n = 0;
    const time = fakeTime();

    const result = await verifyBucket(makeDeps(time, { randomId: () => `run-${++n}` }), expectation(), { retryForMs: 5_000 });

    expect(byId(result).probe).toMatchObject({ status: 'passed' });
    expect(s3Mock).toHaveReceivedCommandWith(PutObjectCommand, { Key: '.byob-verify/run-1' });
    expect(s3Mock).toHaveReceivedCommandWith(PutObjectCommand, { Key: '.byob-verify/run-2' });
    expect([...versions.values()].flat()).toEqual([]);
  });
});

describe('overallStatus', () => {
  it('is failed over warning over passed', () => {
    expect(overallStatus([{ status: 'passed' }, { status: 'warning' }, { status: 'failed' }])).toBe('failed');
    expect(overallStatus([{ status: 'passed' }, { status: 'warning' }])).toBe('warning');
    expect(overallStatus([{ status: 'passed' }])).toBe('passed');
  });
});
