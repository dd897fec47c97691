import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { KMSClient } from '@aws-sdk/client-kms';
import { S3Client } from '@aws-sdk/client-s3';
import { afterEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../../../lib/config.js';
import { reconcile } from '../../../lib/provisioning/reconcile.js';
import type { ByobRecord } from '../../../lib/provisioning/record.js';
import type { ProvisioningDeps } from '../../../lib/provisioning/workflow.js';
import { UPDATE_NOTICES_PER_RUN } from '../../../lib/updates/update-available.js';
import type { OutboxDeps } from '../../../lib/webhooks/outbox.js';
import { localEnv, PASSED } from '../../support/fakes.js';
import { emulatorTable, testClock, testIds } from '../webhooks/support.js';
import { storedRequest } from './support.js';

// byob.update_available on the emulator's DynamoDB: the vendor deployed a new TEMPLATE_VERSION, and the
// reconciler, run after run on its schedule, raises exactly one webhook per request still on an older
// version, each written with the record's updateNotifiedVersion in one transaction, at most 25 a run,
// from the records its scheduled looks already read (no read of its own).

const OLD_VERSION = '2026-11-24.1';
const NEW_VERSION = '2027-01-05.1';
const TENANT = 'tenant-notices';
const DAY = 86_400_000;

let table: Awaited<ReturnType<typeof emulatorTable>> | undefined;
afterEach(async () => {
  await table?.drop();
  table = undefined;
});

/** The reconciler over the emulator's table; the bucket checks pass; webhooks answered 200 and counted per type. */
const clients = { cfn: new CloudFormationClient({ region: 'eu-west-1' }), s3: new S3Client({ region: 'eu-west-1' }), kms: new KMSClient({ region: 'eu-west-1' }) };

const reconcilerOver = (t: NonNullable<typeof table>, templateVersion: string) => {
  const clock = testClock('2026-11-24T10:00:00.000Z');
  const sent: Array<{ type: string; requestId: string }> = [];
  const deps: ProvisioningDeps & OutboxDeps = {
    store: t.store,
    ids: testIds(),
    clock,
    statusDeadlineMinutes: 30,
    config: parseConfig(localEnv({ TEMPLATE_VERSION: templateVersion })),
    // Never called on: quick-create stacks are out of the vendor's reach (no drift), and verify is faked.
    clientsFor: async () => clients,
    verify: async () => PASSED,
    deliverNow: async () => undefined,
    sendWebhook: async (request) => {
      sent.push({ type: request.type, requestId: (JSON.parse(request.body) as { data: { id: string } }).data.id });
      return { kind: 'delivered', status: 200 };
    },
    random: () => 0.5,
  };
  return { deps, clock, sent };
};

/** `count` READY quick-create requests (no drift detection: their stacks are in the customers' accounts) on `version`, due within the first minute. */
const seedReady = async (t: NonNullable<typeof table>, count: number, version: string, start: string): Promise<ByobRecord[]> => {
  const records = Array.from({ length: count }, (_, i) =>
    storedRequest(TENANT, i + 1, {
      launch: { mode: 'quick-create', roleArn: null, stackName: `byob-s${i + 1}`, stackId: `arn:aws:cloudformation:eu-west-1:111111111111:stack/s${i + 1}/x`, stackStatus: 'CREATE_COMPLETE' },
      callback: { url: 'https://portal.example.com/hooks', status: 'idle', attempts: 0, lastAttemptAt: null, lastError: null, nextAttemptAt: null },
      templateVersion: version,
      scheduleSlot: i + 1,
      dueAt: new Date(Date.parse(start) + i * 1000).toISOString(),
    }),
  );
  for (const r of records) await t.store.create(r);
  return records;
};

/** Counts the table reads (GetItem, Query, Scan) the client sends while `work` runs. */
const readsDuring = async (t: NonNullable<typeof table>, work: () => Promise<unknown>): Promise<number> => {
  let reads = 0;
  const name = `count-reads-${Math.random()}`;
  t.client.middlewareStack.add(
    (next, context) => async (args) => {
      if (/^(GetItem|Query|Scan|BatchGetItem)Command$/.test(context.commandName ?? '')) reads++;
      return next(args);
    },
    { step: 'initialize', name },
  );
  try {
    await work();
  } finally {
    t.client.middlewareStack.remove(name);
  }
  return reads;
};

describe('byob.update_available, run after run', () => {
  it('each request on an older version gets exactly one, at most 25 a run, none twice across runs', async () => {
    table = await emulatorTable('notices');
    const records = await seedReady(table, 30, OLD_VERSION, '2026-11-24T09:00:00.000Z');
    const { deps, clock, sent } = reconcilerOver(table, NEW_VERSION);
    const notices = () => sent.filter((s) => s.type === 'byob.update_available').map((s) => s.requestId);

    await reconcile(deps);
    const afterFirst = notices().length;
    clock.advance(60_000);
    await reconcile(deps);
    const afterSecond = notices().length;
    // A day later every request is due again (its next scheduled look): the 5 left over are told now.
    clock.advance(DAY + 3_600_000);
    await reconcile(deps);
    clock.advance(DAY + 3_600_000);
    await reconcile(deps);

    expect(afterFirst).toBe(UPDATE_NOTICES_PER_RUN);
    expect(afterSecond).toBe(UPDATE_NOTICES_PER_RUN);
    expect(notices().sort()).toEqual(records.map((r) => r.id).sort());
    for (const r of records) {
      const outbox = await table.store.outboxFor(TENANT, r.id);
      expect(outbox.filter((o) => o.type === 'byob.update_available'), r.id).toHaveLength(1);
      expect(await table.store.get(TENANT, r.id)).toMatchObject({ status: 'READY', templateVersion: OLD_VERSION, updateNotifiedVersion: NEW_VERSION });
    }
  });

  it('costs the run no read: its scheduled looks read as much with notices to raise as without', async () => {
    table = await emulatorTable('notice-reads');
    await seedReady(table, 10, OLD_VERSION, '2026-11-24T09:00:00.000Z');
    // Deliveries go to the queue (as deployed), so the runs differ only in what they raise.
    const queued: string[] = [];
    const deliveryQueue = { enqueue: async (runs: ReadonlyArray<{ requestId: string }>) => void queued.push(...runs.map((r) => r.requestId)) };
    const latest = reconcilerOver(table, OLD_VERSION);
    const newer = reconcilerOver(table, NEW_VERSION);

    const withoutNotices = await readsDuring(table, () => reconcile({ ...latest.deps, deliveryQueue }));
    expect(queued).toEqual([]);
    newer.clock.set(new Date(latest.clock().getTime() + DAY + 3_600_000));
    const withNotices = await readsDuring(table, () => reconcile({ ...newer.deps, deliveryQueue }));

    expect(queued).toHaveLength(10);
    expect((await Promise.all(queued.map((id) => table!.store.outboxFor(TENANT, id)))).flat().map((o) => o.type)).toEqual(Array(10).fill('byob.update_available'));
    expect(withoutNotices).toBeGreaterThan(0);
    expect(withNotices).toBe(withoutNotices);
  });
});
