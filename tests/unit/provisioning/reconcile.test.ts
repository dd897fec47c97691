import { CloudFormationClient, CreateStackCommand, DescribeChangeSetCommand, DescribeStackEventsCommand, DescribeStacksCommand, DetectStackDriftCommand } from '@aws-sdk/client-cloudformation';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-vitest/extend';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { logger } from '../../../lib/logger.js';
import type { ByobRecord, StoredVerification } from '../../../lib/provisioning/record.js';
import type { ProvisioningDeps } from '../../../lib/provisioning/workflow.js';
import { GIVE_UP_AFTER_MS, RECONCILE_POOL_SIZE, reconcile, reconcileRecord } from '../../../lib/provisioning/reconcile.js';
import { UPDATE_NOTICES_PER_RUN } from '../../../lib/updates/update-available.js';
import type { DeliveryOutcome, DeliveryRequest } from '../../../lib/webhooks/delivery.js';
import type { OutboxDeps } from '../../../lib/webhooks/outbox.js';
import { describedStack, failedEvent, stackDoesNotExist } from '../../support/cfn-answers.js';
import { fakeDeps, T0, testClock } from '../../support/fakes.js';
import { DIRECT_STACK_ID, directRecord, idleCallback, pendingRecord, quickCreateRecord, readyRecord, REQUEST_ID, STACK_NAME, updatingRecord } from '../../support/records.js';

const cfnMock = mockClient(CloudFormationClient);
let logged: ReturnType<typeof vi.spyOn>;
beforeEach(() => {
  logged = vi.spyOn(logger, 'error').mockImplementation(() => undefined);
});
afterEach(() => {
  cfnMock.reset();
  vi.restoreAllMocks();
});

const at = (ms: number) => new Date(T0.getTime() + ms);
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

/** The reconciler's dependencies over the fakes, its clock at `now`; webhooks answered by `answer`. */
const reconcilerAt = (now: Date, opts: { verification?: StoredVerification; answer?: (r: DeliveryRequest) => Promise<DeliveryOutcome> } = {}) => {
  const clock = testClock(now);
  const f = fakeDeps({ clock: clock.now, ...(opts.verification ? { verification: opts.verification } : {}) });
  const sent: DeliveryRequest[] = [];
  const deps: ProvisioningDeps & OutboxDeps = {
    ...f.deps,
    sendWebhook: async (request) => {
      sent.push(request);
      return opts.answer ? opts.answer(request) : { kind: 'delivered', status: 200 };
    },
    random: () => 0.5,
  };
  const seed = (record: ByobRecord) => f.store.seed(record);
  const current = (id = REQUEST_ID) => f.store.current('acme', id);
  return { ...f, deps, clock, sent, seed, current };
};

describe('reconcileRecord', () => {
  it('takes over an update whose route died before its change set was made: the update ends failed, READY again', async () => {
    cfnMock.on(DescribeChangeSetCommand).rejects(Object.assign(new Error('ChangeSet does not exist'), { name: 'ChangeSetNotFoundException' }));
    const { deps, seed, current } = reconcilerAt(at(2 * MINUTE));
    const record = seed(updatingRecord());

    expect(await reconcileRecord(deps, record)).toBe(true);
    expect(current()).toMatchObject({ status: 'READY', update: null, lastUpdate: { status: 'failed' } });
  });

  it('leaves an update that is not due yet alone', async () => {
    const { deps, seed, store } = reconcilerAt(at(MINUTE));

    expect(await reconcileRecord(deps, seed(updatingRecord()))).toBe(false);
    expect(store.commits).toEqual([]);
    expect(cfnMock.calls()).toEqual([]);
  });

  it('leaves a record that is not due yet alone', async () => {
    const { deps, seed, store } = reconcilerAt(at(29 * MINUTE));
    const record = seed(directRecord());

    expect(await reconcileRecord(deps, record)).toBe(false);
    expect(store.commits).toEqual([]);
    expect(cfnMock.calls()).toEqual([]);
  });

  it('expires a quick-create link nobody used in time, freeing the team', async () => {
    const { deps, store, current } = reconcilerAt(at(72 * HOUR));
    await store.create(quickCreateRecord());

    expect(await reconcileRecord(deps, current())).toBe(true);
    expect(current()).toMatchObject({ status: 'EXPIRED', dueAt: null });
    expect(store.locks.size).toBe(0);
  });

  it('looks again later at a link still valid', async () => {
    const { deps, seed, current, store } = reconcilerAt(at(2 * HOUR));
    const record = seed(quickCreateRecord({ dueAt: at(HOUR).toISOString() }));

    expect(await reconcileRecord(deps, record)).toBe(false);
    expect(current()).toMatchObject({ status: 'AWAITING_CUSTOMER', dueAt: at(2 * HOUR + 30 * MINUTE).toISOString() });
    expect(store.commits).toEqual([]);
  });

  it('re-runs a verification that was cut off and settles the request', async () => {
    const { deps, seed, current, verified } = reconcilerAt(at(3 * MINUTE));
    const record = seed(readyRecord({ status: 'VERIFYING', verification: null, dueAt: at(2 * MINUTE).toISOString() }));

    expect(await reconcileRecord(deps, record)).toBe(true);
    expect(verified).toHaveLength(1);
    expect(current()).toMatchObject({ status: 'READY', verification: { status: 'passed' } });
  });

  describe('a direct stack, asked once by its id', () => {
    it('adopts a completed stack: verified and READY', async () => {
      cfnMock.on(DescribeStacksCommand).resolves(describedStack('CREATE_COMPLETE'));
      const { deps, seed, current } = reconcilerAt(at(31 * MINUTE));
      const record = seed(directRecord());

      expect(await reconcileRecord(deps, record)).toBe(true);
      expect(cfnMock).toHaveReceivedCommandTimes(DescribeStacksCommand, 1);
      expect(cfnMock).toHaveReceivedCommandWith(DescribeStacksCommand, { StackName: DIRECT_STACK_ID });
      expect(current().status).toBe('READY');
    });

    it('adopts a rolled-back stack: FAILED with its first failure', async () => {
      cfnMock.on(DescribeStacksCommand).resolves(describedStack('ROLLBACK_COMPLETE'));
      cfnMock.on(DescribeStackEventsCommand).resolves({ StackEvents: [failedEvent('ByobBucket', 'acme-omega-artifacts already exists', 1)] });
      const { deps, seed, current } = reconcilerAt(at(31 * MINUTE));

      expect(await reconcileRecord(deps, seed(directRecord()))).toBe(true);
      expect(current().failure).toEqual({ code: 'stack_failed', message: 'acme-omega-artifacts already exists', resource: 'ByobBucket' });
    });

    it('ends a DELETING request whose stack is gone DELETED', async () => {
      cfnMock.on(DescribeStacksCommand).resolves(describedStack('DELETE_COMPLETE'));
      const { deps, seed, current } = reconcilerAt(at(31 * MINUTE));

      expect(await reconcileRecord(deps, seed(readyRecord({ status: 'DELETING', dueAt: at(30 * MINUTE).toISOString() })))).toBe(true);
      expect(current().status).toBe('DELETED');
    });

    it('looks again later at a stack still being created', async () => {
      cfnMock.on(DescribeStacksCommand).resolves(describedStack('CREATE_IN_PROGRESS'));
      const { deps, seed, current } = reconcilerAt(at(31 * MINUTE));
      const record = seed(directRecord());

      expect(await reconcileRecord(deps, record)).toBe(false);
      expect(current()).toMatchObject({ status: 'CREATING', dueAt: at(61 * MINUTE).toISOString(), version: record.version + 1 });
    });

    it('looks again later, with the configured deadline, at a stack CloudFormation does not know yet', async () => {
      cfnMock.on(DescribeStacksCommand).rejects(stackDoesNotExist(DIRECT_STACK_ID));
      const { deps, seed, current } = reconcilerAt(at(31 * MINUTE));

      expect(await reconcileRecord({ ...deps, config: { ...deps.config, statusDeadlineMinutes: 10 } }, seed(directRecord()))).toBe(false);
      expect(current()).toMatchObject({ status: 'CREATING', dueAt: at(41 * MINUTE).toISOString() });
    });

    it('gives up on a stack that has not finished after six hours: FAILED timed_out', async () => {
      cfnMock.on(DescribeStacksCommand).resolves(describedStack('CREATE_IN_PROGRESS'));
      const { deps, seed, current } = reconcilerAt(at(GIVE_UP_AFTER_MS + MINUTE));

      expect(await reconcileRecord(deps, seed(directRecord()))).toBe(true);
      expect(current()).toMatchObject({ status: 'FAILED', failure: { code: 'timed_out', message: 'The stack could not be found or did not finish in time; create the request again.' } });
    });
  });

  describe('a direct request killed before its stack was launched (PENDING)', () => {
    it('launches again with the same name and token, then records the stack: CREATING', async () => {
      cfnMock.on(DescribeStacksCommand).rejects(stackDoesNotExist());
      cfnMock.on(CreateStackCommand).resolves({ StackId: DIRECT_STACK_ID });
      const { deps, seed, current } = reconcilerAt(at(3 * MINUTE));
      const record = seed(pendingRecord({ dueAt: at(2 * MINUTE).toISOString() }));

      expect(await reconcileRecord(deps, record)).toBe(true);
      expect(cfnMock).toHaveReceivedCommandWith(DescribeStacksCommand, { StackName: STACK_NAME });
      expect(cfnMock).toHaveReceivedCommandWith(CreateStackCommand, { StackName: STACK_NAME, ClientRequestToken: 'create-01JQC00000000000000000TEST' });
      expect(current()).toMatchObject({ status: 'CREATING', launch: { stackId: DIRECT_STACK_ID } });
    });

    it('applies what the relaunched stack reports when CloudFormation already knows it', async () => {
      cfnMock.on(DescribeStacksCommand).rejectsOnce(stackDoesNotExist()).resolves(describedStack('CREATE_IN_PROGRESS'));
      cfnMock.on(CreateStackCommand).resolves({ StackId: DIRECT_STACK_ID });
      const { deps, seed, current, store } = reconcilerAt(at(3 * MINUTE));

      expect(await reconcileRecord(deps, seed(pendingRecord({ dueAt: at(2 * MINUTE).toISOString() })))).toBe(true);
      expect(current()).toMatchObject({ status: 'CREATING', launch: { stackId: DIRECT_STACK_ID, stackStatus: 'CREATE_IN_PROGRESS' } });
      expect(store.commits).toHaveLength(1);
    });

    it('adopts the stack found under its name without launching again', async () => {
      cfnMock.on(DescribeStacksCommand).resolves(describedStack('CREATE_IN_PROGRESS'));
      const { deps, seed, current } = reconcilerAt(at(3 * MINUTE));

      expect(await reconcileRecord(deps, seed(pendingRecord({ dueAt: at(2 * MINUTE).toISOString() })))).toBe(true);
      expect(cfnMock).toHaveReceivedCommandTimes(CreateStackCommand, 0);
      expect(current().launch.stackId).toBe(DIRECT_STACK_ID);
    });

    it('keeps what stack events wrote while it launched', async () => {
      cfnMock.on(DescribeStacksCommand).rejects(stackDoesNotExist());
      const { deps, seed, current, store } = reconcilerAt(at(3 * MINUTE));
      const record = seed(pendingRecord({ dueAt: at(2 * MINUTE).toISOString() }));
      cfnMock.on(CreateStackCommand).callsFake(async () => {
        store.seed({ ...record, status: 'CREATING', version: record.version + 1, launch: { ...record.launch, stackId: DIRECT_STACK_ID, stackStatus: 'CREATE_IN_PROGRESS' } });
        return { StackId: DIRECT_STACK_ID };
      });

      expect(await reconcileRecord(deps, record)).toBe(true);
      expect(current()).toMatchObject({ status: 'CREATING', version: record.version + 1 });
      expect(store.commits).toEqual([]);
    });

    it('launches one that stored no template (the usual: direct stacks are launched with their body) with the template rendered again from the record', async () => {
      cfnMock.on(DescribeStacksCommand).rejects(stackDoesNotExist());
      cfnMock.on(CreateStackCommand).resolves({ StackId: DIRECT_STACK_ID });
      const { deps, seed, current } = reconcilerAt(at(3 * MINUTE));

      expect(await reconcileRecord(deps, seed(pendingRecord({ templateKey: '', dueAt: at(2 * MINUTE).toISOString() })))).toBe(true);
      const sent = cfnMock.commandCalls(CreateStackCommand)[0]!.args[0].input;
      expect(sent).not.toHaveProperty('TemplateURL');
      expect(JSON.parse(sent.TemplateBody!)).toMatchObject({ Metadata: { Byob: { RequestId: REQUEST_ID } } });
      expect(current()).toMatchObject({ status: 'CREATING', launch: { stackId: DIRECT_STACK_ID } });
    });
  });

  describe("a quick-create stack (in the customer's account, which we cannot read)", () => {
    const creating = () => quickCreateRecord({ status: 'CREATING', launch: { ...quickCreateRecord().launch, stackId: 'arn:aws:cloudformation:eu-central-1:111111111111:stack/x/y' }, dueAt: at(30 * MINUTE).toISOString() });

    it('waits for it to report, without asking CloudFormation', async () => {
      const { deps, seed, current } = reconcilerAt(at(31 * MINUTE));

      expect(await reconcileRecord(deps, seed(creating()))).toBe(false);
      expect(cfnMock.calls()).toEqual([]);
      expect(current()).toMatchObject({ status: 'CREATING', dueAt: at(61 * MINUTE).toISOString() });
    });

    it('gives up after six hours, telling the customer what to do', async () => {
      const { deps, seed, current } = reconcilerAt(at(GIVE_UP_AFTER_MS + MINUTE));

      expect(await reconcileRecord(deps, seed(creating()))).toBe(true);
      expect(cfnMock.calls()).toEqual([]);
      expect(current().failure).toMatchObject({ code: 'timed_out', message: expect.stringContaining('delete it and launch the link again') });
    });

    it('fails one killed before its link was handed out', async () => {
      cfnMock.on(DescribeStacksCommand).rejects(stackDoesNotExist());
      const { deps, seed, current } = reconcilerAt(at(3 * MINUTE));
      const pending = pendingRecord({ launch: { ...quickCreateRecord().launch }, dueAt: at(2 * MINUTE).toISOString() });

      expect(await reconcileRecord(deps, seed(pending))).toBe(true);
      expect(cfnMock).toHaveReceivedCommandTimes(CreateStackCommand, 0);
      expect(current()).toMatchObject({ status: 'FAILED', failure: { code: 'timed_out' } });
    });
  });

  // READY (and DEGRADED) records are due for their scheduled re-verification: tests/unit/provisioning/assurance*.
  it.each(['FAILED', 'EXPIRED', 'DELETED'] as const)('clears a stray due time on a %s record', async (status) => {
    const { deps, seed, current, store } = reconcilerAt(at(HOUR));

    expect(await reconcileRecord(deps, seed(readyRecord({ status, dueAt: at(0).toISOString() })))).toBe(false);
    expect(current()).toMatchObject({ status, dueAt: null });
    expect(store.commits).toEqual([]);
  });

  it('decides on the record as stored, not as listed', async () => {
    const { deps, seed } = reconcilerAt(at(31 * MINUTE));
    const listed = directRecord();
    seed(directRecord({ version: listed.version + 1, dueAt: at(60 * MINUTE).toISOString() }));

    expect(await reconcileRecord(deps, listed)).toBe(false);
    expect(cfnMock.calls()).toEqual([]);
  });
});

describe('reconcile', () => {
  const idOf = (n: number) => `byob_01JQC${String(n).padStart(21, '0')}`;
  const stackOf = (n: number) => `arn:aws:cloudformation:eu-central-1:123456789012:stack/s${n}/x`;
  const creatingNo = (n: number, dueMinute = 30) =>
    directRecord({ id: idOf(n), activeKey: `team#t${n}`, launch: { ...directRecord().launch, stackId: stackOf(n) }, dueAt: at(dueMinute * MINUTE).toISOString() });

  it('converges every overdue record and reports what changed', async () => {
    cfnMock.on(DescribeStacksCommand).resolves(describedStack('CREATE_COMPLETE'));
    const { deps, seed, store } = reconcilerAt(at(31 * MINUTE));
    seed(creatingNo(1));
    seed(creatingNo(2));
    seed(creatingNo(3, 40));

    const report = await reconcile(deps);

    expect(report).toEqual({ examined: 2, changed: 2, webhooksSent: 0, errors: 0 });
    expect([1, 2, 3].map((n) => store.current('acme', idOf(n)).status)).toEqual(['READY', 'READY', 'CREATING']);
  });

  it('examines at most `limit` records, the longest overdue first', async () => {
    cfnMock.on(DescribeStacksCommand).resolves(describedStack('CREATE_COMPLETE'));
    const { deps, seed, store } = reconcilerAt(at(31 * MINUTE));
    seed(creatingNo(1, 25));
    seed(creatingNo(2, 10));
    seed(creatingNo(3, 20));

    const report = await reconcile(deps, 2);

    expect(report.examined).toBe(2);
    expect([1, 2, 3].map((n) => store.current('acme', idOf(n)).status)).toEqual(['CREATING', 'READY', 'READY']);
  });

  it("counts and logs one record's error and still converges the others", async () => {
    cfnMock.on(DescribeStacksCommand, { StackName: stackOf(1) }).rejects(Object.assign(new Error('Rate exceeded'), { name: 'Throttling' }));
    cfnMock.on(DescribeStacksCommand, { StackName: stackOf(2) }).resolves(describedStack('CREATE_COMPLETE', { stackId: stackOf(2) }));
    const { deps, seed, store } = reconcilerAt(at(31 * MINUTE));
    seed(creatingNo(1));
    seed(creatingNo(2));

    const report = await reconcile(deps);

    expect(report).toEqual({ examined: 2, changed: 1, webhooksSent: 0, errors: 1 });
    expect(store.current('acme', idOf(2)).status).toBe('READY');
    expect(logged).toHaveBeenCalledWith('reconcile failed for a request', expect.objectContaining({ requestId: idOf(1) }));
  });

  it('delivers the webhooks that are due, those just raised included, to the callback URL', async () => {
    const { deps, seed, sent } = reconcilerAt(at(3 * MINUTE));
    seed(readyRecord({ status: 'VERIFYING', callback: idleCallback(), dueAt: at(2 * MINUTE).toISOString() }));

    const report = await reconcile(deps);

    expect(report).toEqual({ examined: 1, changed: 1, webhooksSent: 2, errors: 0 });
    expect(sent.map((r) => r.type)).toEqual(['byob.status_changed', 'byob.ready']);
    expect(sent.every((r) => r.url === idleCallback().url && r.secrets.length === 1)).toBe(true);
  });

  it('counts a failed delivery run as an error without losing the report of the records', async () => {
    const { deps, seed } = reconcilerAt(at(3 * MINUTE), { answer: async () => Promise.reject(new Error('socket hang up')) });
    seed(readyRecord({ status: 'VERIFYING', callback: idleCallback(), dueAt: at(2 * MINUTE).toISOString() }));

    const report = await reconcile(deps);

    expect(report).toEqual({ examined: 1, changed: 1, webhooksSent: 0, errors: 1 });
    expect(logged).toHaveBeenCalledWith('webhook delivery run failed', expect.anything());
  });

  it(`works the overdue records ${RECONCILE_POOL_SIZE} at a time, so one slow stack holds up no other`, async () => {
    let asking = 0;
    let most = 0;
    cfnMock.on(DescribeStacksCommand).callsFake(async ({ StackName }: { StackName: string }) => {
      asking++;
      most = Math.max(most, asking);
      await new Promise((r) => setTimeout(r, StackName === stackOf(1) ? 200 : 20));
      asking--;
      return describedStack('CREATE_COMPLETE', { stackId: StackName });
    });
    const { deps, seed, store } = reconcilerAt(at(31 * MINUTE));
    for (let n = 1; n <= 20; n++) seed(creatingNo(n));
    const finished: string[] = [];
    const patch = store.commit.bind(store);
    store.commit = async (plan) => {
      await patch(plan);
      if (plan.after.status === 'READY') finished.push(plan.after.id);
    };

    const report = await reconcile(deps);

    expect(report).toMatchObject({ examined: 20, changed: 20, errors: 0 });
    expect(most).toBe(RECONCILE_POOL_SIZE);
    expect(finished.at(-1)).toBe(idOf(1));
  });

  it('queues the due webhooks on the delivery queue when there is one, sending nothing itself', async () => {
    const { deps, seed, sent } = reconcilerAt(at(3 * MINUTE));
    seed(readyRecord({ status: 'VERIFYING', callback: idleCallback(), dueAt: at(2 * MINUTE).toISOString() }));
    const queued: string[] = [];
    const withQueue = { ...deps, deliveryQueue: { enqueue: async (runs: ReadonlyArray<{ requestId: string }>) => void queued.push(...runs.map((r) => r.requestId)) } };

    const report = await reconcile(withQueue);

    expect(report).toEqual({ examined: 1, changed: 1, webhooksSent: 0, errors: 0 });
    expect(queued).toEqual([REQUEST_ID]);
    expect(sent).toEqual([]);
  });

  it('has nothing to do when nothing is due', async () => {
    const { deps, seed } = reconcilerAt(at(MINUTE));
    seed(directRecord());

    expect(await reconcile(deps)).toEqual({ examined: 0, changed: 0, webhooksSent: 0, errors: 0 });
    expect(cfnMock.calls()).toEqual([]);
  });
});

describe('reconcile: byob.update_available', () => {
  const DAY = 24 * HOUR;
  const OLDER = '2026-10-01.1';
  const idOf = (n: number) => `byob_01JQC${String(n).padStart(21, '0')}`;
  /** A READY request on an older template version, due for its scheduled verification `minute` minutes after T0. */
  const olderNo = (n: number, minute = 1, over: Partial<ByobRecord> = {}) =>
    readyRecord({ id: idOf(n), activeKey: `team#t${n}`, templateVersion: OLDER, callback: idleCallback(), scheduleSlot: n, dueAt: at(minute * MINUTE).toISOString(), ...over });
  const noticesOf = (store: ReturnType<typeof reconcilerAt>['store']) =>
    [...store.outbox.values()].filter((o) => o.type === 'byob.update_available').map((o) => o.requestId).sort();
  beforeEach(() => {
    cfnMock.on(DetectStackDriftCommand).resolves({ StackDriftDetectionId: 'det-1' });
  });

  it('raises one per request on its scheduled look, with updateNotifiedVersion in the same write; never again for that version', async () => {
    const { deps, seed, store, clock, sent, current } = reconcilerAt(at(2 * MINUTE));
    seed(olderNo(1));

    await reconcile(deps);
    clock.set(at(2 * DAY));
    await reconcile(deps);

    expect(noticesOf(store)).toEqual([idOf(1)]);
    const written = store.commits.find((c) => c.outbox.some((o) => o.type === 'byob.update_available'))!;
    expect(written).toMatchObject({ lock: 'keep', before: { status: 'READY' }, after: { status: 'READY', updateNotifiedVersion: deps.config.templateVersion } });
    expect(current(idOf(1))).toMatchObject({ updateNotifiedVersion: deps.config.templateVersion, templateVersion: OLDER });
    const body = JSON.parse(sent.find((r) => r.type === 'byob.update_available')!.body) as { data: Record<string, unknown> };
    expect(body.data).toMatchObject({ id: idOf(1), templateVersion: OLDER, latestTemplateVersion: deps.config.templateVersion, updateAvailable: true });
  });

  it(`raises at most ${UPDATE_NOTICES_PER_RUN} a run; the rest on their next scheduled look`, async () => {
    const { deps, seed, store, clock } = reconcilerAt(at(2 * MINUTE));
    for (let n = 1; n <= 30; n++) seed(olderNo(n));

    await reconcile(deps);
    expect(noticesOf(store)).toHaveLength(UPDATE_NOTICES_PER_RUN);
    clock.set(at(2 * DAY));
    await reconcile(deps);

    expect(noticesOf(store)).toEqual(Array.from({ length: 30 }, (_, i) => idOf(i + 1)).sort());
  });

  it('raises none for a request on the latest version, one already told, one without a callbackUrl, or one not on its scheduled look (VERIFYING)', async () => {
    const { deps, seed, store } = reconcilerAt(at(2 * MINUTE));
    seed(olderNo(1, 1, { templateVersion: deps.config.templateVersion }));
    seed(olderNo(2, 1, { updateNotifiedVersion: deps.config.templateVersion }));
    seed(olderNo(3, 1, { callback: null }));
    seed(olderNo(4, 1, { status: 'VERIFYING' }));

    expect(await reconcile(deps)).toMatchObject({ examined: 4, errors: 0 });

    expect(noticesOf(store)).toEqual([]);
  });

  it('a record moved under the run keeps its notice for its next look (the write is conditional on the version read)', async () => {
    const { deps, seed, store, clock } = reconcilerAt(at(2 * MINUTE));
    seed(olderNo(1));
    store.beforeCommit = async (plan) => {
      if (!plan.outbox.some((o) => o.type === 'byob.update_available')) return;
      store.beforeCommit = null;
      await store.patch(store.current('acme', idOf(1)), { tags: { moved: 'yes' } }, at(2 * MINUTE).toISOString());
    };

    const report = await reconcile(deps);
    expect(report.errors).toBe(0);
    expect(noticesOf(store)).toEqual([]);
    clock.set(at(2 * DAY));
    await reconcile(deps);

    expect(noticesOf(store)).toEqual([idOf(1)]);
  });
});
