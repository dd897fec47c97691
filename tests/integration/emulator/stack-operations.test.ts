import {
  AlreadyExistsException,
  CreateStackCommand,
  DescribeStackEventsCommand,
  DescribeStacksCommand,
  ListStackResourcesCommand,
} from '@aws-sdk/client-cloudformation';
import { DescribeKeyCommand, ListAliasesCommand } from '@aws-sdk/client-kms';
import { CreateBucketCommand, HeadBucketCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { CreateTopicCommand, SubscribeCommand } from '@aws-sdk/client-sns';
import { AssumeRoleCommand } from '@aws-sdk/client-sts';
import { describe, expect, inject, it } from 'vitest';
import { clients, eventually, fixture, parseStackEvent, region, startSnsListener, uniqueName, waitForStack } from './emulator-support.js';

const endpoint = inject('emulatorEndpoint');
const api = clients(endpoint);

const byobParameters = (bucket: string, alias: string) => [
  { ParameterKey: 'BucketName', ParameterValue: bucket },
  { ParameterKey: 'AliasName', ParameterValue: alias },
];

describe('CreateStack ClientRequestToken', () => {
  it('answers a retry with the same token with the same StackId, another token with AlreadyExists', async () => {
    const stackName = uniqueName('token');
    const input = {
      StackName: stackName,
      TemplateBody: fixture('byob-bucket.json'),
      Parameters: byobParameters(uniqueName('token-bucket'), `alias/${stackName}`),
      Capabilities: ['CAPABILITY_IAM' as const],
      ClientRequestToken: 'req-01J-token-a',
    };

    const first = await api.cfn.send(new CreateStackCommand(input));
    const retry = await api.cfn.send(new CreateStackCommand(input));

    expect(retry.StackId).toBe(first.StackId);
    await expect(api.cfn.send(new CreateStackCommand({ ...input, ClientRequestToken: 'req-01J-token-b' }))).rejects.toBeInstanceOf(AlreadyExistsException);
    await expect(api.cfn.send(new CreateStackCommand({ ...input, ClientRequestToken: undefined }))).rejects.toBeInstanceOf(AlreadyExistsException);
    const { StackEvents } = await api.cfn.send(new DescribeStackEventsCommand({ StackName: first.StackId }));
    expect(new Set(StackEvents?.map((e) => e.ClientRequestToken))).toEqual(new Set(['req-01J-token-a']));
  });
});

describe('a resource that fails to create', () => {
  it('rolls the stack back: CREATE_FAILED with its reason, created resources deleted, Retain kept, events on SNS', async () => {
    const stackName = uniqueName('rollback');
    const takenBucket = uniqueName('taken');
    const alias = `alias/${stackName}`;
    await api.s3.send(new CreateBucketCommand({ Bucket: takenBucket, CreateBucketConfiguration: { LocationConstraint: region } }));
    const { TopicArn } = await api.sns.send(new CreateTopicCommand({ Name: uniqueName('stack-events') }));
    const listener = await startSnsListener();
    try {
      await api.sns.send(new SubscribeCommand({ TopicArn, Protocol: 'http', Endpoint: listener.url }));

      const { StackId } = await api.cfn.send(
        new CreateStackCommand({
          StackName: stackName,
          TemplateBody: fixture('byob-bucket.json'),
          Parameters: byobParameters(takenBucket, alias),
          Capabilities: ['CAPABILITY_IAM'],
          NotificationARNs: [TopicArn as string],
          ClientRequestToken: 'req-rollback-1',
        }),
      );
      const stack = await waitForStack(api.cfn, StackId as string);

      expect(stack.StackStatus).toBe('ROLLBACK_COMPLETE');
      expect(stack.Outputs ?? []).toEqual([]);
      const { StackEvents = [] } = await api.cfn.send(new DescribeStackEventsCommand({ StackName: StackId }));
      const failed = StackEvents.find((e) => e.ResourceStatus === 'CREATE_FAILED');
      expect(failed).toMatchObject({ LogicalResourceId: 'Bucket', ResourceType: 'AWS::S3::Bucket', ClientRequestToken: 'req-rollback-1' });
      expect(failed?.ResourceStatusReason).toMatch(/bucket name is not available/);
      const statusOf = (id: string) => StackEvents.filter((e) => e.LogicalResourceId === id).map((e) => e.ResourceStatus);
      expect(statusOf('Key')).toContain('DELETE_SKIPPED');
      expect(statusOf('KeyAlias')).toContain('DELETE_COMPLETE');
      expect(statusOf(stackName)).toEqual(['ROLLBACK_COMPLETE', 'ROLLBACK_IN_PROGRESS', 'CREATE_IN_PROGRESS']);
      expect(StackEvents.find((e) => e.ResourceStatus === 'ROLLBACK_IN_PROGRESS')?.ResourceStatusReason).toBe(
        'The following resource(s) failed to create: [Bucket]. Rollback requested by user.',
      );
      expect((await api.cfn.send(new ListStackResourcesCommand({ StackName: StackId }))).StackResourceSummaries).toEqual([]);
      const keyId = StackEvents.find((e) => e.LogicalResourceId === 'Key' && e.ResourceStatus === 'CREATE_COMPLETE')?.PhysicalResourceId;
      expect((await api.kms.send(new DescribeKeyCommand({ KeyId: keyId }))).KeyMetadata?.KeyState).toBe('Enabled');
      expect((await api.kms.send(new ListAliasesCommand({ KeyId: keyId }))).Aliases).toEqual([]);

      await eventually(() => listener.notifications.some((n) => n.Message.includes("ResourceStatus='ROLLBACK_COMPLETE'")), 5000, 'ROLLBACK_COMPLETE notification');
      const published = listener.notifications.map((n) => parseStackEvent(n.Message));
      expect(listener.notifications.every((n) => n.Subject === 'AWS CloudFormation Notification')).toBe(true);
      expect(published.find((e) => e.ResourceStatus === 'CREATE_FAILED')).toMatchObject({
        StackId,
        StackName: stackName,
        LogicalResourceId: 'Bucket',
        PhysicalResourceId: '',
        ResourceType: 'AWS::S3::Bucket',
        ResourceStatusReason: failed?.ResourceStatusReason,
        ClientRequestToken: 'req-rollback-1',
        Namespace: '123456789012',
      });
      expect(published.find((e) => e.ResourceStatus === 'ROLLBACK_COMPLETE')).toMatchObject({
        LogicalResourceId: stackName,
        PhysicalResourceId: StackId,
        ResourceType: 'AWS::CloudFormation::Stack',
      });
    } finally {
      await listener.close();
    }
  });

  it('publishes per-resource events and the stack CREATE_COMPLETE on success', async () => {
    const stackName = uniqueName('success');
    const { TopicArn } = await api.sns.send(new CreateTopicCommand({ Name: uniqueName('stack-events') }));
    const listener = await startSnsListener();
    try {
      await api.sns.send(new SubscribeCommand({ TopicArn, Protocol: 'http', Endpoint: listener.url }));
      const { StackId } = await api.cfn.send(
        new CreateStackCommand({
          StackName: stackName,
          TemplateBody: fixture('byob-bucket.json'),
          Parameters: byobParameters(uniqueName('ok-bucket'), `alias/${stackName}`),
          Capabilities: ['CAPABILITY_IAM'],
          NotificationARNs: [TopicArn as string],
        }),
      );
      expect((await waitForStack(api.cfn, StackId as string)).StackStatus).toBe('CREATE_COMPLETE');
      await eventually(() => listener.notifications.some((n) => n.Message.includes(`LogicalResourceId='${stackName}'`) && n.Message.includes("ResourceStatus='CREATE_COMPLETE'")), 5000, 'stack CREATE_COMPLETE');

      const published = listener.notifications.map((n) => parseStackEvent(n.Message));
      expect(published.find((e) => e.LogicalResourceId === stackName && e.ResourceStatus === 'CREATE_COMPLETE')).toMatchObject({
        ResourceType: 'AWS::CloudFormation::Stack',
        ClientRequestToken: 'null',
      });
      expect(published.find((e) => e.LogicalResourceId === 'Bucket' && e.ResourceStatus === 'CREATE_COMPLETE')?.PhysicalResourceId).toBeTruthy();
    } finally {
      await listener.close();
    }
  });
});

describe('TemplateURL across accounts', () => {
  it("lets a customer account (STS credentials of 111111111111) create a stack from the vendor's S3 template", async () => {
    const templatesBucket = uniqueName('vendor-templates');
    const key = `templates/${uniqueName('byob')}.json`;
    await api.s3.send(new CreateBucketCommand({ Bucket: templatesBucket, CreateBucketConfiguration: { LocationConstraint: region } }));
    await api.s3.send(new PutObjectCommand({ Bucket: templatesBucket, Key: key, Body: fixture('byob-bucket.json') }));
    const { Credentials } = await api.sts.send(
      new AssumeRoleCommand({ RoleArn: 'arn:aws:iam::111111111111:role/byob-deployer', RoleSessionName: 'byob', ExternalId: 'ext-1' }),
    );
    const customer = clients(endpoint, {
      accessKeyId: Credentials?.AccessKeyId as string,
      secretAccessKey: Credentials?.SecretAccessKey as string,
      sessionToken: Credentials?.SessionToken as string,
    });
    const stackName = uniqueName('customer');
    const bucket = uniqueName('customer-bucket');

    const { StackId } = await customer.cfn.send(
      new CreateStackCommand({
        StackName: stackName,
        TemplateURL: `https://${templatesBucket}.s3.${region}.amazonaws.com/${key}`,
        Parameters: byobParameters(bucket, `alias/${stackName}`),
        Capabilities: ['CAPABILITY_IAM'],
      }),
    );

    expect(StackId).toMatch(/^arn:aws:cloudformation:eu-west-1:111111111111:stack\//);
    const stack = await waitForStack(customer.cfn, StackId as string);
    expect(stack.StackStatus).toBe('CREATE_COMPLETE');
    expect(stack.Outputs?.find((o) => o.OutputKey === 'KmsKeyArn')?.OutputValue).toMatch(/:111111111111:key\//);
    expect((await customer.s3.send(new HeadBucketCommand({ Bucket: bucket }))).$metadata.httpStatusCode).toBe(200);
    await expect(api.cfn.send(new DescribeStacksCommand({ StackName: stackName }))).rejects.toThrow();
  });

  it('reads a path-style TemplateURL on the emulator itself (http://127.0.0.1:PORT/bucket/key)', async () => {
    const templatesBucket = uniqueName('local-templates');
    await api.s3.send(new CreateBucketCommand({ Bucket: templatesBucket, CreateBucketConfiguration: { LocationConstraint: region } }));
    await api.s3.send(new PutObjectCommand({ Bucket: templatesBucket, Key: 'byob.json', Body: fixture('byob-bucket.json') }));
    const stackName = uniqueName('local-url');

    const { StackId } = await api.cfn.send(
      new CreateStackCommand({
        StackName: stackName,
        TemplateURL: `${endpoint}/${templatesBucket}/byob.json`,
        Parameters: byobParameters(uniqueName('local-url-bucket'), `alias/${stackName}`),
        Capabilities: ['CAPABILITY_IAM'],
      }),
    );

    expect((await waitForStack(api.cfn, StackId as string)).StackStatus).toBe('CREATE_COMPLETE');
  });
});
