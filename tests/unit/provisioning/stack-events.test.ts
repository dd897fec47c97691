import { CloudFormationClient, DescribeStackEventsCommand } from '@aws-sdk/client-cloudformation';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { logger } from '../../../lib/logger.js';
import { handleStackEvents } from '../../../lib/provisioning/stack-events.js';
import { fakeDeps } from '../../support/fakes.js';
import { DIRECT_STACK_ID, pendingRecord, REQUEST_ID, STACK_NAME } from '../../support/records.js';
import { snsRecords, stackNotificationMessage } from '../../support/stack-notifications.js';

const cfnMock = mockClient(CloudFormationClient);
let warn: ReturnType<typeof vi.spyOn>;
beforeEach(() => {
  warn = vi.spyOn(logger, 'warn').mockImplementation(() => undefined);
});
afterEach(() => {
  vi.restoreAllMocks();
  cfnMock.reset();
});

const started = stackNotificationMessage({ stackId: DIRECT_STACK_ID, stackName: STACK_NAME, resourceStatus: 'CREATE_IN_PROGRESS' });

describe('handleStackEvents', () => {
  it("applies a stack-level notification to its request, found by the id in the stack's name", async () => {
    const { deps, store } = fakeDeps();
    store.seed(pendingRecord());

    await handleStackEvents(deps, snsRecords(started));

    expect(store.current('acme', REQUEST_ID)).toMatchObject({ status: 'CREATING', launch: { stackId: DIRECT_STACK_ID, stackStatus: 'CREATE_IN_PROGRESS' } });
    expect(warn).not.toHaveBeenCalled();
  });

  it('logs and skips a message that is not a stack notification, and still applies the rest of the batch', async () => {
    const { deps, store } = fakeDeps();
    store.seed(pendingRecord());
    const records = snsRecords('{"not":"a notification"}', started);

    await handleStackEvents(deps, records);

    expect(warn).toHaveBeenCalledTimes(1);
    expect(warn).toHaveBeenCalledWith('ignored a notification that is not about a BYOB stack', { messageId: records[0]!.Sns.MessageId });
    expect(store.current('acme', REQUEST_ID).status).toBe('CREATING');
  });

  it("logs and skips a notification about a stack that is not a BYOB request's", async () => {
    const { deps, store } = fakeDeps();
    store.seed(pendingRecord());

    await handleStackEvents(deps, snsRecords(stackNotificationMessage({ stackId: DIRECT_STACK_ID, stackName: 'someone-elses-stack', resourceStatus: 'CREATE_IN_PROGRESS' })));

    expect(warn).toHaveBeenCalledTimes(1);
    expect(store.commits).toEqual([]);
  });

  it('ignores resource-level notifications and requests that do not exist', async () => {
    const { deps, store } = fakeDeps();
    store.seed(pendingRecord());
    const bucketDone = stackNotificationMessage({ stackId: DIRECT_STACK_ID, stackName: STACK_NAME, logicalResourceId: 'ByobBucket', resourceType: 'AWS::S3::Bucket', resourceStatus: 'CREATE_COMPLETE' });
    const otherRequest = stackNotificationMessage({ stackId: DIRECT_STACK_ID, stackName: 'byob-01jqc00000000000000000next', resourceStatus: 'CREATE_IN_PROGRESS' });

    await handleStackEvents(deps, snsRecords(bucketDone, otherRequest));

    expect(store.commits).toEqual([]);
    expect(warn).not.toHaveBeenCalled();
  });

  it('applies the notifications of a batch in order', async () => {
    const { deps, store } = fakeDeps();
    store.seed(pendingRecord());
    const complete = stackNotificationMessage({ stackId: DIRECT_STACK_ID, stackName: STACK_NAME, resourceStatus: 'ROLLBACK_COMPLETE' });
    cfnMock.on(DescribeStackEventsCommand).resolves({ StackEvents: [] });

    await handleStackEvents(deps, snsRecords(started, complete));

    expect(store.commits.map((c) => c.after.status)).toEqual(['CREATING', 'FAILED']);
  });
});
