import { GetBucketEncryptionCommand } from '@aws-sdk/client-s3';
import { DescribeKeyCommand } from '@aws-sdk/client-kms';
import 'aws-sdk-client-mock-vitest/extend';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CheckId } from '../../../lib/verify/checks.js';
import { matchKmsKey } from '../../../lib/verify/encryption-check.js';
import { verifyBucket } from '../../../lib/verify/runner.js';
import { ACCOUNT, KEY_ARN, KEY_ID, REGION, awsError, byId, expectOnlyCheckNotPassed, expectation, kmsMock, makeDeps, programGoodBucket, s3Mock } from './fake-bucket.js';

afterEach(() => {
  s3Mock.reset();
  kmsMock.reset();
});

describe('single encryption misconfigurations fail exactly the encryption check', () => {
  beforeEach(() => {
    programGoodBucket();
  });

  it.each<[string, () => void, CheckId, 'failed' | 'warning', RegExp]>([
    ['bucket key off', () => s3Mock.on(GetBucketEncryptionCommand).resolves({ ServerSideEncryptionConfiguration: { Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: KEY_ARN }, BucketKeyEnabled: false }] } }), 'encryption', 'warning', /bucket key is off/],
    ['SSE-S3 where KMS is expected', () => s3Mock.on(GetBucketEncryptionCommand).resolves({ ServerSideEncryptionConfiguration: { Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] } }), 'encryption', 'failed', /AES256/],
    ['the AWS managed key', () => s3Mock.on(GetBucketEncryptionCommand).resolves({ ServerSideEncryptionConfiguration: { Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms' }, BucketKeyEnabled: true }] } }), 'encryption', 'failed', /aws\/s3/],
  ])('%s', async (_, breakIt, id, status, detail) => {
    // Prepare
    breakIt();

    // Act, Assess
    await expectOnlyCheckNotPassed(id, status, detail);
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

  it('warns on DSSE-KMS with the expected key, which has no bucket key', async () => {
    s3Mock.on(GetBucketEncryptionCommand).resolves({ ServerSideEncryptionConfiguration: { Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms:dsse', KMSMasterKeyID: KEY_ARN } }] } });

    expect(await encryptionCheck()).toMatchObject({ status: 'warning', detail: expect.stringContaining('DSSE-KMS with the expected key') });
  });
});

describe('matchKmsKey', () => {
  const OTHER_ID = '99999999-12ab-34cd-56ef-1234567890ab';

  it('compares key ids case-insensitively, and key ARNs by account, region and partition too', async () => {
    expect(await matchKmsKey(KEY_ID.toUpperCase(), KEY_ARN)).toEqual({ result: 'match' });
    expect(await matchKmsKey(KEY_ARN, KEY_ARN)).toEqual({ result: 'match' });
    expect(await matchKmsKey(OTHER_ID, KEY_ARN)).toEqual({ result: 'mismatch' });
    expect(await matchKmsKey(`arn:aws:kms:us-east-1:${ACCOUNT}:key/${KEY_ID}`, KEY_ARN)).toEqual({ result: 'mismatch' });
    expect(await matchKmsKey(`arn:aws-cn:kms:${REGION}:${ACCOUNT}:key/${KEY_ID}`, KEY_ARN)).toEqual({ result: 'mismatch' });
  });

  it('cannot resolve an alias without KMS', async () => {
    expect(await matchKmsKey('alias/byob', KEY_ARN)).toEqual({ result: 'unresolved', reason: 'an alias cannot be resolved without KMS access' });
  });

  it('qualifies a bare alias with the expected key account and region before describing it', async () => {
    const described: string[] = [];
    const describe = async (keyId: string) => {
      described.push(keyId);
      return KEY_ARN;
    };

    expect(await matchKmsKey('alias/byob', KEY_ARN, describe)).toEqual({ result: 'match', resolvedArn: KEY_ARN });
    expect(described).toEqual([`arn:aws:kms:${REGION}:${ACCOUNT}:alias/byob`, KEY_ARN]);
  });

  it('is unresolved when DescribeKey answers no ARN or fails', async () => {
    expect(await matchKmsKey('alias/byob', KEY_ARN, async () => undefined)).toEqual({ result: 'unresolved', reason: 'DescribeKey returned no ARN' });
    expect(await matchKmsKey('alias/byob', KEY_ARN, () => Promise.reject(awsError('NotFoundException')))).toEqual({ result: 'unresolved', reason: 'DescribeKey answered NotFoundException' });
  });
});
