import { DeleteObjectCommand, GetBucketEncryptionCommand, ListObjectVersionsCommand, ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import 'aws-sdk-client-mock-vitest/extend';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { verifyBucket } from '../../../lib/verify/runner.js';
import { BUCKET, KEY_ARN, awsError, byId, expectation, fakeTime, kmsMock, makeDeps, notPassed, programGoodBucket, s3Mock } from './fake-bucket.js';

afterEach(() => {
  s3Mock.reset();
  kmsMock.reset();
});

describe('the probe on a correctly configured bucket', () => {
  beforeEach(() => {
    programGoodBucket();
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

  it('sends no encryption header when no encryption is expected', async () => {
    const result = await verifyBucket(makeDeps(undefined, { kms: undefined }), expectation({ target: 's3-compatible', encryption: null }));

    expect(byId(result).probe).toMatchObject({ status: 'passed' });
    const put = s3Mock.commandCalls(PutObjectCommand)[0]?.args[0].input;
    expect(put).toMatchObject({ Bucket: BUCKET, Key: '.byob-verify/test-run-1' });
    expect(put?.ServerSideEncryption).toBeUndefined();
    expect(put?.SSEKMSKeyId).toBeUndefined();
  });

  it('keeps only safe characters of the run id in the object key', async () => {
    await verifyBucket(makeDeps(undefined, { randomId: () => '../a b/c' }), expectation());

    expect(s3Mock).toHaveReceivedCommandWith(PutObjectCommand, { Key: '.byob-verify/..abc' });
  });
});

describe('the probe on a misbehaving bucket', () => {
  it('a probe whose versions cannot be deleted reports what is left', async () => {
    programGoodBucket();
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

  it('names the versions that survive deleting', async () => {
    programGoodBucket();
    s3Mock.on(DeleteObjectCommand).resolves({});

    const result = await verifyBucket(makeDeps(), expectation());

    expect(byId(result).probe).toMatchObject({
      status: 'failed',
      detail: 'Wrote, read back and listed .byob-verify/test-run-1, but version v1 is left after deleting.',
      remediation: expect.stringContaining(`list-object-versions --bucket ${BUCKET} --prefix .byob-verify/test-run-1`),
    });
  });

  it('falls back to a plain delete on a store without version listing', async () => {
    const { versions } = programGoodBucket();
    s3Mock.on(ListObjectVersionsCommand).rejects(awsError('NotImplemented', 501));
    s3Mock.on(DeleteObjectCommand).callsFake((input: { Key: string }) => {
      versions.delete(input.Key);
      return {};
    });

    const result = await verifyBucket(makeDeps(), expectation());

    expect(byId(result).probe).toMatchObject({ status: 'passed', detail: expect.stringContaining('deleted all 1 version(s)') });
    expect(s3Mock).toHaveReceivedCommandWith(DeleteObjectCommand, { Bucket: BUCKET, Key: '.byob-verify/test-run-1' });
    expect(s3Mock).toHaveReceivedCommandTimes(ListObjectsV2Command, 2);
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
