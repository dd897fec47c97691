import { CloudFormationClient, CreateStackCommand, DescribeStackEventsCommand, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { firstFailure, ForeignStackError, launchStack, outputsFromStack } from '../../../lib/provisioning/stacks.js';
import { isStackLevel, parseStackNotification, stackOutcome } from '../../../lib/provisioning/stack-notification.js';

const cfnMock = mockClient(CloudFormationClient);
const cfn = new CloudFormationClient({ region: 'eu-west-1' });
const stackId = 'arn:aws:cloudformation:eu-west-1:111122223333:stack/byob-x/0b1c';
const input = {
  stackName: 'byob-x',
  templateUrl: 'https://b.s3.eu-west-1.amazonaws.com/t.json',
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

describe('outputs and notifications', () => {
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

  it("parses CloudFormation's Key='value' notification, including multi-line values", () => {
    const message = [
      `StackId='${stackId}'`,
      "Timestamp='2026-11-24T00:00:04.000Z'",
      "EventId='e1'",
      "LogicalResourceId='byob-x'",
      "Namespace='111122223333'",
      `PhysicalResourceId='${stackId}'`,
      "ResourceProperties='{\n  \"a\": \"b'c\"\n}'",
      "ResourceStatus='CREATE_COMPLETE'",
      "ResourceStatusReason=''",
      "ResourceType='AWS::CloudFormation::Stack'",
      "StackName='byob-x'",
      "ClientRequestToken='create-x'",
      '',
    ].join('\n');
    const n = parseStackNotification(message)!;
    expect(n).toMatchObject({ stackId, stackName: 'byob-x', resourceStatus: 'CREATE_COMPLETE', clientRequestToken: 'create-x' });
    expect(isStackLevel(n)).toBe(true);
    expect(parseStackNotification('not a notification')).toBeNull();
  });

  it.each([
    ['CREATE_COMPLETE', 'complete'],
    ['CREATE_IN_PROGRESS', 'in-progress'],
    ['ROLLBACK_IN_PROGRESS', 'in-progress'],
    ['ROLLBACK_COMPLETE', 'failed'],
    ['CREATE_FAILED', 'failed'],
    ['ROLLBACK_FAILED', 'failed'],
    ['DELETE_COMPLETE', 'deleted'],
  ])('classifies %s as %s', (status, outcome) => {
    expect(stackOutcome(status)).toBe(outcome);
  });
});
