import { CloudFormationClient, DescribeStackEventsCommand, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-vitest/extend';
import { afterEach, describe, expect, it } from 'vitest';
import type { ByobRecord } from '../../../lib/provisioning/record.js';
import { StaleRecordError } from '../../../lib/provisioning/stale-record.js';
import type { StackNotification } from '../../../lib/provisioning/stack-notification.js';
import type { Status } from '../../../lib/provisioning/state-machine.js';
import { applyStackStatus, onStackNotification, syncWithStack, verifyAndSettle, withFreshRecord } from '../../../lib/provisioning/workflow.js';
import { describedStack, failedEvent, stackDoesNotExist } from '../../support/cfn-answers.js';
import { FAILED_CHECKS, fakeDeps, T0 } from '../../support/fakes.js';
import {
  CHANGE_SET_ID,
  DIRECT_STACK_ID,
  directRecord,
  idleCallback,
  pendingRecord,
  RECORD_OUTPUTS,
  readyRecord,
  REQUEST_ID,
  STACK_NAME,
  STACK_OUTPUTS,
  updatingRecord,
} from '../../support/records.js';

const cfnMock = mockClient(CloudFormationClient);
afterEach(() => cfnMock.reset());

const seeded = (record: ByobRecord, opts: Parameters<typeof fakeDeps>[0] = {}) => {
  const f = fakeDeps(opts);
  const read = f.store.seed(record);
  return { ...f, read, current: () => f.store.current(record.tenant, record.id) };
};

/** A record in `status` as it would be there: outputs once provisioned, no stack id before launch. */
const inStatus = (status: Status): ByobRecord =>
  ['READY', 'FAILED', 'VERIFYING', 'DELETING', 'DELETED'].includes(status)
    ? readyRecord({ status })
    : directRecord({ status, launch: { ...directRecord().launch, stackId: status === 'CREATING' ? DIRECT_STACK_ID : null, stackStatus: null } });

const ALL: Status[] = ['PENDING', 'AWAITING_CUSTOMER', 'CREATING', 'VERIFYING', 'READY', 'FAILED', 'EXPIRED', 'DELETING', 'DELETED'];

/** What applying a stack status to a record in each status ends in (absent: no change). */
const OUTCOMES: Record<string, Partial<Record<Status, Status>>> = {
  CREATE_IN_PROGRESS: { PENDING: 'CREATING', AWAITING_CUSTOMER: 'CREATING' },
  CREATE_COMPLETE: { PENDING: 'READY', AWAITING_CUSTOMER: 'READY', CREATING: 'READY' },
  ROLLBACK_COMPLETE: { PENDING: 'FAILED', AWAITING_CUSTOMER: 'FAILED', CREATING: 'FAILED', DELETING: 'FAILED' },
  DELETE_COMPLETE: { DELETING: 'DELETED', READY: 'DELETED', FAILED: 'DELETED' },
  UPDATE_COMPLETE: {},
};

describe('applyStackStatus', () => {
  describe.each(Object.keys(OUTCOMES))('stack %s', (stackStatus) => {
    it.each(ALL)('on a %s record', async (status) => {
      cfnMock.on(DescribeStackEventsCommand).resolves({ StackEvents: [] });
      const { deps, read, store, current } = seeded(inStatus(status));

      const out = await applyStackStatus(deps, read, DIRECT_STACK_ID, stackStatus, STACK_OUTPUTS);

      const expected = OUTCOMES[stackStatus]![status];
      if (expected) {
        expect(out?.status).toBe(expected);
        expect(current().status).toBe(expected);
        expect(current().launch.stackId).toBe(DIRECT_STACK_ID);
      } else {
        expect(out).toBeNull();
        expect(store.commits).toEqual([]);
        expect(current()).toEqual(read);
        expect(cfnMock.calls()).toEqual([]);
      }
    });
  });

  it('in progress: a launched request becomes CREATING and records the stack', async () => {
    const { deps, read, store } = seeded(pendingRecord());

    const out = await applyStackStatus(deps, read, DIRECT_STACK_ID, 'CREATE_IN_PROGRESS');

    expect(out).toMatchObject({ status: 'CREATING', launch: { stackId: DIRECT_STACK_ID, stackStatus: 'CREATE_IN_PROGRESS', stackName: STACK_NAME } });
    expect(store.commits.map((c) => c.after.status)).toEqual(['CREATING']);
  });

  it('complete: VERIFYING with the outputs, then READY with the verification', async () => {
    const { deps, read, store, verified } = seeded(directRecord());

    const out = await applyStackStatus(deps, read, DIRECT_STACK_ID, 'CREATE_COMPLETE', STACK_OUTPUTS);

    expect(store.commits.map((c) => c.after.status)).toEqual(['VERIFYING', 'READY']);
    expect(verified).toHaveLength(1);
    expect(verified[0]).toMatchObject({ status: 'VERIFYING', outputs: RECORD_OUTPUTS, launch: { stackStatus: 'CREATE_COMPLETE' } });
    expect(out).toMatchObject({ status: 'READY', outputs: RECORD_OUTPUTS, verification: { status: 'passed' }, failure: null });
    // READY is due for its scheduled re-verification (continuous assurance), within one interval.
    expect(Date.parse(out!.dueAt!)).toBeGreaterThan(deps.clock().getTime());
  });

  it('complete but the bucket fails verification: FAILED naming the failed checks', async () => {
    const { deps, read } = seeded(directRecord(), { verification: FAILED_CHECKS });

    const out = await applyStackStatus(deps, read, DIRECT_STACK_ID, 'CREATE_COMPLETE', STACK_OUTPUTS);

    expect(out).toMatchObject({ status: 'FAILED', verification: FAILED_CHECKS, outputs: RECORD_OUTPUTS });
    expect(out!.failure).toEqual({
      code: 'verification_failed',
      message: 'Verification failed: versioning. See verification.checks for how to fix each.',
      resource: null,
    });
  });

  it('complete, outputs not in the notification: reads them with one DescribeStacks', async () => {
    cfnMock.on(DescribeStacksCommand).resolves(describedStack('CREATE_COMPLETE'));
    const { deps, read } = seeded(directRecord());

    const out = await applyStackStatus(deps, read, DIRECT_STACK_ID, 'CREATE_COMPLETE');

    expect(cfnMock).toHaveReceivedCommandTimes(DescribeStacksCommand, 1);
    expect(cfnMock).toHaveReceivedCommandWith(DescribeStacksCommand, { StackName: DIRECT_STACK_ID });
    expect(out).toMatchObject({ status: 'READY', outputs: RECORD_OUTPUTS });
  });

  it('complete without BucketName/BucketArn outputs: FAILED outputs_missing, nothing verified', async () => {
    const { deps, read, verified } = seeded(directRecord());

    const out = await applyStackStatus(deps, read, DIRECT_STACK_ID, 'CREATE_COMPLETE', { Region: 'eu-central-1' });

    expect(out).toMatchObject({ status: 'FAILED', failure: { code: 'outputs_missing' }, launch: { stackStatus: 'CREATE_COMPLETE' }, outputs: null });
    expect(verified).toEqual([]);
  });

  it('complete, and the stack is gone when its outputs are read: FAILED outputs_missing', async () => {
    cfnMock.on(DescribeStacksCommand).rejects(stackDoesNotExist(DIRECT_STACK_ID));
    const { deps, read } = seeded(directRecord());

    const out = await applyStackStatus(deps, read, DIRECT_STACK_ID, 'CREATE_COMPLETE');

    expect(out?.failure?.code).toBe('outputs_missing');
  });

  it('failed: FAILED with the first real failure from the stack events', async () => {
    cfnMock.on(DescribeStackEventsCommand).resolves({
      StackEvents: [failedEvent('ByobKmsKey', 'Resource creation cancelled', 3), failedEvent('ByobBucket', 'acme-omega-artifacts already exists', 2)],
    });
    const { deps, read } = seeded(directRecord());

    const out = await applyStackStatus(deps, read, DIRECT_STACK_ID, 'ROLLBACK_COMPLETE');

    expect(cfnMock).toHaveReceivedCommandWith(DescribeStackEventsCommand, { StackName: DIRECT_STACK_ID });
    expect(out).toMatchObject({
      status: 'FAILED',
      launch: { stackStatus: 'ROLLBACK_COMPLETE' },
      failure: { code: 'stack_failed', message: 'acme-omega-artifacts already exists', resource: 'ByobBucket' },
    });
  });

  it('failed with no failed resource in the events: FAILED saying how the stack ended', async () => {
    cfnMock.on(DescribeStackEventsCommand).resolves({ StackEvents: [] });
    const { deps, read } = seeded(readyRecord({ status: 'DELETING' }));

    const out = await applyStackStatus(deps, read, DIRECT_STACK_ID, 'DELETE_FAILED');

    expect(out?.failure).toEqual({ code: 'stack_failed', message: 'The stack ended DELETE_FAILED.', resource: null });
  });

  it('deleted: DELETED, keeping the outputs of the retained bucket', async () => {
    const { deps, read } = seeded(readyRecord({ status: 'DELETING' }));

    const out = await applyStackStatus(deps, read, DIRECT_STACK_ID, 'DELETE_COMPLETE');

    expect(out).toMatchObject({ status: 'DELETED', launch: { stackStatus: 'DELETE_COMPLETE' }, outputs: RECORD_OUTPUTS, dueAt: null });
  });
});

describe('applyStackStatus on a request being updated', () => {
  const CHANGES = [{ action: 'Modify', logicalId: 'ByobBucket', resourceType: 'AWS::S3::Bucket', replacement: 'False' as const }];
  const executing = (over: Parameters<typeof updatingRecord>[1] = {}) =>
    updatingRecord({ phase: 'executing', changeSetId: CHANGE_SET_ID, changes: CHANGES, toVersion: '2027-01-01.1' }, { callback: idleCallback(), ...over });
  const eventTypes = (store: ReturnType<typeof seeded>['store']) => [...store.outbox.values()].sort((a, b) => (a.eventId < b.eventId ? -1 : 1)).map((o) => o.type);

  it('completed: VERIFYING with what the update changed and the new outputs, then READY with lastUpdate succeeded and byob.updated', async () => {
    const { deps, read, store, verified } = seeded(executing());
    const u = read.update!;

    const out = await applyStackStatus(deps, read, DIRECT_STACK_ID, 'UPDATE_COMPLETE', { ...STACK_OUTPUTS, RoleArn: 'arn:aws:iam::123456789012:role/byob-x' });

    expect(store.commits.map((c) => c.after.status)).toEqual(['VERIFYING', 'READY']);
    expect(verified[0]).toMatchObject({ status: 'VERIFYING', corsRules: u.target.corsRules, tags: u.target.tags, templateVersion: '2027-01-01.1', templateKey: u.templateKey });
    expect(out).toMatchObject({
      status: 'READY',
      update: null,
      corsRules: u.target.corsRules,
      templateVersion: '2027-01-01.1',
      templateKey: u.templateKey,
      outputs: { ...RECORD_OUTPUTS, roleArn: 'arn:aws:iam::123456789012:role/byob-x' },
      launch: { stackStatus: 'UPDATE_COMPLETE' },
      lastUpdate: { status: 'succeeded', fromVersion: '2026-11-24.1', toVersion: '2027-01-01.1', changes: CHANGES, at: T0.toISOString() },
      drift: null,
      driftDetection: null,
    });
    expect(eventTypes(store)).toEqual(['byob.status_changed', 'byob.status_changed', 'byob.updated']);
  });

  it('completed, but the updated bucket fails verification: DEGRADED (never FAILED), the update itself succeeded', async () => {
    const { deps, read, store } = seeded(executing(), { verification: FAILED_CHECKS });

    const out = await applyStackStatus(deps, read, DIRECT_STACK_ID, 'UPDATE_COMPLETE_CLEANUP_IN_PROGRESS', STACK_OUTPUTS);

    expect(out).toMatchObject({ status: 'DEGRADED', verification: FAILED_CHECKS, failure: null, lastUpdate: { status: 'succeeded' } });
    expect(eventTypes(store)).toEqual(['byob.status_changed', 'byob.status_changed', 'byob.degraded', 'byob.updated']);
  });

  it('rolled back: READY again on everything it had, lastUpdate failed with the first failure of this update, byob.update_failed', async () => {
    cfnMock.on(DescribeStackEventsCommand).resolves({
      StackEvents: [
        { ...failedEvent('ByobBucketPolicy', 'Policy has invalid resource', 30), ResourceStatus: 'UPDATE_FAILED', ResourceType: 'AWS::S3::BucketPolicy' },
        // An earlier operation's failure is not this update's.
        failedEvent('ByobBucket', 'an old failure', -60),
      ],
    });
    const { deps, read, store } = seeded(executing());

    const out = await applyStackStatus(deps, read, DIRECT_STACK_ID, 'UPDATE_ROLLBACK_COMPLETE');

    expect(out).toMatchObject({
      status: 'READY',
      update: null,
      corsRules: read.corsRules,
      templateKey: read.templateKey,
      launch: { stackStatus: 'UPDATE_ROLLBACK_COMPLETE' },
      lastUpdate: { status: 'failed', reason: 'Policy has invalid resource', resource: 'ByobBucketPolicy', fromVersion: '2026-11-24.1', toVersion: '2027-01-01.1' },
    });
    expect(out!.templateVersion).toBe(read.templateVersion);
    expect(eventTypes(store)).toEqual(['byob.status_changed', 'byob.update_failed']);
  });

  it('a rollback that failed too ends the update failed, saying the stack needs its owner', async () => {
    cfnMock.on(DescribeStackEventsCommand).resolves({ StackEvents: [] });
    const { deps, read } = seeded(executing());

    const out = await applyStackStatus(deps, read, DIRECT_STACK_ID, 'UPDATE_ROLLBACK_FAILED');

    expect(out).toMatchObject({ status: 'READY', lastUpdate: { status: 'failed', resource: null, reason: expect.stringContaining('ContinueUpdateRollback') } });
  });

  it('in progress: only the stack status is noted, once', async () => {
    const { deps, read, store } = seeded(executing());

    const out = await applyStackStatus(deps, read, DIRECT_STACK_ID, 'UPDATE_IN_PROGRESS');

    expect(out).toMatchObject({ status: 'UPDATING', launch: { stackStatus: 'UPDATE_IN_PROGRESS' } });
    expect(await applyStackStatus(deps, out!, DIRECT_STACK_ID, 'UPDATE_IN_PROGRESS')).toBeNull();
    expect(store.commits).toEqual([]);
  });

  it('before its change set was executed, nothing a stack says moves the update', async () => {
    const { deps, read, store } = seeded(updatingRecord());

    for (const status of ['UPDATE_COMPLETE', 'UPDATE_ROLLBACK_COMPLETE', 'CREATE_COMPLETE', 'DELETE_COMPLETE']) {
      expect(await applyStackStatus(deps, read, DIRECT_STACK_ID, status, STACK_OUTPUTS)).toBeNull();
    }
    expect(store.commits).toEqual([]);
  });
});

describe('withFreshRecord', () => {
  it('hands the step the stored record, delivers webhooks for what it changed, and returns it', async () => {
    const { deps, store, delivered } = seeded(directRecord());
    const changed = { ...directRecord(), tags: { changed: 'yes' } };
    const seen: ByobRecord[] = [];

    const out = await withFreshRecord(deps, 'acme', REQUEST_ID, async (r) => {
      seen.push(r);
      return changed;
    });

    expect(seen).toEqual([store.current('acme', REQUEST_ID)]);
    expect(out).toBe(changed);
    expect(delivered).toEqual([changed]);
  });

  it('reads again and re-decides when a concurrent writer moved the record first', async () => {
    const { deps, store, read } = seeded(directRecord());
    const versions: number[] = [];

    const out = await withFreshRecord(deps, 'acme', REQUEST_ID, async (r) => {
      versions.push(r.version);
      if (versions.length === 1) await store.patch(read, { tags: { other: 'writer' } }, T0.toISOString());
      return store.patch(r, { bucketName: 'mine' }, T0.toISOString());
    });

    expect(versions).toEqual([read.version, read.version + 1]);
    expect(out).toMatchObject({ bucketName: 'mine', tags: { other: 'writer' }, version: read.version + 2 });
  });

  it('gives up after 5 attempts with a StaleRecordError naming the request', async () => {
    const { deps, delivered } = seeded(directRecord());
    let attempts = 0;

    const out = withFreshRecord(deps, 'acme', REQUEST_ID, async () => {
      attempts++;
      throw new StaleRecordError('moved');
    });

    await expect(out).rejects.toBeInstanceOf(StaleRecordError);
    await expect(out).rejects.toThrow(`${REQUEST_ID} kept changing; giving up after 5 attempts`);
    expect(attempts).toBe(5);
    expect(delivered).toEqual([]);
  });

  it('does not deliver when the step changed nothing, and returns the record as read', async () => {
    const { deps, read, delivered } = seeded(directRecord());

    expect(await withFreshRecord(deps, 'acme', REQUEST_ID, async () => null)).toEqual(read);
    expect(await withFreshRecord(deps, 'acme', REQUEST_ID, async (r) => r)).toEqual(read);
    expect(delivered).toEqual([]);
  });

  it('answers null for a record that does not exist, without running the step', async () => {
    const { deps } = fakeDeps();
    let ran = false;

    const out = await withFreshRecord(deps, 'acme', 'byob_01JQC0000000000000000NONE', async () => {
      ran = true;
      return null;
    });

    expect(out).toBeNull();
    expect(ran).toBe(false);
  });

  it('a failed immediate delivery does not fail the step (the reconciler retries)', async () => {
    const { deps, read } = seeded(directRecord());
    const failing = { ...deps, deliverNow: async () => Promise.reject(new Error('receiver down')) };

    const out = await withFreshRecord(failing, 'acme', REQUEST_ID, async (r) => ({ ...r, tags: { a: 'b' } }));

    expect(out).toMatchObject({ id: read.id, tags: { a: 'b' } });
  });

  it('lets any other error through at once', async () => {
    const { deps } = seeded(directRecord());
    let attempts = 0;

    await expect(
      withFreshRecord(deps, 'acme', REQUEST_ID, async () => {
        attempts++;
        throw new Error('DynamoDB is down');
      }),
    ).rejects.toThrow('DynamoDB is down');
    expect(attempts).toBe(1);
  });
});

describe('verifyAndSettle', () => {
  it('settles a VERIFYING record READY with the verification and delivers its webhooks', async () => {
    const { deps, read, current, delivered } = seeded(readyRecord({ status: 'VERIFYING', verification: null, callback: idleCallback() }));

    const out = await verifyAndSettle(deps, read);

    expect(out).toMatchObject({ status: 'READY', verification: { status: 'passed' }, failure: null });
    expect(current()).toEqual(out);
    expect(delivered.map((r) => r.status)).toEqual(['READY']);
  });

  it('settles FAILED with every failed check named when verification fails', async () => {
    const twoFailed = {
      ...FAILED_CHECKS,
      checks: [...FAILED_CHECKS.checks, { id: 'cors', status: 'failed' as const, detail: 'missing origin' }, { id: 'kms', status: 'passed' as const, detail: 'ok' }],
    };
    const { deps, read } = seeded(readyRecord({ status: 'VERIFYING', verification: null }), { verification: twoFailed });

    const out = await verifyAndSettle(deps, read);

    expect(out.status).toBe('FAILED');
    expect(out.failure?.message).toBe('Verification failed: versioning, cors. See verification.checks for how to fix each.');
  });

  it('settles a warning as READY', async () => {
    const warning = { ...FAILED_CHECKS, status: 'warning' as const, checks: [{ id: 'rotation', status: 'warning' as const, detail: 'off' }] };
    const { deps, read } = seeded(readyRecord({ status: 'VERIFYING' }), { verification: warning });

    expect((await verifyAndSettle(deps, read)).status).toBe('READY');
  });

  it('is not stranded by a concurrent non-status write made while it verified', async () => {
    const { deps, read, store, current } = seeded(readyRecord({ status: 'VERIFYING', callback: idleCallback() }));
    const summaryWrittenMeanwhile = async () => {
      await store.patch(read, { callback: { ...idleCallback(), status: 'delivered' } }, T0.toISOString());
      return FAILED_CHECKS;
    };
    const verifying = { ...deps, verify: summaryWrittenMeanwhile };

    const out = await verifyAndSettle(verifying, read);

    expect(out.status).toBe('FAILED');
    expect(current()).toMatchObject({ status: 'FAILED', version: read.version + 2 });
  });

  it('leaves a record that another writer already settled as it is', async () => {
    const { deps, read, store } = seeded(readyRecord({ status: 'VERIFYING' }));
    store.seed({ ...read, status: 'FAILED', version: read.version + 1 });

    const out = await verifyAndSettle(deps, read);

    expect(out.status).toBe('FAILED');
    expect(store.commits).toEqual([]);
  });
});

describe('syncWithStack', () => {
  it('asks CloudFormation once, by stack id, and applies what it reports with its outputs', async () => {
    cfnMock.on(DescribeStacksCommand).resolves(describedStack('CREATE_COMPLETE'));
    const { deps, read } = seeded(directRecord());

    const out = await syncWithStack(deps, read);

    expect(cfnMock).toHaveReceivedCommandTimes(DescribeStacksCommand, 1);
    expect(cfnMock).toHaveReceivedCommandWith(DescribeStacksCommand, { StackName: DIRECT_STACK_ID });
    expect(out).toMatchObject({ status: 'READY', outputs: RECORD_OUTPUTS });
  });

  it('asks by the deterministic stack name when no stack id was recorded', async () => {
    cfnMock.on(DescribeStacksCommand).resolves(describedStack('CREATE_IN_PROGRESS'));
    const { deps, read } = seeded(pendingRecord());

    const out = await syncWithStack(deps, read);

    expect(cfnMock).toHaveReceivedCommandWith(DescribeStacksCommand, { StackName: STACK_NAME });
    expect(out).toMatchObject({ status: 'CREATING', launch: { stackId: DIRECT_STACK_ID } });
  });

  it('answers null when CloudFormation does not know the stack', async () => {
    cfnMock.on(DescribeStacksCommand).rejects(stackDoesNotExist());
    const { deps, read, store } = seeded(directRecord());

    expect(await syncWithStack(deps, read)).toBeNull();
    expect(store.commits).toEqual([]);
  });

  it('lets other CloudFormation errors through (throttling is retried by the next run)', async () => {
    cfnMock.on(DescribeStacksCommand).rejects(Object.assign(new Error('Rate exceeded'), { name: 'Throttling' }));
    const { deps, read } = seeded(directRecord());

    await expect(syncWithStack(deps, read)).rejects.toThrow('Rate exceeded');
  });
});

describe('onStackNotification', () => {
  const notification = (over: Partial<StackNotification> = {}): StackNotification => ({
    stackId: DIRECT_STACK_ID,
    stackName: STACK_NAME,
    logicalResourceId: STACK_NAME,
    resourceType: 'AWS::CloudFormation::Stack',
    resourceStatus: 'CREATE_IN_PROGRESS',
    resourceStatusReason: '',
    clientRequestToken: '',
    ...over,
  });

  it('applies a stack-level notification to the request of that tenant', async () => {
    const { deps, current, delivered } = seeded(pendingRecord());
    const asked: string[] = [];

    const out = await onStackNotification(deps, async (id) => (asked.push(id), 'acme'), REQUEST_ID, notification());

    expect(asked).toEqual([REQUEST_ID]);
    expect(out?.status).toBe('CREATING');
    expect(current()).toMatchObject({ status: 'CREATING', launch: { stackId: DIRECT_STACK_ID, stackStatus: 'CREATE_IN_PROGRESS' } });
    expect(delivered.map((r) => r.status)).toEqual(['CREATING']);
  });

  it('ignores a resource-level notification without looking the request up', async () => {
    const { deps, store } = seeded(pendingRecord());
    let looked = false;

    const out = await onStackNotification(
      deps,
      async () => ((looked = true), 'acme'),
      REQUEST_ID,
      notification({ logicalResourceId: 'ByobBucket', resourceType: 'AWS::S3::Bucket', resourceStatus: 'CREATE_COMPLETE' }),
    );

    expect(out).toBeNull();
    expect(looked).toBe(false);
    expect(store.commits).toEqual([]);
  });

  it('ignores a notification for a request nobody knows', async () => {
    const { deps, store } = seeded(pendingRecord());

    expect(await onStackNotification(deps, async () => null, REQUEST_ID, notification())).toBeNull();
    expect(store.commits).toEqual([]);
  });

  it('a repeated notification changes nothing the second time', async () => {
    const { deps, store } = seeded(pendingRecord());

    await onStackNotification(deps, async () => 'acme', REQUEST_ID, notification());
    const again = await onStackNotification(deps, async () => 'acme', REQUEST_ID, notification());

    expect(again?.status).toBe('CREATING');
    expect(store.commits).toHaveLength(1);
  });
});
