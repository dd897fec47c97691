import { describe, expect, it } from 'vitest';
import { StaleRecordError } from '../../../lib/provisioning/stale-record.js';
import { owesUpdateNotice, raiseUpdateAvailable } from '../../../lib/updates/update-available.js';
import { fakeDeps, T0 } from '../../support/fakes.js';
import { idleCallback, readyRecord, REQUEST_ID } from '../../support/records.js';

const LATEST = '2027-01-05.1';
const OLDER = '2026-11-24.1';

describe('owesUpdateNotice', () => {
  it.each([
    ['READY on an older version, with a callback', {}, true],
    ['DEGRADED on an older version', { status: 'DEGRADED' as const }, true],
    ['written before versions were recorded (2026-11-24.1)', { templateVersion: undefined }, true],
    ['on the latest version', { templateVersion: LATEST }, false],
    ['already told of the latest version', { updateNotifiedVersion: LATEST }, false],
    ['told of an earlier latest version only', { updateNotifiedVersion: '2026-12-01.1' }, true],
    ['without a callbackUrl (nobody to tell)', { callback: null }, false],
    ['UPDATING', { status: 'UPDATING' as const }, false],
    ['DELETED', { status: 'DELETED' as const }, false],
  ])('%s: %s', (_what, over, owed) => {
    expect(owesUpdateNotice(readyRecord({ templateVersion: OLDER, callback: idleCallback(), ...over }), LATEST)).toBe(owed);
  });
});

describe('raiseUpdateAvailable', () => {
  it('writes the event and updateNotifiedVersion in one conditional write, the status and schedule untouched', async () => {
    const { deps, store } = fakeDeps();
    const read = store.seed(readyRecord({ templateVersion: '2026-10-01.1', callback: idleCallback(), dueAt: '2026-11-25T03:00:00.000Z' }));

    const written = await raiseUpdateAvailable(deps, read);

    expect(store.commits).toHaveLength(1);
    const [commit] = store.commits;
    expect(commit).toMatchObject({ before: read, lock: 'keep', outbox: [{ type: 'byob.update_available', requestId: REQUEST_ID, status: 'pending' }] });
    expect(written).toEqual({
      ...read,
      version: read.version + 1,
      // A notice is bookkeeping: the revision (the ETag) stays.
      revision: read.version,
      updatedAt: T0.toISOString(),
      updateNotifiedVersion: deps.config.templateVersion,
      callback: { ...read.callback!, status: 'pending', nextAttemptAt: T0.toISOString() },
    });
    expect(store.current('acme', REQUEST_ID)).toEqual(written);
    const payload = JSON.parse(commit!.outbox[0]!.body) as { type: string; data: Record<string, unknown> };
    expect(payload).toMatchObject({ type: 'byob.update_available', data: { status: 'READY', templateVersion: '2026-10-01.1', updateAvailable: true } });
  });

  it('a record moved since it was read is not written: StaleRecordError, no event', async () => {
    const { deps, store } = fakeDeps();
    const read = store.seed(readyRecord({ templateVersion: '2026-10-01.1', callback: idleCallback() }));
    await store.patch(read, { tags: { moved: 'yes' } }, T0.toISOString());

    await expect(raiseUpdateAvailable(deps, read)).rejects.toBeInstanceOf(StaleRecordError);
    expect(store.outbox.size).toBe(0);
  });
});
