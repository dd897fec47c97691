import {
  CloudFormationClient,
  DescribeStackDriftDetectionStatusCommand,
  DescribeStackResourceDriftsCommand,
  DetectStackDriftCommand,
} from '@aws-sdk/client-cloudformation';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-vitest/extend';
import { afterEach, describe, expect, it } from 'vitest';
import { assure, assuredStatus, DRIFT_TIMEOUT_MS } from '../../../lib/provisioning/assurance.js';
import { reverify } from '../../../lib/provisioning/manage.js';
import { reconcile } from '../../../lib/provisioning/reconcile.js';
import type { ByobRecord, StoredVerification } from '../../../lib/provisioning/record.js';
import { nextAtPhase, schedulePhase } from '../../../lib/provisioning/reverify-schedule.js';
import { transition } from '../../../lib/provisioning/transition.js';
import { FAILED_CHECKS, PASSED, REGION, T0, fakeDeps } from '../../support/fakes.js';
import { DIRECT_STACK_ID, readyRecord as readyDirectRecord } from '../../support/records.js';

const cfnMock = mockClient(CloudFormationClient);
afterEach(() => {
  cfnMock.reset();
});

const DAY = 86_400_000;
const HOUR = 3_600_000;
const STACK_ID = DIRECT_STACK_ID;
const WARNING: StoredVerification = { status: 'warning', checkedAt: T0.toISOString(), checks: [{ id: 'cors', status: 'warning', detail: 'max age 60 s', remediation: 'raise it', commands: ['aws s3api put-bucket-cors …'] }] };

/** A provisioned direct-mode request (tests/support/records.ts), READY and due now, its webhooks delivered. */
const readyRecord = (over: Partial<ByobRecord> = {}): ByobRecord =>
  readyDirectRecord({
    callback: { url: 'https://portal.example.com/hooks', status: 'delivered', attempts: 1, lastAttemptAt: null, lastError: null, nextAttemptAt: null },
    outputs: { bucketName: 'acme-omega-artifacts', bucketArn: 'arn:aws:s3:::acme-omega-artifacts', kmsKeyArn: null, region: REGION, roleArn: null, accountId: '123456789012' },
    version: 5,
    verification: PASSED,
    dueAt: T0.toISOString(),
    scheduleSlot: 1,
    ...over,
  });

/** Fakes with a clock the test moves and a verifier answering whatever `answer.next` holds. */
const world = async (record: ByobRecord = readyRecord({ launch: { ...readyRecord().launch, mode: 'quick-create' } })) => {
  let now = T0;
  const answer = { next: PASSED };
  const fakes = fakeDeps({ clock: () => now });
  fakes.deps.verify = async () => answer.next;
  await fakes.store.create(record);
  return {
    ...fakes,
    answer,
    at: (t: Date) => void (now = t),
    /** The reconciler's every-minute run (what handlers/reconcile does). */
    run: () => reconcile({ ...fakes.deps, sendWebhook: async () => ({ kind: 'delivered', status: 204 }), random: () => 0.5 }),
    current: () => fakes.store.current(record.tenant, record.id),
    events: () => [...fakes.store.outbox.values()].map((o) => o.type),
  };
};

/** CloudFormation answers a completed detection: the access role drifted (changed or only added to) or in sync. */
const completed = (status: 'DRIFTED' | 'IN_SYNC', type: 'ADD' | 'REMOVE' = 'REMOVE') => {
  cfnMock.on(DescribeStackDriftDetectionStatusCommand).resolves({ DetectionStatus: 'DETECTION_COMPLETE', StackDriftStatus: status, StackId: STACK_ID, StackDriftDetectionId: 'det-1', Timestamp: new Date() });
  cfnMock.on(DescribeStackResourceDriftsCommand).resolves({
    StackResourceDrifts: [
      {
        StackId: STACK_ID,
        LogicalResourceId: 'ByobAccessRole',
        ResourceType: 'AWS::IAM::Role',
        StackResourceDriftStatus: status === 'DRIFTED' ? 'MODIFIED' : 'IN_SYNC',
        Timestamp: new Date(),
        PropertyDifferences: status === 'DRIFTED' ? [{ PropertyPath: '/AssumeRolePolicyDocument/Statement/0', ExpectedValue: '{}', ActualValue: '{}', DifferenceType: type === 'REMOVE' ? 'NOT_EQUAL' : 'ADD' }] : [],
      },
    ],
  });
};

describe('assuredStatus', () => {
  it('DEGRADED on a failed check or on drift that takes something away; a warning alone stays READY', () => {
    const removed = { status: 'DRIFTED' as const, checkedAt: '', resources: [{ logicalId: 'B', resourceType: 'AWS::S3::Bucket', status: 'MODIFIED' as const, differences: [{ path: '/X', type: 'REMOVE' as const, expected: null, actual: null }] }] };
    expect(assuredStatus(FAILED_CHECKS, null)).toBe('DEGRADED');
    expect(assuredStatus(PASSED, removed)).toBe('DEGRADED');
    expect(assuredStatus(WARNING, null)).toBe('READY');
    expect(assuredStatus(null, null)).toBe('READY');
  });
});

describe('a scheduled run over a READY request', () => {
  it('a failed check makes it DEGRADED with byob.degraded carrying the checks, re-verified hourly; passing again makes it READY with byob.recovered', async () => {
    // Prepare
    const w = await world();
    w.answer.next = FAILED_CHECKS;

    // Act
    const first = await w.run();

    // Assess
    expect(first).toMatchObject({ examined: 1, changed: 1, errors: 0 });
    const degraded = w.current();
    expect(degraded).toMatchObject({ status: 'DEGRADED', verification: FAILED_CHECKS, failure: null });
    expect(degraded.dueAt).toBe(nextAtPhase(schedulePhase(degraded), HOUR, T0).toISOString());
    expect(w.events()).toEqual(['byob.status_changed', 'byob.degraded']);
    const payload = JSON.parse([...w.store.outbox.values()].find((o) => o.type === 'byob.degraded')!.body);
    expect(payload.data.verification.checks).toEqual([expect.objectContaining({ id: 'versioning', status: 'failed', remediation: 'Enable versioning' })]);
    expect(w.store.locks.get('acme|team#omega')).toBe(degraded.id);

    // Act: fixed, and the next degraded slot comes
    w.answer.next = PASSED;
    w.at(new Date(Date.parse(degraded.dueAt!) + 1));
    await w.run();

    // Assess
    const ready = w.current();
    expect(ready.status).toBe('READY');
    expect(ready.dueAt).toBe(nextAtPhase(schedulePhase(ready), DAY, new Date(Date.parse(degraded.dueAt!) + 1)).toISOString());
    expect(w.events()).toEqual(['byob.status_changed', 'byob.degraded', 'byob.status_changed', 'byob.recovered']);
  });

  it('a warning alone keeps READY, records it, sends nothing, and schedules the next slot', async () => {
    const w = await world();
    w.answer.next = WARNING;

    await w.run();

    expect(w.current()).toMatchObject({ status: 'READY', verification: WARNING, version: 6 });
    expect(Date.parse(w.current().dueAt!)).toBeGreaterThan(T0.getTime());
    expect(w.events()).toEqual([]);
  });

  it('is not looked at before it is due', async () => {
    const w = await world(readyRecord({ dueAt: new Date(T0.getTime() + 1000).toISOString(), launch: { ...readyRecord().launch, mode: 'quick-create' } }));
    w.answer.next = FAILED_CHECKS;

    expect(await w.run()).toMatchObject({ examined: 0 });
    expect(w.current().status).toBe('READY');
  });
});

describe('drift detection, where the stack is in reach (direct mode)', () => {
  it('starts detection with the verification, reads it back a minute later, and folds removed or changed properties into DEGRADED', async () => {
    // Prepare
    const w = await world(readyRecord());
    cfnMock.on(DetectStackDriftCommand).resolves({ StackDriftDetectionId: 'det-1' });

    // Act: the slot run
    await w.run();

    // Assess
    expect(cfnMock).toHaveReceivedCommandWith(DetectStackDriftCommand, { StackName: STACK_ID });
    expect(w.current()).toMatchObject({ status: 'READY', driftDetection: { id: 'det-1', startedAt: T0.toISOString() }, dueAt: new Date(T0.getTime() + 60_000).toISOString() });

    // Act: the read-back run
    completed('DRIFTED');
    w.at(new Date(T0.getTime() + 60_000));
    await w.run();

    // Assess
    const degraded = w.current();
    expect(degraded).toMatchObject({ status: 'DEGRADED', driftDetection: null, drift: { status: 'DRIFTED', resources: [expect.objectContaining({ logicalId: 'ByobAccessRole', status: 'MODIFIED' })] } });
    expect(w.events()).toEqual(['byob.status_changed', 'byob.degraded']);
    expect(cfnMock).toHaveReceivedCommandTimes(DetectStackDriftCommand, 1);
  });

  it('drift that only adds (the customer’s own statement or tag) is recorded and stays READY', async () => {
    const w = await world(readyRecord({ driftDetection: { id: 'det-1', startedAt: T0.toISOString() } }));
    completed('DRIFTED', 'ADD');

    await w.run();

    expect(w.current()).toMatchObject({ status: 'READY', drift: { status: 'DRIFTED' }, driftDetection: null });
    expect(w.events()).toEqual([]);
  });

  it('a detection still running is looked at again shortly, and given up as UNKNOWN after 15 minutes', async () => {
    const w = await world(readyRecord({ driftDetection: { id: 'det-1', startedAt: T0.toISOString() } }));
    cfnMock.on(DescribeStackDriftDetectionStatusCommand).resolves({ DetectionStatus: 'DETECTION_IN_PROGRESS', StackId: STACK_ID, StackDriftDetectionId: 'det-1', Timestamp: new Date() });

    await w.run();
    expect(w.current()).toMatchObject({ status: 'READY', driftDetection: { id: 'det-1' }, dueAt: new Date(T0.getTime() + 60_000).toISOString() });

    w.at(new Date(T0.getTime() + DRIFT_TIMEOUT_MS));
    await w.run();
    expect(w.current()).toMatchObject({ status: 'READY', driftDetection: null, drift: { status: 'UNKNOWN', detail: expect.stringContaining('15 minutes') } });
  });

  it('a detection CloudFormation refuses (e.g. missing permissions) is UNKNOWN drift and degrades nothing', async () => {
    const w = await world(readyRecord());
    cfnMock.on(DetectStackDriftCommand).rejects(Object.assign(new Error('not authorized'), { name: 'AccessDenied' }));

    await w.run();

    expect(w.current()).toMatchObject({ status: 'READY', driftDetection: null, drift: { status: 'UNKNOWN', detail: expect.stringContaining('AccessDenied') } });
  });

  it('a detection that cannot start keeps the last completed drift in force: a throttled call neither recovers nor degrades', async () => {
    const drifted = { status: 'DRIFTED' as const, checkedAt: T0.toISOString(), resources: [{ logicalId: 'ByobBucket', resourceType: 'AWS::S3::Bucket', status: 'DELETED' as const, differences: [] }] };
    const w = await world(readyRecord({ status: 'DEGRADED', verification: PASSED, drift: drifted }));
    cfnMock.on(DetectStackDriftCommand).rejects(Object.assign(new Error('Rate exceeded'), { name: 'Throttling' }));

    await w.run();

    expect(w.current()).toMatchObject({ status: 'DEGRADED', drift: { status: 'DRIFTED', checkedAt: T0.toISOString(), detail: expect.stringMatching(/could not start \(Throttling\)\. Shown: the last completed detection/) } });
    expect(w.events()).toEqual([]);
  });

  it('a DEGRADED request recovers only when both the checks pass and the drift is gone', async () => {
    const drifted = { status: 'DRIFTED' as const, checkedAt: T0.toISOString(), resources: [{ logicalId: 'ByobBucket', resourceType: 'AWS::S3::Bucket', status: 'MODIFIED' as const, differences: [{ path: '/VersioningConfiguration/Status', type: 'NOT_EQUAL' as const, expected: 'Enabled', actual: 'Suspended' }] }] };
    const w = await world(readyRecord({ status: 'DEGRADED', verification: FAILED_CHECKS, drift: drifted }));
    cfnMock.on(DetectStackDriftCommand).resolves({ StackDriftDetectionId: 'det-2' });

    await w.run();
    expect(w.current()).toMatchObject({ status: 'DEGRADED', verification: PASSED, driftDetection: { id: 'det-2' } });

    completed('IN_SYNC');
    w.at(new Date(T0.getTime() + 60_000));
    await w.run();
    expect(w.current()).toMatchObject({ status: 'READY', drift: { status: 'IN_SYNC' } });
    expect(w.events()).toEqual(['byob.status_changed', 'byob.recovered']);
  });
});

describe('an on-demand verify while a drift detection runs', () => {
  it('marks the detection outdated; the next run starts it again instead of applying a result that may predate a fix', async () => {
    // Prepare: a DEGRADED request whose detection started before the customer's fix
    const w = await world(readyRecord({ status: 'DEGRADED', verification: FAILED_CHECKS, driftDetection: { id: 'det-1', startedAt: T0.toISOString() } }));
    completed('DRIFTED');
    cfnMock.on(DetectStackDriftCommand).resolves({ StackDriftDetectionId: 'det-2' });

    // Act
    const verified = await reverify(w.deps, 'acme', readyRecord().id);
    w.at(new Date(T0.getTime() + 60_000));
    await w.run();

    // Assess
    expect(verified).toMatchObject({ status: 'READY', driftDetection: { id: 'det-1', outdated: true } });
    expect(w.current()).toMatchObject({ status: 'READY', driftDetection: { id: 'det-2', startedAt: new Date(T0.getTime() + 60_000).toISOString() } });
    expect(cfnMock).not.toHaveReceivedCommand(DescribeStackDriftDetectionStatusCommand);
    expect(w.events()).toEqual(['byob.status_changed', 'byob.recovered']);
  });
});

describe('POST /byob/{id}/verify (manage.reverify) on a READY request', () => {
  it('a failed check makes it DEGRADED directly, never FAILED, and keeps the team slot', async () => {
    const w = await world();
    w.answer.next = FAILED_CHECKS;

    const out = await reverify(w.deps, 'acme', readyRecord().id);

    expect(out.status).toBe('DEGRADED');
    expect(w.store.commits.map((c) => `${c.before.status}→${c.after.status}`)).toEqual(['READY→DEGRADED']);
    expect(w.store.locks.get('acme|team#omega')).toBe(out.id);
  });

  it('a passing one stays READY with the new verification', async () => {
    const w = await world();
    w.answer.next = WARNING;

    expect(await reverify(w.deps, 'acme', readyRecord().id)).toMatchObject({ status: 'READY', verification: WARNING });
    expect(w.store.commits).toEqual([]);
  });
});

describe('entering READY', () => {
  it('takes the next schedule slot from the store, once, and is due at that slot', async () => {
    const { deps, store } = fakeDeps();
    const verifying = readyRecord({ status: 'VERIFYING', scheduleSlot: undefined, dueAt: null });
    await store.create(verifying);

    const ready = await transition(deps, verifying, 'READY');
    const degraded = await transition(deps, ready, 'DEGRADED');

    expect(ready.scheduleSlot).toBe(1);
    expect(degraded.scheduleSlot).toBe(1);
    expect(ready.dueAt).toBe(nextAtPhase(schedulePhase({ id: ready.id, scheduleSlot: 1 }), DAY, T0).toISOString());
  });

  it('honours REVERIFY_INTERVAL', async () => {
    const { deps, store } = fakeDeps();
    const verifying = readyRecord({ status: 'VERIFYING', scheduleSlot: 4, dueAt: null });
    await store.create(verifying);

    const ready = await transition({ ...deps, reverifyIntervalMs: 30_000 }, verifying, 'READY');

    expect(Date.parse(ready.dueAt!) - T0.getTime()).toBeLessThanOrEqual(30_000);
  });
});

describe('assure', () => {
  it('leaves a record alone that was deleted meanwhile', async () => {
    const w = await world();
    const record = w.current();
    await transition(w.deps, record, 'DELETED');

    expect((await assure(w.deps, record)).status).toBe('READY');
    expect(w.current().status).toBe('DELETED');
  });
});
