import { describe, expect, it } from 'vitest';
import { ConflictError } from '../../../lib/errors.js';
import { StaleRecordError } from '../../../lib/provisioning/stale-record.js';
import { InvalidTransitionError } from '../../../lib/provisioning/state-machine.js';
import { transition } from '../../../lib/provisioning/transition.js';
import { fakeDeps, T0 } from '../../support/fakes.js';
import { directRecord, idleCallback, pendingRecord, quickCreateRecord, readyRecord, REQUEST_ID } from '../../support/records.js';

const minutesAfterT0 = (m: number) => new Date(T0.getTime() + m * 60_000).toISOString();

describe('transition', () => {
  it('writes the new record, its lock change and its events in one commit', async () => {
    const { deps, store } = fakeDeps();
    const record = store.seed(directRecord({ callback: idleCallback() }));

    const after = await transition(deps, record, 'FAILED', { failure: { code: 'stack_failed', message: 'boom', resource: 'ByobBucket' } });

    expect(store.commits).toHaveLength(1);
    const plan = store.commits[0]!;
    expect(plan.before).toEqual(record);
    expect(plan.after).toEqual(after);
    expect(plan.lock).toBe('release');
    expect(plan.outbox.map((o) => o.type)).toEqual(['byob.status_changed', 'byob.failed']);
    expect(new Set(plan.outbox.map((o) => o.eventId)).size).toBe(2);
    expect(after).toMatchObject({ status: 'FAILED', version: record.version + 1, updatedAt: T0.toISOString(), failure: { code: 'stack_failed', resource: 'ByobBucket' } });
    expect(store.current('acme', REQUEST_ID)).toEqual(after);
  });

  it('moves the revision (the ETag) with the status; a bookkeeping write after it moves only the version', async () => {
    const { deps, store } = fakeDeps();
    const record = store.seed(directRecord({ version: 4, revision: 3 }));

    const failed = await transition(deps, record, 'FAILED', { failure: { code: 'stack_failed', message: 'boom', resource: null } });
    const summarised = await store.patch(failed, { callback: idleCallback() }, T0.toISOString());

    expect(failed).toMatchObject({ version: 5, revision: 4 });
    expect(summarised).toMatchObject({ version: 6, revision: 4 });
  });

  it('starts the revision from the version on a record written before revisions', async () => {
    const { deps, store } = fakeDeps();
    const record = store.seed(directRecord({ version: 7 }));

    expect(await transition(deps, record, 'FAILED')).toMatchObject({ version: 8, revision: 8 });
  });

  it('makes each event due now, carrying the public view of the new record', async () => {
    const { deps, store } = fakeDeps();
    const record = store.seed(directRecord({ callback: idleCallback() }));

    await transition(deps, record, 'VERIFYING');

    const [event] = store.commits[0]!.outbox;
    expect(event).toMatchObject({ tenant: 'acme', requestId: REQUEST_ID, type: 'byob.status_changed', status: 'pending', attempts: 0, occurredAt: T0.toISOString(), nextAttemptAt: T0.toISOString() });
    expect(event!.eventId).toMatch(/^evt_/);
    const body = JSON.parse(event!.body) as { type: string; timestamp: string; data: Record<string, unknown> };
    expect(body).toMatchObject({ type: 'byob.status_changed', timestamp: T0.toISOString(), data: { id: REQUEST_ID, status: 'VERIFYING' } });
    expect(body.data).not.toHaveProperty('tenant');
    expect(body.data).not.toHaveProperty('activeKey');
  });

  it('marks the callback pending from now when it raises events', async () => {
    const { deps, store } = fakeDeps();
    const record = store.seed(directRecord({ callback: { ...idleCallback(), status: 'delivered', attempts: 3 } }));

    const after = await transition(deps, record, 'VERIFYING');

    expect(after.callback).toEqual({ ...record.callback, status: 'pending', nextAttemptAt: T0.toISOString() });
  });

  it('raises byob.ready with the status change on entering READY', async () => {
    const { deps, store } = fakeDeps();
    const record = store.seed(directRecord({ status: 'VERIFYING', callback: idleCallback() }));

    await transition(deps, record, 'READY');

    expect(store.commits[0]!.outbox.map((o) => o.type)).toEqual(['byob.status_changed', 'byob.ready']);
  });

  it('writes no outbox event for a request without a callback', async () => {
    const { deps, store } = fakeDeps();
    const record = store.seed(directRecord({ callback: null }));

    const after = await transition(deps, record, 'VERIFYING');

    expect(store.commits[0]!.outbox).toEqual([]);
    expect(store.outbox.size).toBe(0);
    expect(after.callback).toBeNull();
  });

  it('never puts the registration token in a webhook: the link is sent as stored', async () => {
    const { deps, store } = fakeDeps();
    const record = store.seed(quickCreateRecord({ callback: idleCallback() }));

    await transition(deps, record, 'CREATING');

    const body = JSON.parse(store.commits[0]!.outbox[0]!.body) as { data: { quickCreateUrl: string } };
    expect(body.data.quickCreateUrl).toBe(record.quickCreate!.url);
    expect(body.data.quickCreateUrl).not.toMatch(/param_/);
  });

  it('refuses a move that is not in the table and writes nothing', async () => {
    const { deps, store } = fakeDeps();
    const record = store.seed(directRecord({ status: 'CREATING', callback: idleCallback() }));

    await expect(transition(deps, record, 'READY')).rejects.toBeInstanceOf(InvalidTransitionError);

    expect(store.commits).toEqual([]);
    expect(store.outbox.size).toBe(0);
    expect(store.current('acme', REQUEST_ID)).toEqual(record);
  });

  it('throws StaleRecordError when the record moved since it was read, and writes none of its events', async () => {
    const { deps, store } = fakeDeps();
    const read = store.seed(directRecord({ callback: idleCallback() }));
    const moved = await store.patch(read, { tags: { changed: 'yes' } }, T0.toISOString());

    await expect(transition(deps, read, 'VERIFYING')).rejects.toBeInstanceOf(StaleRecordError);

    expect(store.commits).toEqual([]);
    expect(store.outbox.size).toBe(0);
    expect(store.current('acme', REQUEST_ID)).toEqual(moved);
  });

  it('throws StaleRecordError when another writer changed the status first', async () => {
    const { deps, store } = fakeDeps();
    const read = store.seed(directRecord());
    await transition(deps, read, 'FAILED');

    await expect(transition(deps, read, 'VERIFYING')).rejects.toBeInstanceOf(StaleRecordError);
    expect(store.current('acme', REQUEST_ID).status).toBe('FAILED');
  });

  it('applies the patch but keeps status and version under its own control', async () => {
    const { deps, store } = fakeDeps();
    const record = store.seed(directRecord());

    const after = await transition(deps, record, 'VERIFYING', { launch: { ...record.launch, stackStatus: 'CREATE_COMPLETE' }, tags: { a: 'b' } });

    expect(after).toMatchObject({ status: 'VERIFYING', version: record.version + 1, launch: { stackStatus: 'CREATE_COMPLETE' }, tags: { a: 'b' } });
  });

  describe('dueAt (when the reconciler looks again)', () => {
    it('is the status deadline for CREATING and a short one for VERIFYING', async () => {
      const { deps, store } = fakeDeps();
      const pending = store.seed(pendingRecord());

      const creating = await transition(deps, pending, 'CREATING');
      const verifying = await transition(deps, creating, 'VERIFYING');

      expect(creating.dueAt).toBe(minutesAfterT0(30));
      expect(verifying.dueAt).toBe(minutesAfterT0(2));
    });

    it('follows the configured deadline', async () => {
      const { deps, store } = fakeDeps();
      const pending = store.seed(pendingRecord());

      const creating = await transition({ ...deps, statusDeadlineMinutes: 5 }, pending, 'CREATING');

      expect(creating.dueAt).toBe(minutesAfterT0(5));
    });

    it('is the link expiry when waiting for the customer, taken from the patch', async () => {
      const { deps, store } = fakeDeps();
      const pending = store.seed(pendingRecord({ launch: { ...pendingRecord().launch, mode: 'quick-create' } }));
      const quickCreate = { url: 'https://x', expiresAt: '2026-11-27T10:00:00.000Z', tokenHash: 'h', boundAccountId: null };

      const awaiting = await transition(deps, pending, 'AWAITING_CUSTOMER', { quickCreate });

      expect(awaiting.dueAt).toBe('2026-11-27T10:00:00.000Z');
    });

    it('is cleared once the request is settled, and set to the next re-verification once it is READY', async () => {
      const { deps, store } = fakeDeps();
      const verifying = store.seed(directRecord({ status: 'VERIFYING' }));

      const ready = await transition(deps, verifying, 'READY');
      expect(Date.parse(ready.dueAt!)).toBeGreaterThan(deps.clock().getTime());
      expect(Date.parse(ready.dueAt!)).toBeLessThanOrEqual(deps.clock().getTime() + 24 * 3_600_000);
      expect((await transition(deps, ready, 'DELETING')).dueAt).not.toBeNull();
      const failed = store.seed(directRecord({ status: 'VERIFYING', id: 'byob_01JQC00000000000000000FA1L' }));
      expect((await transition(deps, failed, 'FAILED')).dueAt).toBeNull();
    });
  });

  describe('team lock', () => {
    it('is released on leaving the active set, so the team can ask again', async () => {
      const { deps, store } = fakeDeps();
      await store.create(directRecord());
      const record = store.current('acme', REQUEST_ID);

      await transition(deps, record, 'FAILED');

      expect([...store.locks.values()]).toEqual([]);
      await expect(store.create(directRecord({ id: 'byob_01JQC00000000000000000NEXT' }))).resolves.toBeUndefined();
    });

    it('is taken back on re-entering the active set, and refused when another request holds the team', async () => {
      const { deps, store } = fakeDeps();
      const failed = store.seed(readyRecord({ status: 'FAILED' }));
      await store.create(directRecord({ id: 'byob_01JQC00000000000000000NEXT' }));

      await expect(transition(deps, failed, 'READY')).rejects.toBeInstanceOf(ConflictError);
      expect(store.current('acme', REQUEST_ID).status).toBe('FAILED');
    });

    it('is acquired when nobody holds the team', async () => {
      const { deps, store } = fakeDeps();
      const failed = store.seed(readyRecord({ status: 'FAILED' }));

      await transition(deps, failed, 'READY');

      expect(store.commits[0]!.lock).toBe('acquire');
      expect([...store.locks.values()]).toEqual([REQUEST_ID]);
    });
  });
});
