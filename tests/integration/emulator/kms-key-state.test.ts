import { CancelKeyDeletionCommand, CreateKeyCommand, DescribeKeyCommand, DisableKeyCommand, EnableKeyCommand, ScheduleKeyDeletionCommand } from '@aws-sdk/client-kms';
import { describe, expect, inject, it } from 'vitest';
import { clients } from './emulator-support.js';

// scripts/emulator/byob_moto/kms_key_state.py: the key-state operations take a key ARN, as on AWS
// (the product's remediation commands name keys by ARN).
const { kms } = clients(inject('emulatorEndpoint'));
const state = async (KeyId: string) => (await kms.send(new DescribeKeyCommand({ KeyId }))).KeyMetadata!;

describe('KMS key state operations by key ARN', () => {
  it('DisableKey, ScheduleKeyDeletion, CancelKeyDeletion and EnableKey, each given the ARN', async () => {
    const { Arn } = (await kms.send(new CreateKeyCommand({}))).KeyMetadata!;

    await kms.send(new DisableKeyCommand({ KeyId: Arn }));
    expect(await state(Arn!)).toMatchObject({ Enabled: false, KeyState: 'Disabled' });

    await kms.send(new ScheduleKeyDeletionCommand({ KeyId: Arn, PendingWindowInDays: 7 }));
    expect(await state(Arn!)).toMatchObject({ KeyState: 'PendingDeletion', DeletionDate: expect.any(Date) });

    await kms.send(new CancelKeyDeletionCommand({ KeyId: Arn }));
    expect(await state(Arn!)).toMatchObject({ KeyState: 'Disabled' });

    await kms.send(new EnableKeyCommand({ KeyId: Arn }));
    expect(await state(Arn!)).toMatchObject({ Enabled: true, KeyState: 'Enabled' });
  });

  it('a key id still works', async () => {
    const { KeyId } = (await kms.send(new CreateKeyCommand({}))).KeyMetadata!;

    await kms.send(new DisableKeyCommand({ KeyId }));

    expect(await state(KeyId!)).toMatchObject({ KeyState: 'Disabled' });
  });
});
