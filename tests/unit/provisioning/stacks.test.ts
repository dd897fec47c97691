import { CloudFormationClient, CreateStackCommand, DeleteStackCommand, DescribeStackEventsCommand, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { adoptStack, deleteStack, describeStack, firstFailure, ForeignStackError, launchStack, outputsFromStack } from '../../../lib/provisioning/stacks.js';

const cfnMock = mockClient(CloudFormationClient);
const cfn = new CloudFormationClient({ region: 'eu-west-1' });
const stackId = 'arn:aws:cloudformation:eu-west-1:111122223333:stack/byob-x/0b1c';
const input = {
  stackName: 'byob-x',
  template: { url: 'https://b.s3.eu-west-1.amazonaws.com/t.json' },
  clientRequestToken: 'create-x',
  notificationArns: ['arn:aws:sns:eu-west-1:123456789012:byob-dev-stack-events'],
  tags: { 'byob:request': 'byob_X' },
  capabilities: [] as Array<'CAPABILITY_IAM'>,
  requestId: 'byob_X',
};

afterEach(() => cfnMock.reset());

describe('launchStack', () => {
  it('calls CreateStack with token, notification topic, tags and rollback on failure', async () => {
    cfnMock.on(CreateStackCommand).resolves({ StackId: stackId });
    expect(await launchStack(cfn, input)).toBe(stackId);
    expect(cfnMock.commandCalls(CreateStackCommand)[0]!.args[0].input).toMatchObject({
      StackName: 'byob-x',
      ClientRequestToken: 'create-x',
      NotificationARNs: input.notificationArns,
      OnFailure: 'ROLLBACK',
      Tags: [{ Key: 'byob:request', Value: 'byob_X' }],
    });
  });

  it('adopts on AlreadyExists when the request tag matches, refuses otherwise', async () => {
    const exists = Object.assign(new Error('Stack [byob-x] already exists'), { name: 'AlreadyExistsException' });
    cfnMock.on(CreateStackCommand).rejects(exists);
    cfnMock.on(DescribeStacksCommand).resolves({ Stacks: [{ StackId: stackId, StackName: 'byob-x', StackStatus: 'CREATE_COMPLETE', CreationTime: new Date(), Tags: [{ Key: 'byob:request', Value: 'byob_X' }] }] });
    expect(await launchStack(cfn, input)).toBe(stackId);
    await expect(launchStack(cfn, { ...input, requestId: 'byob_Y' })).rejects.toBeInstanceOf(ForeignStackError);
  });
});

describe('firstFailure', () => {
  it('picks the oldest real failure, not the cancellations that follow it, across pages', async () => {
    const t = (s: number) => new Date(Date.UTC(2026, 10, 24, 0, 0, s));
    cfnMock
      .on(DescribeStackEventsCommand, { StackName: stackId, NextToken: undefined })
      .resolves({
        StackEvents: [
          { StackId: stackId, StackName: 'byob-x', EventId: '3', Timestamp: t(3), LogicalResourceId: 'ByobKmsKey', ResourceStatus: 'CREATE_FAILED', ResourceType: 'AWS::KMS::Key', ResourceStatusReason: 'Resource creation cancelled' },
          { StackId: stackId, StackName: 'byob-x', EventId: '4', Timestamp: t(4), LogicalResourceId: 'byob-x', ResourceStatus: 'ROLLBACK_COMPLETE', ResourceType: 'AWS::CloudFormation::Stack' },
        ],
        NextToken: 'p2',
      })
      .on(DescribeStackEventsCommand, { StackName: stackId, NextToken: 'p2' })
      .resolves({
        StackEvents: [
          { StackId: stackId, StackName: 'byob-x', EventId: '2', Timestamp: t(2), LogicalResourceId: 'ByobBucket', ResourceStatus: 'CREATE_FAILED', ResourceType: 'AWS::S3::Bucket', ResourceStatusReason: 'byob-data already exists' },
        ],
      });
    expect(await firstFailure(cfn, stackId)).toEqual({ code: 'stack_failed', message: 'byob-data already exists', resource: 'ByobBucket' });
  });
});

describe('outputs', () => {
  it('maps outputs, taking the account from the stack id', () => {
    expect(outputsFromStack({ BucketName: 'b', BucketArn: 'arn:aws:s3:::b', KmsKeyArn: 'k', Region: 'eu-west-1' }, stackId, 'x')).toEqual({
      bucketName: 'b',
      bucketArn: 'arn:aws:s3:::b',
      kmsKeyArn: 'k',
      region: 'eu-west-1',
      roleArn: null,
      accountId: '111122223333',
    });
    expect(outputsFromStack({ Region: 'eu-west-1' }, stackId, 'x')).toBeNull();
  });
});

describe('describeStack', () => {
  it('maps the stack: id, status, outputs and tags as maps, and when an update last changed it', async () => {
    cfnMock.on(DescribeStacksCommand, { StackName: 'byob-x' }).resolves({
      Stacks: [
        {
          StackId: stackId,
          StackName: 'byob-x',
          StackStatus: 'CREATE_COMPLETE',
          CreationTime: new Date(),
          Outputs: [{ OutputKey: 'BucketName', OutputValue: 'b' }],
          Tags: [{ Key: 'byob:request', Value: 'byob_X' }],
        },
      ],
    });

    expect(await describeStack(cfn, 'byob-x')).toEqual({ stackId, status: 'CREATE_COMPLETE', outputs: { BucketName: 'b' }, tags: { 'byob:request': 'byob_X' }, lastUpdatedAt: null });
  });

  it('answers null for a stack CloudFormation does not know, or an empty answer', async () => {
    cfnMock.on(DescribeStacksCommand, { StackName: 'gone' }).rejects(Object.assign(new Error('Stack with id gone does not exist'), { name: 'ValidationError' }));
    cfnMock.on(DescribeStacksCommand, { StackName: 'empty' }).resolves({ Stacks: [] });

    expect(await describeStack(cfn, 'gone')).toBeNull();
    expect(await describeStack(cfn, 'empty')).toBeNull();
  });

  it('lets other errors through', async () => {
    cfnMock.on(DescribeStacksCommand).rejects(Object.assign(new Error('Rate exceeded'), { name: 'Throttling' }));

    await expect(describeStack(cfn, 'byob-x')).rejects.toThrow('Rate exceeded');
  });
});

describe('launchStack input', () => {
  it('passes capabilities and the service role when given, and omits the role otherwise', async () => {
    cfnMock.on(CreateStackCommand).resolves({ StackId: stackId });
    const roleArn = 'arn:aws:iam::123456789012:role/byob-cfn-exec';

    await launchStack(cfn, { ...input, capabilities: ['CAPABILITY_IAM'], roleArn });
    await launchStack(cfn, input);

    const [withRole, withoutRole] = cfnMock.commandCalls(CreateStackCommand).map((c) => c.args[0].input);
    expect(withRole).toMatchObject({ Capabilities: ['CAPABILITY_IAM'], RoleARN: roleArn, TemplateURL: 'https://b.s3.eu-west-1.amazonaws.com/t.json' });
    expect(withoutRole).not.toHaveProperty('RoleARN');
    expect(withoutRole!.Capabilities).toEqual([]);
  });

  it('passes a template given as such as TemplateBody, with no TemplateURL', async () => {
    cfnMock.on(CreateStackCommand).resolves({ StackId: stackId });

    await launchStack(cfn, { ...input, template: { body: '{"Resources":{}}' } });

    const sent = cfnMock.commandCalls(CreateStackCommand)[0]!.args[0].input;
    expect(sent.TemplateBody).toBe('{"Resources":{}}');
    expect(sent).not.toHaveProperty('TemplateURL');
  });

  it('refuses an answer without a StackId', async () => {
    cfnMock.on(CreateStackCommand).resolves({});

    await expect(launchStack(cfn, input)).rejects.toThrow('CreateStack answered without a StackId');
  });

  it('lets a CreateStack error other than AlreadyExists through without adopting', async () => {
    cfnMock.on(CreateStackCommand).rejects(Object.assign(new Error('Requires capabilities : [CAPABILITY_IAM]'), { name: 'InsufficientCapabilitiesException' }));

    await expect(launchStack(cfn, input)).rejects.toThrow('Requires capabilities');
    expect(cfnMock.commandCalls(DescribeStacksCommand)).toHaveLength(0);
  });
});

describe('adoptStack', () => {
  it('refuses a stack that vanished before it could be read', async () => {
    cfnMock.on(DescribeStacksCommand).rejects(Object.assign(new Error('Stack with id byob-x does not exist'), { name: 'ValidationError' }));

    await expect(adoptStack(cfn, 'byob-x', 'byob_X')).rejects.toThrow(new ForeignStackError('stack byob-x vanished while being adopted'));
  });

  it('names the owner of a stack that is not this request’s, or says it has none', async () => {
    cfnMock.on(DescribeStacksCommand).resolves({ Stacks: [{ StackId: stackId, StackName: 'byob-x', StackStatus: 'CREATE_COMPLETE', CreationTime: new Date() }] });

    await expect(adoptStack(cfn, 'byob-x', 'byob_X')).rejects.toThrow('stack byob-x exists but belongs to no BYOB request');
  });
});

describe('deleteStack', () => {
  it('deletes by stack id', async () => {
    cfnMock.on(DeleteStackCommand).resolves({});

    await deleteStack(cfn, stackId);

    expect(cfnMock.commandCalls(DeleteStackCommand).map((c) => c.args[0].input)).toEqual([{ StackName: stackId }]);
  });
});

describe('firstFailure, edge cases', () => {
  const event = (id: string, status: string, reason: string | undefined, type = 'AWS::S3::Bucket', s = 1) => ({
    StackId: stackId,
    StackName: 'byob-x',
    EventId: id,
    Timestamp: new Date(Date.UTC(2026, 10, 24, 0, 0, s)),
    LogicalResourceId: id,
    ResourceStatus: status as never,
    ResourceType: type,
    ResourceStatusReason: reason,
  });

  it('answers null when no resource failed (the stack-level failure is not a cause)', async () => {
    cfnMock.on(DescribeStackEventsCommand).resolves({ StackEvents: [event('byob-x', 'ROLLBACK_FAILED', 'x', 'AWS::CloudFormation::Stack'), event('ByobBucket', 'CREATE_COMPLETE', undefined)] });

    expect(await firstFailure(cfn, stackId)).toBeNull();
  });

  it('falls back to the oldest cancellation when every failure was a cancellation', async () => {
    cfnMock.on(DescribeStackEventsCommand).resolves({ StackEvents: [event('ByobKey', 'CREATE_FAILED', 'Resource creation cancelled', 'AWS::KMS::Key', 5), event('ByobBucket', 'CREATE_FAILED', 'Resource creation cancelled', 'AWS::S3::Bucket', 2)] });

    expect(await firstFailure(cfn, stackId)).toEqual({ code: 'stack_failed', message: 'Resource creation cancelled', resource: 'ByobBucket' });
  });

  it('says which resource failed how when CloudFormation gives no reason', async () => {
    cfnMock.on(DescribeStackEventsCommand).resolves({ StackEvents: [event('ByobBucket', 'CREATE_FAILED', undefined)] });

    expect(await firstFailure(cfn, stackId)).toEqual({ code: 'stack_failed', message: 'ByobBucket CREATE_FAILED', resource: 'ByobBucket' });
  });

  it('reads at most 10 pages of events', async () => {
    cfnMock.on(DescribeStackEventsCommand).resolves({ StackEvents: [], NextToken: 'more' });

    expect(await firstFailure(cfn, stackId)).toBeNull();
    expect(cfnMock.commandCalls(DescribeStackEventsCommand)).toHaveLength(10);
  });
});

describe('outputsFromStack, optional outputs', () => {
  it('turns empty optional outputs into null and falls back to the given region', () => {
    expect(outputsFromStack({ BucketName: 'b', BucketArn: 'arn:aws:s3:::b', KmsKeyArn: '', RoleArn: 'arn:aws:iam::111122223333:role/r' }, stackId, 'eu-central-1')).toEqual({
      bucketName: 'b',
      bucketArn: 'arn:aws:s3:::b',
      kmsKeyArn: null,
      region: 'eu-central-1',
      roleArn: 'arn:aws:iam::111122223333:role/r',
      accountId: '111122223333',
    });
  });

  it('has no account when the stack id is not a CloudFormation ARN', () => {
    expect(outputsFromStack({ BucketName: 'b', BucketArn: 'arn:aws:s3:::b' }, 'not-an-arn', 'eu-west-1')?.accountId).toBeNull();
  });
});
