import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { parseConfig } from '../../../lib/config.js';
import { logger } from '../../../lib/logger.js';
import { corsRulesFor } from '../../../lib/provisioning/cors.js';
import type { ByobRecord, OfferedUpdate } from '../../../lib/provisioning/record.js';
import { reconcileRecord } from '../../../lib/provisioning/reconcile.js';
import type { RegistrationDeps } from '../../../lib/quick-create/registration.js';
import { FAILED_CHECKS, fakeDeps, localEnv, REGION, T0, testClock } from '../../support/fakes.js';
import { idleCallback, REQUEST_ID } from '../../support/records.js';
import { awaitingRecord, CUSTOMER, customerStackOf, deliverTo, type ResponseServer, startResponseServer } from './support.js';

// A quick-create update as the customer's stack applies it: CloudFormation sends the registration
// resources Update requests (ResourceProperties the new ones, OldResourceProperties the previous),
// "started" first and "ready" last, and sends them back to their previous properties when the update
// rolls back ("Custom resource request objects" in the CloudFormation docs).

let server: ResponseServer;
beforeEach(async () => {
  server = await startResponseServer();
  vi.spyOn(logger, 'warn').mockImplementation(() => undefined);
  vi.spyOn(logger, 'error').mockImplementation(() => undefined);
});
afterEach(async () => {
  vi.restoreAllMocks();
  await server.close();
});

const OLD_VERSION = '2026-11-24.1';
const NEW_VERSION = '2027-01-05.1';
const OFFER_ID = 'upd-01JQC00000000000000000OFR1';
const NEW_CORS = corsRulesFor({ allowedOrigins: ['https://app.example.com', 'https://new.example.com'] });

const offer = (over: Partial<OfferedUpdate> = {}): OfferedUpdate => ({
  id: OFFER_ID,
  kind: 'patch',
  toVersion: NEW_VERSION,
  target: { corsRules: NEW_CORS, tags: { env: 'prod' }, accessRole: false },
  templateKey: `templates/${REQUEST_ID}/offer-nonce.json`,
  templateUrl: `https://byob-local-templates-${REGION}.s3.${REGION}.amazonaws.com/templates/${REQUEST_ID}/offer-nonce.json`,
  offeredAt: T0.toISOString(),
  ...over,
});

/** What the registration resources of the offered template carry, and of the one the stack was created with. */
const offered = { TemplateVersion: NEW_VERSION, UpdateId: OFFER_ID };
const created = { TemplateVersion: OLD_VERSION };

/** A READY quick-create request bound to the customer's stack, with an update offered, in a memory store. */
const bound = (over: Partial<ByobRecord> = {}, opts: Parameters<typeof fakeDeps>[0] = {}) => {
  const f = fakeDeps({ config: parseConfig(localEnv({ TEMPLATE_VERSION: NEW_VERSION })), ...opts });
  const stack = customerStackOf(server);
  const read = f.store.seed(
    awaitingRecord({
      status: 'READY',
      version: 7,
      corsRules: corsRulesFor({ allowedOrigins: ['https://app.example.com'] }),
      launch: { mode: 'quick-create', roleArn: null, stackName: 'byob-01jqc00000000000000000test', stackId: stack.stackId, stackStatus: 'CREATE_IN_PROGRESS' },
      outputs: { bucketName: 'acme-omega-artifacts', bucketArn: 'arn:aws:s3:::acme-omega-artifacts', kmsKeyArn: null, region: REGION, roleArn: null, accountId: CUSTOMER },
      templateVersion: OLD_VERSION,
      callback: idleCallback(),
      scheduleSlot: 3,
      dueAt: null,
      pendingUpdate: offer(),
      ...over,
    }),
  );
  f.store.records.set(`acme|${REQUEST_ID}`, { ...read, quickCreate: { ...read.quickCreate!, boundAccountId: CUSTOMER } });
  const deliver = (request: object) => deliverTo(server, f.deps as RegistrationDeps, request);
  const current = () => f.store.current('acme', REQUEST_ID);
  const events = () => [...f.store.outbox.values()].sort((a, b) => (a.eventId < b.eventId ? -1 : 1)).map((o) => o.type);
  return { ...f, stack, read: current(), deliver, current, events };
};

describe('an offered update applied by the customer', () => {
  it('"started" → UPDATING, "ready" → VERIFYING with the new outputs, then READY on the offered version with byob.updated', async () => {
    const { stack, deliver, current, events, verified, read } = bound();

    const started = await deliver(stack.updateStarted(offered, created));
    const updating = current();
    const ready = await deliver(stack.updateReady({ ...offered, RoleArn: '' }, created));

    expect(started).toMatchObject({ Status: 'SUCCESS', Reason: 'Registered', PhysicalResourceId: `${REQUEST_ID}-ByobStarted` });
    expect(updating).toMatchObject({
      status: 'UPDATING',
      corsRules: read.corsRules,
      launch: { stackStatus: 'UPDATE_IN_PROGRESS' },
      update: { id: OFFER_ID, kind: 'patch', fromStatus: 'READY', fromVersion: OLD_VERSION, toVersion: NEW_VERSION, changeSetName: null, phase: 'executing' },
    });
    expect(ready).toMatchObject({ Status: 'SUCCESS', PhysicalResourceId: `${REQUEST_ID}-ByobReady`, Data: { RequestId: REQUEST_ID } });
    expect(current()).toMatchObject({
      status: 'READY',
      templateVersion: NEW_VERSION,
      corsRules: NEW_CORS,
      tags: { env: 'prod' },
      templateKey: offer().templateKey,
      appliedUpdateId: OFFER_ID,
      pendingUpdate: null,
      update: null,
      outputs: { bucketName: 'acme-omega-artifacts', accountId: CUSTOMER },
      lastUpdate: { status: 'succeeded', fromVersion: OLD_VERSION, toVersion: NEW_VERSION, changes: [] },
    });
    expect(verified).toHaveLength(1);
    expect(verified[0]).toMatchObject({ status: 'VERIFYING', corsRules: NEW_CORS });
    expect(events()).toEqual(['byob.status_changed', 'byob.status_changed', 'byob.status_changed', 'byob.updated']);
  });

  it('answers replays the same and changes nothing', async () => {
    const { stack, deliver, current, store } = bound();
    const startedRequest = stack.updateStarted(offered, created);
    const readyRequest = stack.updateReady(offered, created);
    await deliver(startedRequest);
    await deliver(readyRequest);
    const commits = store.commits.length;
    const settled = current();

    expect((await deliver(startedRequest)).Status).toBe('SUCCESS');
    expect((await deliver(readyRequest)).Status).toBe('SUCCESS');
    expect(store.commits).toHaveLength(commits);
    expect(current()).toEqual(settled);
  });

  it('from a DEGRADED request goes back to DEGRADED when the updated bucket still fails a check', async () => {
    const { stack, deliver, current, events } = bound({ status: 'DEGRADED' }, { verification: FAILED_CHECKS });

    await deliver(stack.updateStarted(offered, created));
    await deliver(stack.updateReady(offered, created));

    expect(current()).toMatchObject({ status: 'DEGRADED', templateVersion: NEW_VERSION, lastUpdate: { status: 'succeeded' } });
    expect(events()).toEqual(['byob.status_changed', 'byob.status_changed', 'byob.status_changed', 'byob.degraded', 'byob.updated']);
  });

  it('takes "ready" alone (its "started" lost to us) through UPDATING to VERIFYING: the update still happened', async () => {
    const { stack, deliver, current, store } = bound();

    expect((await deliver(stack.updateReady(offered, created))).Status).toBe('SUCCESS');

    expect(store.commits.map((c) => c.after.status)).toEqual(['UPDATING', 'VERIFYING', 'READY']);
    expect(current()).toMatchObject({ templateVersion: NEW_VERSION, appliedUpdateId: OFFER_ID });
  });
});

describe('an update that rolls back', () => {
  it('the rollback\'s Update of "started" back to its previous properties: READY on everything it had, lastUpdate failed, byob.update_failed, the offer kept', async () => {
    const { stack, deliver, current, events, read } = bound();
    await deliver(stack.updateStarted(offered, created));

    const back = await deliver(stack.updateStarted(created, offered));

    expect(back).toMatchObject({ Status: 'SUCCESS', Reason: 'Rolled back' });
    expect(current()).toMatchObject({
      status: 'READY',
      templateVersion: OLD_VERSION,
      corsRules: read.corsRules,
      templateKey: read.templateKey,
      update: null,
      pendingUpdate: offer(),
      launch: { stackStatus: 'UPDATE_ROLLBACK_IN_PROGRESS' },
      lastUpdate: { status: 'failed', fromVersion: OLD_VERSION, toVersion: NEW_VERSION, resource: null, reason: expect.stringMatching(/rolled back.*Events tab/s) },
    });
    expect(events()).toEqual(['byob.status_changed', 'byob.status_changed', 'byob.update_failed']);
    // "ready" was never updated, so it gets nothing back; a second, late rollback Update changes nothing.
    expect((await deliver(stack.updateStarted(created, offered))).Reason).toBe('No change');
  });

  it('"ready" refused for outputs that name another bucket: the record says UPDATING until the rollback brings it back', async () => {
    const { stack, deliver, current } = bound();
    await deliver(stack.updateStarted(offered, created));

    const refused = await deliver(stack.updateReady({ ...offered, BucketName: 'someone-elses', BucketArn: 'arn:aws:s3:::someone-elses' }, created));
    expect(refused).toMatchObject({ Status: 'FAILED', Reason: expect.stringMatching(/BucketName someone-elses is not acme-omega-artifacts/) });
    expect(current().status).toBe('UPDATING');

    await deliver(stack.updateStarted(created, offered));
    expect(current()).toMatchObject({ status: 'READY', templateVersion: OLD_VERSION, lastUpdate: { status: 'failed' } });
  });

  it('the reconciler waits for the customer\'s stack, and gives the update up (READY, offer kept) after 6 hours without a word', async () => {
    const clock = testClock();
    const { stack, deliver, current, deps } = bound({}, { clock: clock.now });
    await deliver(stack.updateStarted(offered, created));

    clock.set(new Date(T0.getTime() + 3 * 60_000));
    expect(await reconcileRecord(deps, current())).toBe(false);
    expect(current()).toMatchObject({ status: 'UPDATING', dueAt: new Date(T0.getTime() + 33 * 60_000).toISOString() });

    clock.set(new Date(T0.getTime() + 7 * 3_600_000));
    expect(await reconcileRecord(deps, current())).toBe(true);
    expect(current()).toMatchObject({ status: 'READY', templateVersion: OLD_VERSION, pendingUpdate: offer(), lastUpdate: { status: 'failed', reason: expect.stringMatching(/did not report/) } });
  });
});

describe('an update rolled back after "ready" took it (a resource the customer added to the template failed after it)', () => {
  it('READY on the new version → back to everything it had, the outputs "ready" reports again, the update offered again, byob.update_failed', async () => {
    const { stack, deliver, current, events, read } = bound();
    await deliver(stack.updateStarted(offered, created));
    await deliver(stack.updateReady({ ...offered, RoleArn: 'arn:aws:iam::111111111111:role/new' }, created));
    expect(current()).toMatchObject({ status: 'READY', templateVersion: NEW_VERSION, outputs: { roleArn: 'arn:aws:iam::111111111111:role/new' } });

    const readyBack = await deliver(stack.updateReady(created, offered));
    const startedBack = await deliver(stack.updateStarted(created, offered));

    expect(readyBack).toMatchObject({ Status: 'SUCCESS', Reason: 'Rolled back' });
    expect(startedBack).toMatchObject({ Status: 'SUCCESS', Reason: 'No change' });
    expect(current()).toMatchObject({
      status: 'READY',
      templateVersion: OLD_VERSION,
      corsRules: read.corsRules,
      tags: read.tags,
      templateKey: read.templateKey,
      appliedUpdateId: null,
      beforeUpdate: null,
      pendingUpdate: offer(),
      outputs: { roleArn: null },
      launch: { stackStatus: 'UPDATE_ROLLBACK_IN_PROGRESS' },
      lastUpdate: { status: 'failed', fromVersion: OLD_VERSION, toVersion: NEW_VERSION, reason: expect.stringMatching(/rolled back/) },
    });
    expect(events()).toEqual(['byob.status_changed', 'byob.status_changed', 'byob.status_changed', 'byob.updated', 'byob.update_failed']);
  });

  it('still VERIFYING (its verification cut off) → back to the status it left, byob.update_failed', async () => {
    const { stack, deliver, current, events, deps } = bound({ status: 'DEGRADED' });
    deps.verify = async () => Promise.reject(new Error('cut off'));
    await deliver(stack.updateStarted(offered, created));
    await deliver(stack.updateReady(offered, created));
    expect(current().status).toBe('VERIFYING');

    expect(await deliver(stack.updateReady(created, offered))).toMatchObject({ Status: 'SUCCESS', Reason: 'Rolled back' });

    expect(current()).toMatchObject({ status: 'DEGRADED', templateVersion: OLD_VERSION, update: null, pendingUpdate: offer(), lastUpdate: { status: 'failed' } });
    expect(events()).toEqual(['byob.status_changed', 'byob.status_changed', 'byob.status_changed', 'byob.update_failed']);
  });
});

describe('what is refused', () => {
  it('a template whose version is not the one offered: FAILED with why, nothing changed (its rollback Update answered too)', async () => {
    const { stack, deliver, current, read, store } = bound();

    const answer = await deliver(stack.updateStarted({ ...offered, TemplateVersion: '2099-01-01.1' }, created));

    expect(answer).toMatchObject({ Status: 'FAILED', Reason: expect.stringMatching(/says version 2099-01-01\.1, but the update offered is version 2027-01-05\.1/) });
    expect(current()).toEqual(read);
    expect(store.commits).toEqual([]);
    expect(await deliver(stack.updateStarted(created, { ...offered, TemplateVersion: '2099-01-01.1' }))).toMatchObject({ Status: 'SUCCESS', Reason: 'No change' });
  });

  it('an update the vendor no longer offers (replaced by a newer one) or never offered', async () => {
    const { stack, deliver, current, read } = bound();

    const stale = await deliver(stack.updateStarted({ TemplateVersion: NEW_VERSION, UpdateId: 'upd-01JQC00000000000000000OLD1' }, created));
    expect(stale).toMatchObject({ Status: 'FAILED', Reason: expect.stringMatching(/not the update the vendor offers now \(update upd-01JQC00000000000000000OFR1/) });

    const { stack: other, deliver: send } = bound({ pendingUpdate: null });
    expect(await send(other.updateStarted(offered, created))).toMatchObject({ Status: 'FAILED', Reason: expect.stringMatching(/not an update the vendor offers/) });
    expect(current()).toEqual(read);
  });

  it('an Update with a bad token, or from a stack the request is not bound to', async () => {
    const { stack, deliver, read, current } = bound();

    expect((await deliver(stack.updateStarted({ ...offered, Token: 'tok_not_the_right_one_at_all' }, created))).Status).toBe('FAILED');
    const stranger = customerStackOf(server);
    expect(await deliver(stranger.updateStarted(offered, created))).toMatchObject({ Status: 'FAILED', Reason: expect.stringMatching(/already used for stack/) });
    expect(current()).toEqual(read);
  });

  it('while AWAITING_CUSTOMER (nothing bound yet): no stack of this request can send an Update', async () => {
    const { deps, store } = fakeDeps();
    store.seed(awaitingRecord());
    const stack = customerStackOf(server);

    const answer = await deliverTo(server, deps as RegistrationDeps, stack.updateStarted(offered, created));

    expect(answer).toMatchObject({ Status: 'FAILED', Reason: expect.stringMatching(/not the one registered/) });
    expect(store.commits).toEqual([]);
  });
});
