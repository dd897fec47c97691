import {
  CloudFormationClient,
  CreateChangeSetCommand,
  DeleteChangeSetCommand,
  DescribeChangeSetCommand,
  type DescribeChangeSetCommandOutput,
  DescribeStackEventsCommand,
  DescribeStacksCommand,
  ExecuteChangeSetCommand,
} from '@aws-sdk/client-cloudformation';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-vitest/extend';
import { afterEach, describe, expect, it } from 'vitest';
import type { ByobRecord } from '../../../lib/provisioning/record.js';
import { continueDirectUpdate, decide, previewDirectUpdate, type UpdateDeps } from '../../../lib/updates/direct-update.js';
import { describedStack } from '../../support/cfn-answers.js';
import { fakeDeps, REGION, T0 } from '../../support/fakes.js';
import { CHANGE_SET_ID, readyRecord, REQUEST_ID, STACK_NAME, STACK_OUTPUTS, UPDATE_ID, updatingRecord } from '../../support/records.js';

const cfnMock = mockClient(CloudFormationClient);
const s3Mock = mockClient(S3Client);
afterEach(() => {
  cfnMock.reset();
  s3Mock.reset();
});

const seeded = (record: ByobRecord) => {
  const f = fakeDeps();
  const read = f.store.seed(record);
  return { ...f, read, current: () => f.store.current('acme', REQUEST_ID) };
};
const changeSet = (over: Partial<DescribeChangeSetCommandOutput> = {}) => ({
  ChangeSetId: CHANGE_SET_ID,
  Status: 'CREATE_COMPLETE' as const,
  ExecutionStatus: 'AVAILABLE' as const,
  Changes: [{ Type: 'Resource' as const, ResourceChange: { Action: 'Modify' as const, LogicalResourceId: 'ByobBucket', ResourceType: 'AWS::S3::Bucket', Replacement: 'False' as const } }],
  ...over,
});
const notFound = () => Object.assign(new Error(`ChangeSet [byob-${UPDATE_ID}] does not exist`), { name: 'ChangeSetNotFoundException' });
/** The stack as an update left it, last updated `secondsAfterT0` after T0 (the update started at T0). */
const stackAfter = (status: string, secondsAfterT0: number) => {
  const answer = describedStack(status);
  answer.Stacks![0]!.LastUpdatedTime = new Date(T0.getTime() + secondsAfterT0 * 1000);
  return answer;
};

describe('continueDirectUpdate (the reconciler)', () => {
  it('a change set described since the route gave up is decided: executed', async () => {
    cfnMock.on(DescribeChangeSetCommand).resolves(changeSet()).on(ExecuteChangeSetCommand).resolves({});
    const { deps, read } = seeded(updatingRecord());

    const out = await continueDirectUpdate(deps, read);

    expect(cfnMock).toHaveReceivedCommandWith(DescribeChangeSetCommand, { ChangeSetName: `byob-${UPDATE_ID}`, StackName: STACK_NAME });
    expect(cfnMock).toHaveReceivedCommandWith(ExecuteChangeSetCommand, { ChangeSetName: CHANGE_SET_ID, ClientRequestToken: UPDATE_ID });
    expect(out).toMatchObject({ status: 'UPDATING', update: { phase: 'executing', changeSetId: CHANGE_SET_ID } });
  });

  it('a change set described since is decided: refused, deleted, the update failed', async () => {
    cfnMock
      .on(DescribeChangeSetCommand)
      .resolves(changeSet({ Changes: [{ Type: 'Resource', ResourceChange: { Action: 'Modify', LogicalResourceId: 'ByobBucket', ResourceType: 'AWS::S3::Bucket', Replacement: 'Conditional' } }] }))
      .on(DeleteChangeSetCommand)
      .resolves({});
    const { deps, read } = seeded(updatingRecord());

    const out = await continueDirectUpdate(deps, read);

    expect(cfnMock).toHaveReceivedCommand(DeleteChangeSetCommand);
    expect(cfnMock).not.toHaveReceivedCommand(ExecuteChangeSetCommand);
    expect(out).toMatchObject({ status: 'READY', update: null, lastUpdate: { status: 'failed', resource: 'ByobBucket' } });
  });

  it('a change set still being described is looked at again later', async () => {
    cfnMock.on(DescribeChangeSetCommand).resolves(changeSet({ Status: 'CREATE_IN_PROGRESS', ExecutionStatus: 'UNAVAILABLE', Changes: [] }));
    const { deps, read } = seeded(updatingRecord());

    const out = await continueDirectUpdate(deps, read);

    expect(out).toMatchObject({ status: 'UPDATING', update: { phase: 'proposed' }, dueAt: new Date(T0.getTime() + 30 * 60_000).toISOString() });
  });

  it('a change set never made (the route was cut off before CloudFormation took it) ends the update failed: nothing changed', async () => {
    cfnMock.on(DescribeChangeSetCommand).rejects(notFound());
    const { deps, read } = seeded(updatingRecord());

    const out = await continueDirectUpdate(deps, read);

    expect(out).toMatchObject({ status: 'READY', update: null, corsRules: read.corsRules, lastUpdate: { status: 'failed', reason: expect.stringContaining('cut off') } });
  });

  it('an executed change set is followed on the stack: its update completed, so the request is verified and READY', async () => {
    cfnMock.on(DescribeChangeSetCommand).rejects(notFound()).on(DescribeStacksCommand).resolves(stackAfter('UPDATE_COMPLETE', 40));
    const { deps, read } = seeded(updatingRecord({ phase: 'executing', changeSetId: CHANGE_SET_ID, changes: [] }));

    const out = await continueDirectUpdate(deps, read);

    expect(out).toMatchObject({ status: 'READY', corsRules: read.update!.target.corsRules, lastUpdate: { status: 'succeeded' }, outputs: { bucketName: STACK_OUTPUTS.BucketName } });
  });

  it('an executed change set whose update rolled back ends the update failed', async () => {
    cfnMock
      .on(DescribeChangeSetCommand)
      .resolves(changeSet({ ExecutionStatus: 'EXECUTE_FAILED' }))
      .on(DescribeStacksCommand)
      .resolves(stackAfter('UPDATE_ROLLBACK_COMPLETE', 40))
      .on(DescribeStackEventsCommand)
      .resolves({ StackEvents: [] });
    const { deps, read } = seeded(updatingRecord({ phase: 'executing', changeSetId: CHANGE_SET_ID, changes: [] }));

    expect(await continueDirectUpdate(deps, read)).toMatchObject({ status: 'READY', lastUpdate: { status: 'failed' } });
  });

  it('an update still running on the stack is looked at again later', async () => {
    cfnMock.on(DescribeChangeSetCommand).resolves(changeSet({ ExecutionStatus: 'EXECUTE_IN_PROGRESS' })).on(DescribeStacksCommand).resolves(stackAfter('UPDATE_IN_PROGRESS', 40));
    const { deps, read } = seeded(updatingRecord({ phase: 'executing', changeSetId: CHANGE_SET_ID, changes: [] }));

    expect(await continueDirectUpdate(deps, read)).toMatchObject({ status: 'UPDATING', launch: { stackStatus: 'CREATE_COMPLETE' } });
  });

  it('a change set left AVAILABLE (the Lambda died before ExecuteChangeSet) is executed now', async () => {
    cfnMock.on(DescribeChangeSetCommand).resolves(changeSet()).on(ExecuteChangeSetCommand).resolves({});
    const { deps, read } = seeded(updatingRecord({ phase: 'executing', changeSetId: CHANGE_SET_ID, changes: [] }));

    const out = await continueDirectUpdate(deps, read);

    expect(cfnMock).toHaveReceivedCommandWith(ExecuteChangeSetCommand, { ChangeSetName: CHANGE_SET_ID, ClientRequestToken: UPDATE_ID });
    expect(out).toMatchObject({ status: 'UPDATING' });
  });

  it('a stack last updated before this update began was not updated by it: the update ends failed, nothing changed', async () => {
    cfnMock.on(DescribeChangeSetCommand).rejects(notFound()).on(DescribeStacksCommand).resolves(stackAfter('UPDATE_COMPLETE', -3600));
    const { deps, read } = seeded(updatingRecord({ phase: 'executing', changeSetId: CHANGE_SET_ID, changes: [] }));

    expect(await continueDirectUpdate(deps, read)).toMatchObject({ status: 'READY', corsRules: read.corsRules, lastUpdate: { status: 'failed', reason: expect.stringContaining('not executed') } });
  });
});

describe('decide', () => {
  it('executes only when its write claims the update: a change set another caller decided first is left alone', async () => {
    const { deps, read, store } = seeded(updatingRecord());
    await store.patch(read, { update: { ...read.update!, phase: 'executing' } }, T0.toISOString());

    const out = await decide(deps, read, { id: CHANGE_SET_ID, status: 'CREATE_COMPLETE', executionStatus: 'AVAILABLE', statusReason: '', changes: [] }, new CloudFormationClient({ region: REGION }));

    expect(cfnMock).not.toHaveReceivedCommand(ExecuteChangeSetCommand);
    expect(out.record.update?.phase).toBe('executing');
  });
});

describe('previewDirectUpdate', () => {
  const preview = async (record: ByobRecord) => {
    const { deps } = seeded(record);
    const update: UpdateDeps = { ...deps, vendorS3: () => new S3Client({ region: REGION }) };
    return previewDirectUpdate(update, record, { body: '{"Resources":{}}', nonce: 'preview-nonce' }, { budgetMs: 50, pollMs: 5 });
  };

  it('lists what a change set would change and refuse, executes nothing and deletes its change set', async () => {
    s3Mock.on(PutObjectCommand).resolves({});
    cfnMock
      .on(CreateChangeSetCommand)
      .resolves({ Id: CHANGE_SET_ID })
      .on(DescribeChangeSetCommand)
      .resolves(changeSet({ Changes: [{ Type: 'Resource', ResourceChange: { Action: 'Remove', LogicalResourceId: 'ByobKmsKey', ResourceType: 'AWS::KMS::Key' } }] }))
      .on(DeleteChangeSetCommand)
      .resolves({});
    const record = readyRecord();

    const out = await preview(record);

    expect(out).toEqual({
      changes: [{ action: 'Remove', logicalId: 'ByobKmsKey', resourceType: 'AWS::KMS::Key', replacement: null }],
      refused: [expect.objectContaining({ logicalId: 'ByobKmsKey', why: expect.any(String) })],
    });
    expect(cfnMock).toHaveReceivedCommandWith(CreateChangeSetCommand, { ChangeSetName: expect.stringMatching(/^byob-preview-/), StackName: STACK_NAME });
    expect(cfnMock).toHaveReceivedCommandWith(DeleteChangeSetCommand, { ChangeSetName: CHANGE_SET_ID });
    expect(cfnMock).not.toHaveReceivedCommand(ExecuteChangeSetCommand);
  });

  it('a change set still being described is deleted and previews nothing (null)', async () => {
    s3Mock.on(PutObjectCommand).resolves({});
    cfnMock.on(CreateChangeSetCommand).resolves({ Id: CHANGE_SET_ID }).on(DescribeChangeSetCommand).resolves(changeSet({ Status: 'CREATE_IN_PROGRESS' })).on(DeleteChangeSetCommand).resolves({});

    expect(await preview(readyRecord())).toBeNull();
    expect(cfnMock).toHaveReceivedCommand(DeleteChangeSetCommand);
  });
});
