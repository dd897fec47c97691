import { afterEach, describe, expect, it } from 'vitest';
import { documentClientOf } from '../../../lib/aws/clients.js';
import { dynamoOutdatedRequests, type OutdatedRequests } from '../../../lib/provisioning/outdated-requests.js';
import type { Status } from '../../../lib/provisioning/state-machine.js';
import type { Store } from '../../../lib/provisioning/store.js';
import { emulatorTable } from '../webhooks/support.js';
import { idOf, storedRequest } from './support.js';

// The listing of POST /byob/upgrade (lib/provisioning/outdated-requests.ts) on the emulator's DynamoDB: what POST /byob/upgrade works through, a batch at a
// time. One tenant's partition only, newest first, READY and DEGRADED on another template version
// (records older than versions count as 2026-11-24.1), a bounded read per call.

const NEW_VERSION = '2027-01-05.1';
const UNRECORDED = '2026-11-24.1';

let table: Awaited<ReturnType<typeof emulatorTable>> | undefined;
afterEach(async () => {
  await table?.drop();
  table = undefined;
});

/** The listing over the test's table. */
const outdatedIn = (t: NonNullable<typeof table>) => dynamoOutdatedRequests(documentClientOf(t.client), t.tableName);

/** Stores request `n` of `tenant` (a higher n is newer), with its team lock, in `status` on `version` (undefined: not recorded). */
const put = (store: Store, tenant: string, n: number, status: Status, version: string | undefined) =>
  store.create(storedRequest(tenant, n, { status, ...(version === undefined ? {} : { templateVersion: version }) }));

/** Every batch of the listing, from the start. */
const allBatches = async (outdated: OutdatedRequests, tenant: string, latestVersion: string, limit: number) => {
  const batches: string[][] = [];
  let after: string | undefined;
  for (;;) {
    const page = await outdated.list(tenant, { latestVersion, limit, after });
    batches.push(page.items.map((r) => r.id));
    if (page.resumeAfter === null) return batches;
    after = page.resumeAfter;
  }
};

describe('dynamoOutdatedRequests', () => {
  it('lists the tenant\'s READY and DEGRADED requests on another version, newest first, in batches that resume where they stopped', async () => {
    table = await emulatorTable('outdated');
    const expected: string[] = [];
    for (let n = 1; n <= 40; n++) {
      const status: Status = n % 5 === 0 ? 'UPDATING' : n % 7 === 0 ? 'FAILED' : n % 3 === 0 ? 'DEGRADED' : 'READY';
      const version = n % 4 === 0 ? NEW_VERSION : n % 4 === 1 ? undefined : '2026-12-01.1';
      await put(table.store, 'acme', n, status, version);
      if ((status === 'READY' || status === 'DEGRADED') && version !== NEW_VERSION) expected.push(idOf(n));
    }
    await put(table.store, 'other-tenant', 99, 'READY', '2026-12-01.1');
    await table.store.putSettings({ tenant: 'acme', externalId: 'x', webhookSecrets: [], createdAt: '', updatedAt: '', version: 1 }, null);

    const batches = await allBatches(outdatedIn(table), 'acme', NEW_VERSION, 7);

    expect(batches.flat()).toEqual(expected.reverse());
    expect(batches.slice(0, -1).every((b) => b.length === 7)).toBe(true);
  });

  it('counts a request without a recorded version as on 2026-11-24.1', async () => {
    table = await emulatorTable('unrecorded');
    await put(table.store, 'acme', 1, 'READY', undefined);
    await put(table.store, 'acme', 2, 'READY', '2026-10-01.1');
    await put(table.store, 'acme', 3, 'READY', UNRECORDED);

    expect((await outdatedIn(table!).list('acme', { latestVersion: UNRECORDED, limit: 10 })).items.map((r) => r.id)).toEqual([idOf(2)]);
    expect((await outdatedIn(table!).list('acme', { latestVersion: NEW_VERSION, limit: 10 })).items.map((r) => r.id)).toEqual([3, 2, 1].map(idOf));
  });

  it('reads a bounded number of records a call: past many up-to-date ones, a batch may be empty with more to come', async () => {
    table = await emulatorTable('outdated-bound');
    await put(table.store, 'acme', 1, 'READY', '2026-10-01.1');
    for (let n = 2; n <= 301; n++) await put(table.store, 'acme', n, 'READY', NEW_VERSION);

    const first = await outdatedIn(table!).list('acme', { latestVersion: NEW_VERSION, limit: 10 });
    const second = await outdatedIn(table!).list('acme', { latestVersion: NEW_VERSION, limit: 10, after: first.resumeAfter! });

    expect(first.items).toEqual([]);
    expect(first.resumeAfter).toBe(idOf(52));
    expect(second).toMatchObject({ items: [{ id: idOf(1) }], resumeAfter: null });
  });
});
