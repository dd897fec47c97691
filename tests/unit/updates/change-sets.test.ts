import {
  CloudFormationClient,
  CreateChangeSetCommand,
  DeleteChangeSetCommand,
  DescribeChangeSetCommand,
  type DescribeChangeSetCommandOutput,
  ExecuteChangeSetCommand,
} from '@aws-sdk/client-cloudformation';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-vitest/extend';
import { afterEach, describe, expect, it } from 'vitest';
import {
  awaitChangeSet,
  createChangeSet,
  deleteChangeSet,
  describeChangeSet,
  executeChangeSet,
  hasNoChanges,
  isBeingDescribed,
} from '../../../lib/updates/change-sets.js';
import { DIRECT_STACK_ID, STACK_NAME } from '../../support/records.js';

const cfnMock = mockClient(CloudFormationClient);
const cfn = new CloudFormationClient({ region: 'eu-central-1' });
afterEach(() => cfnMock.reset());

const CHANGE_SET_ID = 'arn:aws:cloudformation:eu-central-1:123456789012:changeSet/byob-upd-1/5e8e1b2c';
const input = {
  stack: STACK_NAME,
  changeSetName: 'byob-upd-1',
  clientToken: 'upd-1',
  templateUrl: 'https://t.s3.eu-central-1.amazonaws.com/templates/byob_X/n.json',
  capabilities: ['CAPABILITY_IAM'] as Array<'CAPABILITY_IAM'>,
  notificationArns: ['arn:aws:sns:eu-central-1:123456789012:byob-local-stack-events'],
  tags: { 'byob:request': 'byob_X', team: 'ml' },
  description: 'patch of byob_X to template 2',
};
const described = (over: Partial<DescribeChangeSetCommandOutput> = {}): DescribeChangeSetCommandOutput => ({
  $metadata: {},
  ChangeSetId: CHANGE_SET_ID,
  ChangeSetName: 'byob-upd-1',
  StackId: DIRECT_STACK_ID,
  Status: 'CREATE_COMPLETE',
  ExecutionStatus: 'AVAILABLE',
  Changes: [{ Type: 'Resource', ResourceChange: { Action: 'Modify', LogicalResourceId: 'ByobBucket', ResourceType: 'AWS::S3::Bucket', Replacement: 'False' } }],
  ...over,
});
const notFound = () => Object.assign(new Error('ChangeSet [byob-upd-1] does not exist'), { name: 'ChangeSetNotFoundException' });

describe('createChangeSet', () => {
  it('asks for an UPDATE change set under its name and token, with the stack\'s settings', async () => {
    cfnMock.on(CreateChangeSetCommand).resolves({ Id: CHANGE_SET_ID, StackId: DIRECT_STACK_ID });

    expect(await createChangeSet(cfn, { ...input, roleArn: 'arn:aws:iam::123456789012:role/byob-exec' })).toBe(CHANGE_SET_ID);
    expect(cfnMock).toHaveReceivedCommandWith(CreateChangeSetCommand, {
      StackName: STACK_NAME,
      ChangeSetName: 'byob-upd-1',
      ClientToken: 'upd-1',
      ChangeSetType: 'UPDATE',
      TemplateURL: input.templateUrl,
      Capabilities: ['CAPABILITY_IAM'],
      NotificationARNs: input.notificationArns,
      Tags: [
        { Key: 'byob:request', Value: 'byob_X' },
        { Key: 'team', Value: 'ml' },
      ],
      RoleARN: 'arn:aws:iam::123456789012:role/byob-exec',
    });
  });

  it('a retried call whose name exists answers the change set the first call made: no second one', async () => {
    cfnMock.on(CreateChangeSetCommand).rejects(Object.assign(new Error('ChangeSet byob-upd-1 already exists'), { name: 'AlreadyExistsException' }));
    cfnMock.on(DescribeChangeSetCommand).resolves(described());

    expect(await createChangeSet(cfn, input)).toBe(CHANGE_SET_ID);
    expect(cfnMock).toHaveReceivedCommandTimes(CreateChangeSetCommand, 1);
  });

  it('passes any other refusal on', async () => {
    cfnMock.on(CreateChangeSetCommand).rejects(Object.assign(new Error('Template format error'), { name: 'ValidationError' }));

    await expect(createChangeSet(cfn, input)).rejects.toThrow('Template format error');
  });
});

describe('describeChangeSet', () => {
  it('summarises every resource change across pages', async () => {
    cfnMock
      .on(DescribeChangeSetCommand, { ChangeSetName: 'byob-upd-1', StackName: STACK_NAME, NextToken: undefined })
      .resolves(described({ NextToken: 'p2' }))
      .on(DescribeChangeSetCommand, { NextToken: 'p2' })
      .resolves(described({ Changes: [{ Type: 'Resource', ResourceChange: { Action: 'Add', LogicalResourceId: 'ByobAccessRole', ResourceType: 'AWS::IAM::Role' } }] }));

    expect(await describeChangeSet(cfn, STACK_NAME, 'byob-upd-1')).toEqual({
      id: CHANGE_SET_ID,
      status: 'CREATE_COMPLETE',
      executionStatus: 'AVAILABLE',
      statusReason: '',
      changes: [
        { action: 'Modify', logicalId: 'ByobBucket', resourceType: 'AWS::S3::Bucket', replacement: 'False' },
        { action: 'Add', logicalId: 'ByobAccessRole', resourceType: 'AWS::IAM::Role', replacement: null },
      ],
    });
  });

  it('is null for a change set CloudFormation does not know', async () => {
    cfnMock.on(DescribeChangeSetCommand).rejects(notFound());

    expect(await describeChangeSet(cfn, STACK_NAME, 'byob-upd-1')).toBeNull();
  });

  it('tells a change set without changes from one that failed', () => {
    const state = { id: CHANGE_SET_ID, executionStatus: 'UNAVAILABLE', changes: [] };

    expect(hasNoChanges({ ...state, status: 'FAILED', statusReason: "The submitted information didn't contain changes. Submit different information to create a change set." })).toBe(true);
    expect(hasNoChanges({ ...state, status: 'FAILED', statusReason: 'No updates are to be performed.' })).toBe(true);
    expect(hasNoChanges({ ...state, status: 'FAILED', statusReason: 'Template error: unresolved resource dependencies' })).toBe(false);
    expect(isBeingDescribed({ ...state, status: 'CREATE_IN_PROGRESS', statusReason: '' })).toBe(true);
  });
});

describe('awaitChangeSet', () => {
  it('describes until CloudFormation has worked the change set out', async () => {
    cfnMock.on(DescribeChangeSetCommand).resolvesOnce(described({ Status: 'CREATE_PENDING', Changes: [] })).resolvesOnce(described({ Status: 'CREATE_IN_PROGRESS', Changes: [] })).resolves(described());
    const slept: number[] = [];

    const state = await awaitChangeSet(cfn, STACK_NAME, 'byob-upd-1', { budgetMs: 1_000, pollMs: 100 }, async (ms) => void slept.push(ms));

    expect(state?.status).toBe('CREATE_COMPLETE');
    expect(slept).toEqual([100, 100]);
  });

  it('gives up within its budget, answering the change set still being described', async () => {
    cfnMock.on(DescribeChangeSetCommand).resolves(described({ Status: 'CREATE_IN_PROGRESS', Changes: [] }));

    const state = await awaitChangeSet(cfn, STACK_NAME, 'byob-upd-1', { budgetMs: 30, pollMs: 10 });

    expect(state?.status).toBe('CREATE_IN_PROGRESS');
    expect(cfnMock.commandCalls(DescribeChangeSetCommand).length).toBeLessThanOrEqual(4);
  });
});

describe('executeChangeSet and deleteChangeSet', () => {
  it('executes with the update\'s token, which marks the stack events it causes', async () => {
    cfnMock.on(ExecuteChangeSetCommand).resolves({});

    await executeChangeSet(cfn, STACK_NAME, CHANGE_SET_ID, 'upd-1');

    expect(cfnMock).toHaveReceivedCommandWith(ExecuteChangeSetCommand, { ChangeSetName: CHANGE_SET_ID, StackName: STACK_NAME, ClientRequestToken: 'upd-1' });
  });

  it('deletes, and a change set already gone is fine', async () => {
    cfnMock.on(DeleteChangeSetCommand).resolvesOnce({}).rejects(notFound());

    await deleteChangeSet(cfn, STACK_NAME, CHANGE_SET_ID);
    await deleteChangeSet(cfn, STACK_NAME, CHANGE_SET_ID);

    expect(cfnMock).toHaveReceivedCommandTimes(DeleteChangeSetCommand, 2);
  });
});
