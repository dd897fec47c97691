import { DescribeKeyCommand, GenerateDataKeyCommand, GetKeyRotationStatusCommand, type KMSClient } from '@aws-sdk/client-kms';
import { kmsKeyArnOf, type CheckId } from './checks.js';
import { failed, passed, type Check, type CheckContext, type Outcome } from './check-context.js';
import { cancelKeyDeletionCommands, enableKeyCommands, keyRotationCommands } from './cli-commands.js';

const checkKmsKey = async (ctx: CheckContext): Promise<Outcome> => {
  const { exp } = ctx;
  const kms = ctx.kms as KMSClient;
  const keyArn = kmsKeyArnOf(exp);
  const out = await ctx.call('DescribeKey', (o) => kms.send(new DescribeKeyCommand({ KeyId: keyArn }), o));
  const meta = out.KeyMetadata;
  if (!meta) return failed(`DescribeKey returned nothing for ${keyArn}.`, 'Retry the verification.');
  if (meta.KeyState === 'PendingDeletion' || meta.KeyState === 'PendingReplicaDeletion') {
    const when = meta.DeletionDate ? ` on ${meta.DeletionDate.toISOString()}` : '';
    return failed(
      `KMS key ${keyArn} is scheduled for deletion${when}: after that every object encrypted with it is unreadable, for good.`,
      `Cancel the deletion and enable the key: aws kms cancel-key-deletion --key-id ${keyArn}, then aws kms enable-key --key-id ${keyArn}`,
      cancelKeyDeletionCommands(exp),
    );
  }
  if (meta.Enabled !== true || (meta.KeyState !== undefined && meta.KeyState !== 'Enabled')) {
    return failed(`KMS key ${keyArn} is not enabled (state ${meta.KeyState ?? 'unknown'}).`, `Enable the key: aws kms enable-key --key-id ${keyArn}`, enableKeyCommands(exp));
  }
  if (meta.KeyUsage !== 'ENCRYPT_DECRYPT') {
    return failed(`KMS key ${keyArn} has key usage ${meta.KeyUsage ?? 'unknown'}, expected ENCRYPT_DECRYPT.`, 'Use a symmetric KMS key with key usage ENCRYPT_DECRYPT for the bucket.');
  }
  const spec = meta.KeySpec ?? meta.CustomerMasterKeySpec;
  if (spec !== undefined && spec !== 'SYMMETRIC_DEFAULT') {
    return failed(`KMS key ${keyArn} is ${spec}; S3 encrypts only with symmetric (SYMMETRIC_DEFAULT) keys.`, 'Use a symmetric KMS key with key usage ENCRYPT_DECRYPT for the bucket.');
  }
  if (meta.KeyManager === 'AWS') {
    return failed(`KMS key ${keyArn} is AWS managed; its key policy cannot grant the vendor account.`, 'Create a customer managed key, grant the vendor in its key policy, and use it for the bucket.');
  }
  const rotation = await ctx.call('GetKeyRotationStatus', (o) => kms.send(new GetKeyRotationStatusCommand({ KeyId: keyArn }), o));
  if (rotation.KeyRotationEnabled !== true) {
    return failed(`Automatic rotation is off for KMS key ${keyArn}.`, `Turn on rotation: aws kms enable-key-rotation --key-id ${keyArn}`, keyRotationCommands(exp));
  }
  return passed(`KMS key ${keyArn} is enabled, symmetric ENCRYPT_DECRYPT, customer managed, with rotation on.`);
};

const checkGenerateDataKey = async (ctx: CheckContext): Promise<Outcome> => {
  const kms = ctx.kms as KMSClient;
  const keyArn = kmsKeyArnOf(ctx.exp);
  const out = await ctx.call('GenerateDataKey', (o) => kms.send(new GenerateDataKeyCommand({ KeyId: keyArn, KeySpec: 'AES_256' }), o));
  const length = out.Plaintext?.length ?? 0;
  out.Plaintext?.fill(0);
  if (length !== 32) return failed(`GenerateDataKey with ${keyArn} returned a ${length}-byte key, expected 32.`, 'Use a symmetric KMS key with key usage ENCRYPT_DECRYPT for the bucket.');
  return passed(`The verifier can generate data keys with ${keyArn}.`);
};

/** The checks of the bucket's KMS key itself: its state and settings, and that the verifier can use it. */
export const KEY_CHECKS = {
  'kms-key': checkKmsKey,
  'kms-generate-data-key': checkGenerateDataKey,
} satisfies Partial<Record<CheckId, Check>>;
