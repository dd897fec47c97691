import { DescribeKeyCommand, GenerateDataKeyCommand, GetKeyRotationStatusCommand } from '@aws-sdk/client-kms';
import 'aws-sdk-client-mock-vitest/extend';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CheckId } from '../../../lib/verify/checks.js';
import { verifyBucket } from '../../../lib/verify/runner.js';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { KEY_ARN, KEY_ID, awsError, byId, expectOnlyCheckNotPassed, expectation, kmsMock, makeDeps, notPassed, programGoodBucket, s3Mock } from './fake-bucket.js';

afterEach(() => {
  s3Mock.reset();
  kmsMock.reset();
});

describe('single key misconfigurations fail exactly their check', () => {
  beforeEach(() => {
    programGoodBucket();
  });

  it.each<[string, () => void, CheckId, 'failed' | 'warning', RegExp]>([
    ['key disabled', () => kmsMock.on(DescribeKeyCommand).resolves({ KeyMetadata: { KeyId: KEY_ID, Arn: KEY_ARN, Enabled: false, KeyState: 'Disabled', KeyUsage: 'ENCRYPT_DECRYPT', KeySpec: 'SYMMETRIC_DEFAULT' } }), 'kms-key', 'failed', /not enabled/],
    ['key pending deletion', () => kmsMock.on(DescribeKeyCommand).resolves({ KeyMetadata: { KeyId: KEY_ID, Arn: KEY_ARN, Enabled: false, KeyState: 'PendingDeletion', KeyUsage: 'ENCRYPT_DECRYPT' } }), 'kms-key', 'failed', /scheduled for deletion/],
    ['key for signing', () => kmsMock.on(DescribeKeyCommand).resolves({ KeyMetadata: { KeyId: KEY_ID, Arn: KEY_ARN, Enabled: true, KeyState: 'Enabled', KeyUsage: 'SIGN_VERIFY', KeySpec: 'RSA_2048' } }), 'kms-key', 'failed', /SIGN_VERIFY/],
    ['key rotation off', () => kmsMock.on(GetKeyRotationStatusCommand).resolves({ KeyRotationEnabled: false }), 'kms-key', 'failed', /rotation is off/],
    ['AWS managed key', () => kmsMock.on(DescribeKeyCommand).resolves({ KeyMetadata: { KeyId: KEY_ID, Arn: KEY_ARN, Enabled: true, KeyState: 'Enabled', KeyUsage: 'ENCRYPT_DECRYPT', KeySpec: 'SYMMETRIC_DEFAULT', KeyManager: 'AWS' } }), 'kms-key', 'failed', /AWS managed/],
    ['an asymmetric encryption key', () => kmsMock.on(DescribeKeyCommand).resolves({ KeyMetadata: { KeyId: KEY_ID, Arn: KEY_ARN, Enabled: true, KeyState: 'Enabled', KeyUsage: 'ENCRYPT_DECRYPT', KeySpec: 'RSA_4096', KeyManager: 'CUSTOMER' } }), 'kms-key', 'failed', /RSA_4096; S3 encrypts only with symmetric/],
  ])('%s', async (_, breakIt, id, status, detail) => {
    // Prepare
    breakIt();

    // Act, Assess
    await expectOnlyCheckNotPassed(id, status, detail);
  });
});

describe('a key that cannot be used', () => {
  beforeEach(() => {
    programGoodBucket();
  });

  it('pending deletion: names the date, and carries cancel-key-deletion then enable-key', async () => {
    kmsMock.on(DescribeKeyCommand).resolves({ KeyMetadata: { KeyId: KEY_ID, Arn: KEY_ARN, Enabled: false, KeyState: 'PendingDeletion', DeletionDate: new Date('2026-12-31T00:00:00Z'), KeyUsage: 'ENCRYPT_DECRYPT' } });

    const check = byId(await verifyBucket(makeDeps(), expectation()))['kms-key'];

    expect(check).toMatchObject({ status: 'failed', detail: expect.stringContaining('scheduled for deletion on 2026-12-31T00:00:00.000Z') });
    expect(check.commands).toEqual([`aws kms cancel-key-deletion --key-id ${KEY_ARN} --region eu-west-1`, `aws kms enable-key --key-id ${KEY_ARN} --region eu-west-1`]);
  });

  it('disabled: on AWS GenerateDataKey and the probe fail too, and are set aside as following from kms-key', async () => {
    // Prepare: what AWS answers for a disabled key (moto still serves it, see tests/integration/verify)
    kmsMock.on(DescribeKeyCommand).resolves({ KeyMetadata: { KeyId: KEY_ID, Arn: KEY_ARN, Enabled: false, KeyState: 'Disabled', KeyUsage: 'ENCRYPT_DECRYPT', KeySpec: 'SYMMETRIC_DEFAULT' } });
    kmsMock.on(GenerateDataKeyCommand).rejects(awsError('DisabledException'));
    s3Mock.on(PutObjectCommand).rejects(awsError('KMS.DisabledException', 400));

    // Act
    const result = await verifyBucket(makeDeps(), expectation());

    // Assess
    expect(notPassed(result)).toEqual(['kms-key']);
    expect(byId(result)['kms-key'].commands).toEqual([`aws kms enable-key --key-id ${KEY_ARN} --region eu-west-1`]);
    expect(result.skipped.map((s) => s.id)).toEqual(['kms-generate-data-key', 'probe']);
  });

  it('a GenerateDataKey that fails for the key state while kms-key passed is still reported', async () => {
    kmsMock.on(GenerateDataKeyCommand).rejects(awsError('DisabledException'));

    const result = await verifyBucket(makeDeps(), expectation());

    expect(notPassed(result)).toEqual(['kms-generate-data-key']);
  });
});

describe('kms-generate-data-key', () => {
  it('passes with a 32-byte data key, and does not keep it', async () => {
    // Prepare
    programGoodBucket();
    const plaintext = new Uint8Array(32).fill(7);
    kmsMock.on(GenerateDataKeyCommand).resolves({ Plaintext: plaintext, CiphertextBlob: new Uint8Array(64), KeyId: KEY_ARN });

    // Act
    const result = await verifyBucket(makeDeps(), expectation());

    // Assess
    expect(byId(result)['kms-generate-data-key']).toMatchObject({ status: 'passed', detail: `The verifier can generate data keys with ${KEY_ARN}.` });
    expect(kmsMock).toHaveReceivedCommandWith(GenerateDataKeyCommand, { KeyId: KEY_ARN, KeySpec: 'AES_256' });
    expect(plaintext.every((b) => b === 0)).toBe(true);
  });

  it('fails a data key of the wrong length', async () => {
    programGoodBucket();
    kmsMock.on(GenerateDataKeyCommand).resolves({ Plaintext: new Uint8Array(16), CiphertextBlob: new Uint8Array(64), KeyId: KEY_ARN });

    await expectOnlyCheckNotPassed('kms-generate-data-key', 'failed', /returned a 16-byte key, expected 32/);
  });
});
