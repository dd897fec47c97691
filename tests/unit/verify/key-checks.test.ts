import { DescribeKeyCommand, GenerateDataKeyCommand, GetKeyRotationStatusCommand } from '@aws-sdk/client-kms';
import 'aws-sdk-client-mock-vitest/extend';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CheckId } from '../../../lib/verify/checks.js';
import { verifyBucket } from '../../../lib/verify/runner.js';
import { KEY_ARN, KEY_ID, byId, expectOnlyCheckNotPassed, expectation, kmsMock, makeDeps, programGoodBucket, s3Mock } from './fake-bucket.js';

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
