import { CloudFormationClient, DeleteStackCommand } from '@aws-sdk/client-cloudformation';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-vitest/extend';
import { afterEach, describe, expect, it } from 'vitest';
import { ConflictError, NotFoundError, PreconditionFailedError } from '../../../lib/errors.js';
import { deleteByob, reverify } from '../../../lib/provisioning/manage.js';
import { revisionOf } from '../../../lib/provisioning/record.js';
import type { ByobRecord } from '../../../lib/provisioning/record.js';
import type { StoredVerification } from '../../../lib/provisioning/record.js';
import { FAILED_CHECKS, fakeDeps, PASSED, T0 } from '../../support/fakes.js';
import { DIRECT_STACK_ID, directRecord, idleCallback, pendingRecord, quickCreateRecord, readyRecord, REQUEST_ID, updatingRecord } from '../../support/records.js';

const cfnMock = mockClient(CloudFormationClient);
afterEach(() => cfnMock.reset());

const seeded = (record: ByobRecord, verification?: StoredVerification) => {
  const f = fakeDeps(verification ? { verification } : {});
  const read = f.store.seed(record);
  return { ...f, read, current: () => f.store.current(record.tenant, record.id) };
};

const VERIFICATION_FAILED = {
  code: 'verification_failed',
  message: 'Verification failed: versioning. See verification.checks for how to fix each.',
  resource: null,
};

describe('reverify', () => {
  it('answers 404 for a request the tenant does not have', async () => {
    const { deps } = seeded(readyRecord());

    await expect(reverify(deps, 'other-tenant', REQUEST_ID)).rejects.toBeInstanceOf(NotFoundError);
  });

  it.each([
    ['CREATING without outputs', directRecord()],
    ['AWAITING_CUSTOMER', quickCreateRecord()],
    ['DELETED with outputs', readyRecord({ status: 'DELETED' })],
    ['FAILED without outputs', directRecord({ status: 'FAILED' })],
  ])('refuses (409) a request that is %s, without verifying', async (_what, record) => {
    const { deps, verified } = seeded(record);

    await expect(reverify(deps, 'acme', REQUEST_ID)).rejects.toBeInstanceOf(ConflictError);
    expect(verified).toEqual([]);
  });

  it('a READY bucket that passes keeps READY with the new verification, no status change and no webhook', async () => {
    const fresh: StoredVerification = { ...PASSED, checkedAt: '2026-11-25T00:00:00.000Z' };
    const { deps, read, store, current } = seeded(readyRecord({ callback: idleCallback() }), fresh);

    const out = await reverify(deps, 'acme', REQUEST_ID);

    expect(out).toMatchObject({ status: 'READY', verification: fresh, version: read.version + 1 });
    expect(current()).toEqual(out);
    expect(store.commits).toEqual([]);
    expect(store.outbox.size).toBe(0);
  });

  it("verifies interactively, with the record's clients", async () => {
    const { deps, read } = seeded(readyRecord());
    const calls: Array<{ record: ByobRecord; when: string | undefined }> = [];
    const recording = { ...deps, verify: async (record: ByobRecord, _clients: unknown, when?: 'afterProvisioning' | 'interactive') => (calls.push({ record, when }), PASSED) };

    await reverify(recording, 'acme', REQUEST_ID);

    expect(calls).toEqual([{ record: read, when: 'interactive' }]);
  });

  it('a READY bucket that now fails becomes DEGRADED with the checks (never FAILED), keeps its team and raises byob.degraded', async () => {
    const { deps, store, current } = seeded(readyRecord({ callback: idleCallback() }), FAILED_CHECKS);

    const out = await reverify(deps, 'acme', REQUEST_ID);

    expect(out).toMatchObject({ status: 'DEGRADED', verification: FAILED_CHECKS, failure: null });
    expect(current().status).toBe('DEGRADED');
    expect(store.commits[0]!.lock).toBe('keep');
    expect(store.commits[0]!.outbox.map((o) => o.type)).toEqual(['byob.status_changed', 'byob.degraded']);
  });

  it('a FAILED bucket that now passes becomes READY again, its failure cleared and the team taken back', async () => {
    const { deps, store } = seeded(readyRecord({ status: 'FAILED', verification: FAILED_CHECKS, failure: VERIFICATION_FAILED }));

    const out = await reverify(deps, 'acme', REQUEST_ID);

    expect(out).toMatchObject({ status: 'READY', verification: PASSED, failure: null });
    expect(store.commits[0]!.lock).toBe('acquire');
  });

  it('a FAILED bucket that still fails stays FAILED with the new verification, no status change', async () => {
    const earlier = { code: 'stack_failed', message: 'old reason', resource: null };
    const { deps, store, current } = seeded(readyRecord({ status: 'FAILED', failure: earlier }), FAILED_CHECKS);

    const out = await reverify(deps, 'acme', REQUEST_ID);

    expect(out).toMatchObject({ status: 'FAILED', verification: FAILED_CHECKS, failure: VERIFICATION_FAILED });
    expect(current()).toEqual(out);
    expect(store.commits).toEqual([]);
  });

  it('a VERIFYING bucket is settled by the result', async () => {
    const { deps } = seeded(readyRecord({ status: 'VERIFYING' }));

    expect((await reverify(deps, 'acme', REQUEST_ID)).status).toBe('READY');
  });

  it('a FAILED bucket whose team another request took meanwhile cannot become READY again: 409', async () => {
    const { deps, store } = seeded(readyRecord({ status: 'FAILED' }));
    await store.create(directRecord({ id: 'byob_01JQC00000000000000000NEXT' }));

    await expect(reverify(deps, 'acme', REQUEST_ID)).rejects.toBeInstanceOf(ConflictError);
  });
});

describe('deleteByob', () => {
  it('answers 404 for a request the tenant does not have', async () => {
    const { deps } = seeded(readyRecord());

    await expect(deleteByob(deps, 'other-tenant', REQUEST_ID)).rejects.toBeInstanceOf(NotFoundError);
  });

  it('deletes a direct stack and moves to DELETING; the bucket and key stay (DeletionPolicy)', async () => {
    cfnMock.on(DeleteStackCommand).resolves({});
    const { deps, current } = seeded(readyRecord());

    const out = await deleteByob(deps, 'acme', REQUEST_ID);

    expect(cfnMock).toHaveReceivedCommandTimes(DeleteStackCommand, 1);
    expect(cfnMock).toHaveReceivedCommandWith(DeleteStackCommand, { StackName: DIRECT_STACK_ID });
    expect(out).toMatchObject({ status: 'DELETING', launch: { stackId: DIRECT_STACK_ID, stackStatus: 'DELETE_IN_PROGRESS' } });
    expect(current().status).toBe('DELETING');
  });

  it('answers the DELETED record when the stack\'s own DELETE_COMPLETE ended the request before its DELETING was written', async () => {
    const { deps, store, current } = seeded(readyRecord());
    cfnMock.on(DeleteStackCommand).callsFake(async () => {
      // As the emulator does: the stack is gone at once, and its notification ends the request first.
      const r = store.current('acme', REQUEST_ID);
      store.seed({ ...r, status: 'DELETED', version: r.version + 1, activeKey: r.activeKey });
      return {};
    });

    const out = await deleteByob(deps, 'acme', REQUEST_ID);

    expect(out.status).toBe('DELETED');
    expect(current().status).toBe('DELETED');
    expect(cfnMock).toHaveReceivedCommandTimes(DeleteStackCommand, 1);
  });

  it('deletes a stack still being created', async () => {
    cfnMock.on(DeleteStackCommand).resolves({});
    const { deps } = seeded(directRecord());

    expect((await deleteByob(deps, 'acme', REQUEST_ID)).status).toBe('DELETING');
    expect(cfnMock).toHaveReceivedCommandTimes(DeleteStackCommand, 1);
  });

  it('deletes the stack of a FAILED direct request and ends it DELETED at once', async () => {
    cfnMock.on(DeleteStackCommand).resolves({});
    const { deps } = seeded(readyRecord({ status: 'FAILED' }));

    const out = await deleteByob(deps, 'acme', REQUEST_ID);

    expect(cfnMock).toHaveReceivedCommandWith(DeleteStackCommand, { StackName: DIRECT_STACK_ID });
    expect(out.status).toBe('DELETED');
  });

  it('ends a FAILED request that never got a stack without calling CloudFormation', async () => {
    const { deps } = seeded(pendingRecord({ status: 'FAILED' }));

    expect((await deleteByob(deps, 'acme', REQUEST_ID)).status).toBe('DELETED');
    expect(cfnMock.calls()).toEqual([]);
  });

  it('refuses (409) while the request is still being launched', async () => {
    const { deps, store } = seeded(pendingRecord());

    await expect(deleteByob(deps, 'acme', REQUEST_ID)).rejects.toThrow(new ConflictError(`Request ${REQUEST_ID} is still being launched; try again in a minute.`));
    expect(store.commits).toEqual([]);
  });

  it('refuses (409) while the bucket is being verified, before touching the stack', async () => {
    cfnMock.on(DeleteStackCommand).resolves({});
    const { deps, read, current } = seeded(readyRecord({ status: 'VERIFYING' }));

    await expect(deleteByob(deps, 'acme', REQUEST_ID)).rejects.toThrow(new ConflictError(`Request ${REQUEST_ID} is being verified; try again in a minute.`));
    expect(cfnMock.calls()).toEqual([]);
    expect(current()).toEqual(read);
  });

  it("refuses (409) a quick-create stack that runs in the customer's account: they delete it there", async () => {
    const { deps, store } = seeded(readyRecord({ launch: { ...quickCreateRecord().launch, stackId: 'arn:aws:cloudformation:eu-central-1:111111111111:stack/x/y' } }));

    await expect(deleteByob(deps, 'acme', REQUEST_ID)).rejects.toThrow(/delete it there/);
    expect(cfnMock.calls()).toEqual([]);
    expect(store.commits).toEqual([]);
  });

  it('ends an unused quick-create link DELETED, and frees the team', async () => {
    const { deps, store } = fakeDeps();
    await store.create(quickCreateRecord());

    const out = await deleteByob(deps, 'acme', REQUEST_ID);

    expect(out.status).toBe('DELETED');
    expect(store.locks.size).toBe(0);
    expect(cfnMock.calls()).toEqual([]);
  });

  it.each(['FAILED', 'EXPIRED'] as const)('ends a %s quick-create request DELETED without touching its stack', async (status) => {
    const { deps } = seeded(quickCreateRecord({ status, launch: { ...quickCreateRecord().launch, stackId: 'arn:aws:cloudformation:eu-central-1:111111111111:stack/x/y' } }));

    expect((await deleteByob(deps, 'acme', REQUEST_ID)).status).toBe('DELETED');
    expect(cfnMock.calls()).toEqual([]);
  });

  it.each(['DELETED', 'DELETING'] as const)('answers a %s request as it is (DELETE is idempotent)', async (status) => {
    const { deps, read, store } = seeded(readyRecord({ status }));

    expect(await deleteByob(deps, 'acme', REQUEST_ID)).toEqual(read);
    expect(store.commits).toEqual([]);
    expect(cfnMock.calls()).toEqual([]);
  });

  it('lets a CloudFormation refusal through and leaves the record as it was', async () => {
    cfnMock.on(DeleteStackCommand).rejects(Object.assign(new Error('not authorized to perform: cloudformation:DeleteStack'), { name: 'AccessDenied' }));
    const { deps, read, current } = seeded(readyRecord());

    await expect(deleteByob(deps, 'acme', REQUEST_ID)).rejects.toThrow(/not authorized/);
    expect(current()).toEqual(read);
  });

  it('decides on the record as it is when it writes, not as first read', async () => {
    cfnMock.on(DeleteStackCommand).resolves({});
    const { deps, store, read } = seeded(readyRecord());
    let moved = false;
    store.beforeCommit = (plan) => {
      if (moved) return;
      moved = true;
      store.seed({ ...plan.before, status: 'FAILED', version: plan.before.version + 1, updatedAt: T0.toISOString() });
    };

    const out = await deleteByob(deps, 'acme', REQUEST_ID);

    expect(read.status).toBe('READY');
    expect(out.status).toBe('DELETED');
  });
});

describe('If-Match on DELETE and POST verify', () => {
  it('a stale If-Match is a 412: no stack deleted, nothing verified, nothing written', async () => {
    const { deps, read, verified, current } = seeded(readyRecord());
    const stale = (v: number) => v === read.version - 1;

    await expect(deleteByob(deps, 'acme', REQUEST_ID, stale)).rejects.toBeInstanceOf(PreconditionFailedError);
    await expect(reverify(deps, 'acme', REQUEST_ID, stale)).rejects.toBeInstanceOf(PreconditionFailedError);

    expect(cfnMock.calls()).toEqual([]);
    expect(verified).toEqual([]);
    expect(current()).toEqual(read);
  });

  it('a record changed while it was verified is a 412 with If-Match (its result is not written over the other change)', async () => {
    const { deps, read, store, current } = seeded(readyRecord());
    // Another caller's change lands meanwhile: it moves the revision (a bookkeeping write would not).
    deps.verify = async () => {
      await store.patch(store.current('acme', REQUEST_ID), { callback: null, revision: read.version + 1 }, T0.toISOString());
      return PASSED;
    };

    await expect(reverify(deps, 'acme', REQUEST_ID, (v) => v === read.version)).rejects.toBeInstanceOf(PreconditionFailedError);
    expect(current().version).toBe(read.version + 1);
  });

  it('the current version, or *, lets them go on', async () => {
    cfnMock.on(DeleteStackCommand).resolves({});
    const { deps, read } = seeded(readyRecord());

    expect((await reverify(deps, 'acme', REQUEST_ID, () => true)).status).toBe('READY');
    const fresh = (await deps.store.get('acme', REQUEST_ID))!;
    expect((await deleteByob(deps, 'acme', REQUEST_ID, (v) => v === revisionOf(fresh))).status).toBe('DELETING');
    expect(fresh.version).toBeGreaterThan(read.version);
  });
});

describe('a request being updated', () => {
  it('cannot be deleted or verified until its update has finished (409)', async () => {
    const { deps, read, current } = seeded(updatingRecord());

    await expect(deleteByob(deps, 'acme', REQUEST_ID)).rejects.toBeInstanceOf(ConflictError);
    await expect(reverify(deps, 'acme', REQUEST_ID)).rejects.toBeInstanceOf(ConflictError);
    expect(cfnMock.calls()).toEqual([]);
    expect(current()).toEqual(read);
  });
});
