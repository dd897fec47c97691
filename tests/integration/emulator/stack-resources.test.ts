import { CreateStackCommand, DeleteStackCommand, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { DescribeKeyCommand, GetKeyPolicyCommand, GetKeyRotationStatusCommand, ListAliasesCommand, ListResourceTagsCommand } from '@aws-sdk/client-kms';
import {
  CreateBucketCommand,
  GetBucketCorsCommand,
  GetBucketEncryptionCommand,
  GetBucketLifecycleConfigurationCommand,
  GetBucketOwnershipControlsCommand,
  GetBucketPolicyCommand,
  GetBucketTaggingCommand,
  GetBucketVersioningCommand,
  GetPublicAccessBlockCommand,
  HeadBucketCommand,
  PutBucketCorsCommand,
  PutBucketEncryptionCommand,
  PutBucketLifecycleConfigurationCommand,
  PutBucketOwnershipControlsCommand,
  PutBucketPolicyCommand,
  PutBucketTaggingCommand,
  PutBucketVersioningCommand,
  PutPublicAccessBlockCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { clients, content, fixture, region, uniqueName, waitForStack } from './emulator-support.js';

const vendorAccount = '830241207209';
const api = clients(inject('emulatorEndpoint'));

const vendorPolicy = (bucket: string) => ({
  Version: '2012-10-17',
  Statement: [
    {
      Sid: 'Vendor',
      Effect: 'Allow',
      Principal: { AWS: `arn:aws:iam::${vendorAccount}:root` },
      Action: [
        's3:GetObject', 's3:PutObject', 's3:DeleteObject', 's3:ListBucket', 's3:GetBucketLocation',
        's3:AbortMultipartUpload', 's3:ListMultipartUploadParts', 's3:ListBucketMultipartUploads',
        's3:GetObjectVersion', 's3:GetBucketVersioning', 's3:GetEncryptionConfiguration',
      ],
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

/** The bucket of the fixture, configured through the S3 API one call per property. */
const configureDirectly = async (s3: S3Client, bucket: string, kmsKeyArn: string) => {
  await s3.send(new CreateBucketCommand({ Bucket: bucket, CreateBucketConfiguration: { LocationConstraint: region } }));
  await s3.send(new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: 'Enabled' } }));
  await s3.send(
    new PutBucketEncryptionCommand({
      Bucket: bucket,
      ServerSideEncryptionConfiguration: {
        Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: kmsKeyArn }, BucketKeyEnabled: true }],
      },
    }),
  );
  await s3.send(
    new PutPublicAccessBlockCommand({
      Bucket: bucket,
      PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
    }),
  );
  await s3.send(new PutBucketOwnershipControlsCommand({ Bucket: bucket, OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] } }));
  await s3.send(
    new PutBucketCorsCommand({
      Bucket: bucket,
      CORSConfiguration: {
        CORSRules: [
          {
            ID: 'portal',
            AllowedOrigins: ['https://app.example.com'],
            AllowedMethods: ['GET', 'HEAD', 'PUT'],
            AllowedHeaders: ['*'],
            ExposeHeaders: ['ETag'],
            MaxAgeSeconds: 3600,
          },
        ],
      },
    }),
  );
  await s3.send(
    new PutBucketLifecycleConfigurationCommand({
      Bucket: bucket,
      LifecycleConfiguration: {
        Rules: [
          { ID: 'abort-incomplete-multipart-uploads', Status: 'Enabled', Filter: { Prefix: '' }, AbortIncompleteMultipartUpload: { DaysAfterInitiation: 7 } },
          { ID: 'expire-noncurrent-versions', Status: 'Enabled', Filter: { Prefix: 'tmp/' }, NoncurrentVersionExpiration: { NoncurrentDays: 30 } },
        ],
      },
    }),
  );
  await s3.send(new PutBucketPolicyCommand({ Bucket: bucket, Policy: JSON.stringify(vendorPolicy(bucket)) }));
  await s3.send(new PutBucketTaggingCommand({ Bucket: bucket, Tagging: { TagSet: [{ Key: 'cost-center', Value: 'ml' }] } }));
};

describe('AWS::S3::Bucket, AWS::S3::BucketPolicy and AWS::KMS::Key made by a stack', () => {
  const stackName = uniqueName('props');
  const stackBucket = uniqueName('stack-bucket');
  const directBucket = uniqueName('direct-bucket');
  const alias = `alias/${stackName}`;
  let stackId: string;
  let outputs: Record<string, string>;

  beforeAll(async () => {
    const created = await api.cfn.send(
      new CreateStackCommand({
        StackName: stackName,
        TemplateBody: fixture('byob-bucket.json'),
        Parameters: [
          { ParameterKey: 'BucketName', ParameterValue: stackBucket },
          { ParameterKey: 'AliasName', ParameterValue: alias },
        ],
        Capabilities: ['CAPABILITY_IAM'],
        Tags: [{ Key: 'tenant', Value: 't-1' }],
      }),
    );
    stackId = created.StackId as string;
    const stack = await waitForStack(api.cfn, stackId);
    expect(stack.StackStatus).toBe('CREATE_COMPLETE');
    outputs = Object.fromEntries((stack.Outputs ?? []).map((o) => [o.OutputKey, o.OutputValue]));
    await configureDirectly(api.s3, directBucket, outputs.KmsKeyArn as string);
  });

  const both = async <T extends { $metadata?: unknown }>(get: (bucket: string) => Promise<T>) => {
    const [fromStack, direct] = await Promise.all([get(stackBucket), get(directBucket)]);
    return { fromStack: content(fromStack), direct: content(direct) };
  };

  it('has the outputs the product reads', () => {
    expect(outputs).toMatchObject({
      BucketName: stackBucket,
      BucketArn: `arn:aws:s3:::${stackBucket}`,
      Region: region,
      KmsKeyArn: expect.stringMatching(/^arn:aws:kms:eu-west-1:123456789012:key\//),
      RoleArn: expect.stringMatching(/^arn:aws:iam::123456789012:role\//),
    });
  });

  it.each([
    ['VersioningConfiguration', (b: string) => api.s3.send(new GetBucketVersioningCommand({ Bucket: b }))],
    ['BucketEncryption with BucketKeyEnabled', (b: string) => api.s3.send(new GetBucketEncryptionCommand({ Bucket: b }))],
    ['PublicAccessBlockConfiguration', (b: string) => api.s3.send(new GetPublicAccessBlockCommand({ Bucket: b }))],
    ['OwnershipControls', (b: string) => api.s3.send(new GetBucketOwnershipControlsCommand({ Bucket: b }))],
    ['CorsConfiguration', (b: string) => api.s3.send(new GetBucketCorsCommand({ Bucket: b }))],
    ['LifecycleConfiguration', (b: string) => api.s3.send(new GetBucketLifecycleConfigurationCommand({ Bucket: b }))],
  ] as const)('applies %s as the S3 API does', async (_property, get) => {
    const { fromStack, direct } = await both(get as (b: string) => Promise<{ $metadata?: unknown }>);
    expect(fromStack).toEqual(direct);
  });

  it('applies BucketKeyEnabled, which moto drops', async () => {
    const { ServerSideEncryptionConfiguration } = await api.s3.send(new GetBucketEncryptionCommand({ Bucket: stackBucket }));
    expect(ServerSideEncryptionConfiguration?.Rules?.[0]).toMatchObject({ BucketKeyEnabled: true });
  });

  it('applies the bucket policy as PutBucketPolicy does', async () => {
    const { fromStack, direct } = await both((b) => api.s3.send(new GetBucketPolicyCommand({ Bucket: b })));
    expect(JSON.parse(fromStack.Policy as string)).toEqual(vendorPolicy(stackBucket));
    expect(JSON.parse(direct.Policy as string)).toEqual(vendorPolicy(directBucket));
  });

  it('tags the bucket with its Tags, the stack tags and the aws:cloudformation tags', async () => {
    const { fromStack, direct } = await both((b) => api.s3.send(new GetBucketTaggingCommand({ Bucket: b })));
    const tags = Object.fromEntries((fromStack.TagSet ?? []).map((t) => [t.Key, t.Value]));
    expect(tags).toEqual({
      'cost-center': 'ml',
      tenant: 't-1',
      'aws:cloudformation:stack-name': stackName,
      'aws:cloudformation:stack-id': stackId,
      'aws:cloudformation:logical-id': 'Bucket',
    });
    expect(direct.TagSet).toEqual([{ Key: 'cost-center', Value: 'ml' }]);
  });

  it('creates the KMS key from a KeyPolicy object: DescribeKey, GetKeyPolicy, rotation, alias, tags', async () => {
    const KeyId = outputs.KmsKeyArn as string;
    const { KeyMetadata } = await api.kms.send(new DescribeKeyCommand({ KeyId }));
    expect(KeyMetadata).toMatchObject({ KeyUsage: 'ENCRYPT_DECRYPT', KeySpec: 'SYMMETRIC_DEFAULT', KeyState: 'Enabled', Description: 'BYOB bucket key' });
    const { Policy } = await api.kms.send(new GetKeyPolicyCommand({ KeyId, PolicyName: 'default' }));
    const statements = (JSON.parse(Policy as string) as { Statement: { Sid: string; Principal: unknown; Action: unknown }[] }).Statement;
    expect(statements).toEqual([
      expect.objectContaining({ Sid: 'Internal', Principal: { AWS: 'arn:aws:iam::123456789012:root' }, Action: 'kms:*' }),
      expect.objectContaining({
        Sid: 'External',
        Principal: { AWS: `arn:aws:iam::${vendorAccount}:root` },
        Action: ['kms:Decrypt', 'kms:Describe*', 'kms:Encrypt', 'kms:ReEncrypt*', 'kms:GenerateDataKey*'],
      }),
    ]);
    expect((await api.kms.send(new GetKeyRotationStatusCommand({ KeyId }))).KeyRotationEnabled).toBe(true);
    const { Aliases } = await api.kms.send(new ListAliasesCommand({ KeyId: KeyMetadata?.KeyId }));
    expect(Aliases?.map((a) => a.AliasName)).toEqual([alias]);
    const { Tags } = await api.kms.send(new ListResourceTagsCommand({ KeyId }));
    expect(Tags).toEqual([{ TagKey: 'byob', TagValue: 'true' }]);
  });

  it('keeps the Retain bucket and key on DeleteStack, schedules nothing for them, and deletes the rest', async () => {
    await api.cfn.send(new DeleteStackCommand({ StackName: stackName }));
    const { Stacks } = await api.cfn.send(new DescribeStacksCommand({ StackName: stackId }));
    expect(Stacks?.[0]?.StackStatus).toBe('DELETE_COMPLETE');
    expect((await api.s3.send(new HeadBucketCommand({ Bucket: stackBucket }))).$metadata.httpStatusCode).toBe(200);
    const { KeyMetadata } = await api.kms.send(new DescribeKeyCommand({ KeyId: outputs.KmsKeyArn }));
    expect(KeyMetadata?.KeyState).toBe('Enabled');
    const { Aliases } = await api.kms.send(new ListAliasesCommand({ KeyId: KeyMetadata?.KeyId }));
    expect(Aliases).toEqual([]);
    await expect(api.s3.send(new GetBucketPolicyCommand({ Bucket: stackBucket }))).rejects.toThrow();
  });
});
