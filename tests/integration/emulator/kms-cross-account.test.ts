import { CreateKeyCommand, DescribeKeyCommand, GenerateDataKeyCommand, NotFoundException } from '@aws-sdk/client-kms';
import { AssumeRoleCommand } from '@aws-sdk/client-sts';
import { describe, expect, inject, it } from 'vitest';
import { clients } from './emulator-support.js';

const endpoint = inject('emulatorEndpoint');

describe('KMS keys used across accounts by ARN (gap 18)', () => {
  it('a key of another account is found by its ARN (as the vendor verifies a customer key), not by its bare id', async () => {
    const vendor = clients(endpoint);
    const { Credentials: c } = await vendor.sts.send(new AssumeRoleCommand({ RoleArn: 'arn:aws:iam::111111111111:role/customer', RoleSessionName: 'kms' }));
    const customer = clients(endpoint, { accessKeyId: c!.AccessKeyId!, secretAccessKey: c!.SecretAccessKey!, sessionToken: c!.SessionToken! });
    const { KeyMetadata } = await customer.kms.send(new CreateKeyCommand({}));
    expect(KeyMetadata!.Arn).toMatch(/^arn:aws:kms:eu-west-1:111111111111:key\//);

    const described = await vendor.kms.send(new DescribeKeyCommand({ KeyId: KeyMetadata!.Arn }));
    const dataKey = await vendor.kms.send(new GenerateDataKeyCommand({ KeyId: KeyMetadata!.Arn, KeySpec: 'AES_256' }));

    expect(described.KeyMetadata).toMatchObject({ Arn: KeyMetadata!.Arn, AWSAccountId: '111111111111' });
    expect(dataKey.KeyId).toBe(KeyMetadata!.Arn);
    await expect(vendor.kms.send(new DescribeKeyCommand({ KeyId: KeyMetadata!.KeyId }))).rejects.toBeInstanceOf(NotFoundException);
  });
});
