import { TEMPLATE_VERSION } from '../../../templates/version.js';
import {
  CloudFormationClient,
  CreateChangeSetCommand,
  DeleteChangeSetCommand,
  DescribeChangeSetCommand,
  type DescribeChangeSetCommandOutput,
  ExecuteChangeSetCommand,
} from '@aws-sdk/client-cloudformation';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-vitest/extend';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { parseConfig } from '../../../lib/config.js';
import { ConflictError, NotFoundError, PreconditionFailedError, ValidationError } from '../../../lib/errors.js';
import { logger } from '../../../lib/logger.js';
import { corsRulesFor } from '../../../lib/provisioning/cors.js';
import type { ByobRecord } from '../../../lib/provisioning/record.js';
import type { UpdateDeps } from '../../../lib/updates/direct-update.js';
import { patchByob } from '../../../lib/updates/patch.js';
import { parseIfMatch } from '../../../lib/http/if-match.js';
import { upgradeByob } from '../../../lib/updates/update.js';
import { fakeDeps, localEnv, REGION } from '../../support/fakes.js';
import { DIRECT_STACK_ID, idleCallback, outboxEvent, quickCreateRecord, readyRecord, REQUEST_ID, STACK_NAME } from '../../support/records.js';

const cfnMock = mockClient(CloudFormationClient);
const s3Mock = mockClient(S3Client);
beforeEach(() => {
  vi.spyOn(logger, 'error').mockImplementation(() => undefined);
  vi.spyOn(logger, 'warn').mockImplementation(() => undefined);
  s3Mock.on(PutObjectCommand).resolves({});
  cfnMock.on(CreateChangeSetCommand).resolves({ Id: CHANGE_SET, StackId: DIRECT_STACK_ID });
  cfnMock.on(ExecuteChangeSetCommand).resolves({});
  cfnMock.on(DeleteChangeSetCommand).resolves({});
});
afterEach(() => {
  cfnMock.reset();
  s3Mock.reset();
  vi.restoreAllMocks();
});

const CHANGE_SET = 'arn:aws:cloudformation:eu-central-1:123456789012:changeSet/byob-upd-x/1';
const ORIGINS = ['https://app.example.com'];
const NEW_ORIGINS = ['https://app.example.com', 'https://new.example.com'];
const addOrigin = { cors: { allowedOrigins: NEW_ORIGINS } };

/** A READY direct request with a CORS block, a callback and a tag, in a memory store, with the update's fakes. */
const seeded = (over: Partial<ByobRecord> = {}, env: Record<string, string> = {}) => {
  const f = fakeDeps({ config: parseConfig(localEnv(env)) });
  const deps: UpdateDeps = { ...f.deps, vendorS3: () => new S3Client({ region: REGION }), changeSetWait: { budgetMs: 50, pollMs: 5 } };
  const read = f.store.seed(readyRecord({ corsRules: corsRulesFor({ allowedOrigins: ORIGINS }), callback: idleCallback(), tags: { team: 'ml' }, ...over }));
  return { ...f, deps, read, current: () => f.store.current('acme', REQUEST_ID) };
};
const describes = (over: Partial<DescribeChangeSetCommandOutput>) =>
  cfnMock.on(DescribeChangeSetCommand).resolves({
    ChangeSetId: CHANGE_SET,
    Status: 'CREATE_COMPLETE',
    ExecutionStatus: 'AVAILABLE',
    Changes: [{ Type: 'Resource', ResourceChange: { Action: 'Modify', LogicalResourceId: 'ByobBucket', ResourceType: 'AWS::S3::Bucket', Replacement: 'False' } }],
    ...over,
  });
const eventTypes = (store: ReturnType<typeof seeded>['store']) => [...store.outbox.values()].sort((a, b) => (a.eventId < b.eventId ? -1 : 1)).map((o) => o.type);
const storedTemplate = () => JSON.parse(String(s3Mock.commandCalls(PutObjectCommand)[0]!.args[0].input.Body)) as { Resources: Record<string, { Properties: Record<string, unknown> }> };

describe('updateByob: before anything is written', () => {
  it('answers 404 for a request the tenant does not have', async () => {
    const { deps } = seeded();

    await expect(patchByob(deps, 'other-tenant', REQUEST_ID, addOrigin)).rejects.toBeInstanceOf(NotFoundError);
  });

  it('a patch of an immutable field is a 400 naming it: nothing written, no change set', async () => {
    const { deps, read, current } = seeded();

    const attempt = patchByob(deps, 'acme', REQUEST_ID, { bucketName: 'other-bucket', cors: { allowedOrigins: NEW_ORIGINS } });

    await expect(attempt).rejects.toBeInstanceOf(ValidationError);
    await expect(attempt).rejects.toMatchObject({ errors: [{ path: 'bucketName' }] });
    expect(current()).toEqual(read);
    expect(cfnMock.calls()).toEqual([]);
    expect(s3Mock.calls()).toEqual([]);
  });

  it('a stale If-Match is a 412: nothing written, no change set', async () => {
    const { deps, read, current } = seeded();

    await expect(patchByob(deps, 'acme', REQUEST_ID, addOrigin, (v) => v === read.version - 1)).rejects.toBeInstanceOf(PreconditionFailedError);
    expect(current()).toEqual(read);
    expect(cfnMock.calls()).toEqual([]);
  });

  it('If-Match is the lock write\'s own condition: a record changed between the read and the write is a 412, not a retry', async () => {
    const { deps, read, store, current } = seeded();
    // Another caller's change (a new callbackUrl) lands first: it moves the revision.
    store.beforeCommit = async () => {
      store.beforeCommit = null;
      await store.patch(store.current('acme', REQUEST_ID), { callback: idleCallback('https://portal.example.com/hooks/other'), revision: read.version + 1 }, read.updatedAt);
    };

    await expect(patchByob(deps, 'acme', REQUEST_ID, addOrigin, (v) => v === read.version)).rejects.toBeInstanceOf(PreconditionFailedError);
    expect(current().status).toBe('READY');
    expect(cfnMock.calls()).toEqual([]);
  });

  it('If-Match names the revision: a webhook delivery summary written after the read does not make it stale', async () => {
    const { deps, read, store } = seeded();
    describes({});
    const etag = parseIfMatch(`"${read.version}"`);
    await store.patch(read, { callback: { ...idleCallback(), status: 'delivered', attempts: 1 } }, read.updatedAt);

    const { record } = await patchByob(deps, 'acme', REQUEST_ID, addOrigin, etag);

    expect(record.status).not.toBe('READY');
    expect(cfnMock).toHaveReceivedCommand(CreateChangeSetCommand);
  });

  it('a callbackUrl change moves the revision, so an If-Match read before it is stale', async () => {
    const { deps, read } = seeded();

    const { record } = await patchByob(deps, 'acme', REQUEST_ID, { callbackUrl: 'https://portal.example.com/hooks/v2' }, parseIfMatch(`"${read.version}"`));

    expect(record.revision).toBe(read.version + 1);
    await expect(patchByob(deps, 'acme', REQUEST_ID, addOrigin, parseIfMatch(`"${read.version}"`))).rejects.toBeInstanceOf(PreconditionFailedError);
  });

  it('without If-Match, a record moved meanwhile is read again and the update goes on', async () => {
    const { deps, read, store } = seeded();
    describes({});
    store.beforeCommit = async () => {
      store.beforeCommit = null;
      await store.patch(store.current('acme', REQUEST_ID), { dueAt: null }, read.updatedAt);
    };

    const { record } = await patchByob(deps, 'acme', REQUEST_ID, addOrigin);

    expect(record.status).toBe('UPDATING');
  });

  it('a patch that changes nothing answers the record as it is: no write, no change set', async () => {
    const { deps, read, current } = seeded();

    expect(await patchByob(deps, 'acme', REQUEST_ID, { cors: { allowedOrigins: ORIGINS }, tags: { team: 'ml' } })).toEqual({ record: read, changed: false });
    expect(current()).toEqual(read);
    expect(cfnMock.calls()).toEqual([]);
  });

  it.each([
    ['still CREATING', { status: 'CREATING' as const }],
    ['already UPDATING (a second update)', { status: 'UPDATING' as const }],
    ['DELETED', { status: 'DELETED' as const }],
  ])('a request %s answers 409', async (_what, over) => {
    const { deps, read, current } = seeded(over);

    await expect(patchByob(deps, 'acme', REQUEST_ID, addOrigin)).rejects.toBeInstanceOf(ConflictError);
    expect(current()).toEqual(read);
    expect(cfnMock.calls()).toEqual([]);
  });

  it('an adopted bucket is not the stack\'s: a patch of its cors or tags is a 409 naming them, nothing written; the access role and an upgrade still go', async () => {
    const adopted = { bucketName: 'kept-bucket', kmsKeyArn: null, fromRequestId: 'byob_01JOLD0000000000000000000A' };
    const { deps, read, current } = seeded({ adopted });

    const refused = (await patchByob(deps, 'acme', REQUEST_ID, { ...addOrigin, tags: { team: 'ml', cost: 'x' } }).catch((e: unknown) => e)) as ConflictError;

    expect(refused).toBeInstanceOf(ConflictError);
    expect(refused.message).toMatch(/^cors and tags cannot be changed here: bucket kept-bucket was adopted/);
    expect(refused.extra).toEqual({ fields: ['cors', 'tags'] });
    expect(current()).toEqual(read);
    expect(cfnMock.calls()).toEqual([]);
    describes({});
    expect((await patchByob(deps, 'acme', REQUEST_ID, { accessRole: { enabled: true } })).record.status).toBe('UPDATING');
  });

  it('a quick-create request is offered the update instead (no change set, still READY), and takes a new callbackUrl', async () => {
    const quick = quickCreateRecord({ status: 'READY', corsRules: corsRulesFor({ allowedOrigins: ORIGINS }), callback: idleCallback(), dueAt: null });
    const { deps, store } = seeded();
    store.seed(quick);

    const offered = await patchByob(deps, 'acme', REQUEST_ID, addOrigin);
    const withCallback = await patchByob(deps, 'acme', REQUEST_ID, { callbackUrl: 'https://portal.example.com/hooks/v2' });

    expect(offered.record).toMatchObject({ status: 'READY', corsRules: quick.corsRules, pendingUpdate: { kind: 'patch', target: { corsRules: corsRulesFor({ allowedOrigins: NEW_ORIGINS }) } } });
    expect(withCallback.record.callback?.url).toBe('https://portal.example.com/hooks/v2');
    expect(withCallback.record.pendingUpdate).toEqual(offered.record.pendingUpdate);
    expect(cfnMock.calls()).toEqual([]);
    expect(store.commits).toEqual([]);
  });
});

describe('updateByob: callbackUrl alone', () => {
  it('changes only the record, at once: still READY, no change set, no webhook', async () => {
    const { deps, read, store } = seeded();

    const { record, changed } = await patchByob(deps, 'acme', REQUEST_ID, { callbackUrl: 'https://portal.example.com/hooks/v2' });

    expect(changed).toBe(true);
    expect(record).toMatchObject({ status: 'READY', version: read.version + 1, callback: { ...idleCallback(), url: 'https://portal.example.com/hooks/v2' } });
    expect(store.commits).toEqual([]);
    expect(cfnMock.calls()).toEqual([]);
  });

  it('removed, it closes the webhooks still waiting to be sent', async () => {
    const { deps, store, current } = seeded();
    await store.putOutbox(outboxEvent({ eventId: 'evt_1' }));
    await store.putOutbox(outboxEvent({ eventId: 'evt_2', status: 'delivered', nextAttemptAt: null }));

    await patchByob(deps, 'acme', REQUEST_ID, { callbackUrl: null });

    expect(current().callback).toBeNull();
    expect([...store.outbox.values()].map((o) => [o.eventId, o.status, o.nextAttemptAt])).toEqual([
      ['evt_1', 'dead', null],
      ['evt_2', 'delivered', null],
    ]);
  });
});

describe('updateByob: a change of the stack (direct mode)', () => {
  it('takes the record to UPDATING first, stores the re-rendered template, asks for a change set of its own and executes it', async () => {
    const { deps, read, store, current } = seeded();
    describes({});

    const { record, changed } = await patchByob(deps, 'acme', REQUEST_ID, addOrigin);

    expect(changed).toBe(true);
    expect(store.commits.map((c) => [c.before.status, c.after.status])).toEqual([['READY', 'UPDATING']]);
    const u = record.update!;
    expect(u).toMatchObject({
      kind: 'patch',
      fromStatus: 'READY',
      fromVersion: TEMPLATE_VERSION,
      toVersion: deps.config.templateVersion,
      target: { corsRules: corsRulesFor({ allowedOrigins: NEW_ORIGINS }), tags: { team: 'ml' }, accessRole: false },
      phase: 'executing',
      changeSetId: CHANGE_SET,
      changes: [{ action: 'Modify', logicalId: 'ByobBucket', resourceType: 'AWS::S3::Bucket', replacement: 'False' }],
    });
    expect(u.id).toMatch(/^upd-/);
    expect(u.changeSetName).toBe(`byob-${u.id}`);
    // The record keeps what its stack runs until the stack says it changed.
    expect(record).toMatchObject({ status: 'UPDATING', corsRules: read.corsRules, templateKey: read.templateKey });
    expect(current()).toEqual(record);

    expect(s3Mock.commandCalls(PutObjectCommand)[0]!.args[0].input.Key).toBe(u.templateKey);
    expect(storedTemplate().Resources.ByobBucket!.Properties.CorsConfiguration).toEqual({ CorsRules: [expect.objectContaining({ AllowedOrigins: NEW_ORIGINS })] });
    expect(cfnMock).toHaveReceivedCommandWith(CreateChangeSetCommand, {
      StackName: STACK_NAME,
      ChangeSetName: `byob-${u.id}`,
      ClientToken: u.id,
      ChangeSetType: 'UPDATE',
      TemplateURL: `https://${read.templateBucket}.s3.${REGION}.amazonaws.com/${u.templateKey}`,
      NotificationARNs: [`arn:aws:sns:${REGION}:123456789012:byob-local-stack-events`],
      Capabilities: [],
    });
    expect(cfnMock).toHaveReceivedCommandWith(ExecuteChangeSetCommand, { ChangeSetName: CHANGE_SET, StackName: STACK_NAME, ClientRequestToken: u.id });
    expect(eventTypes(store)).toEqual(['byob.status_changed']);
  });

  it('the access role turned on asks for CAPABILITY_IAM', async () => {
    const { deps } = seeded();
    describes({});

    await patchByob(deps, 'acme', REQUEST_ID, { accessRole: { enabled: true } });

    expect(cfnMock).toHaveReceivedCommandWith(CreateChangeSetCommand, { Capabilities: ['CAPABILITY_IAM'] });
    expect(storedTemplate().Resources).toHaveProperty('ByobAccessRole');
  });

  it('a change set that would replace the bucket is refused (409 naming it), deleted, never executed; the request is READY again with lastUpdate failed', async () => {
    const { deps, read, store, current } = seeded();
    describes({ Changes: [{ Type: 'Resource', ResourceChange: { Action: 'Modify', LogicalResourceId: 'ByobBucket', ResourceType: 'AWS::S3::Bucket', Replacement: 'True' } }] });

    const attempt = patchByob(deps, 'acme', REQUEST_ID, addOrigin);

    await expect(attempt).rejects.toBeInstanceOf(ConflictError);
    await expect(attempt).rejects.toMatchObject({
      status: 409,
      extra: { offendingResources: [{ logicalId: 'ByobBucket', resourceType: 'AWS::S3::Bucket', action: 'Modify', replacement: 'True', why: expect.stringContaining('empty bucket') }] },
    });
    expect(cfnMock).toHaveReceivedCommandWith(DeleteChangeSetCommand, { ChangeSetName: CHANGE_SET, StackName: STACK_NAME });
    expect(cfnMock).not.toHaveReceivedCommand(ExecuteChangeSetCommand);
    const after = current();
    expect(after).toMatchObject({ status: 'READY', update: null, corsRules: read.corsRules, templateKey: read.templateKey, lastUpdate: { status: 'failed', resource: 'ByobBucket' } });
    expect(after.lastUpdate).toMatchObject({ reason: expect.stringContaining('Replace (True) ByobBucket') });
    expect(eventTypes(store).slice(-2)).toEqual(['byob.status_changed', 'byob.update_failed']);
  });

  it('a DEGRADED request goes back to DEGRADED when its update does not happen', async () => {
    const { deps, current } = seeded({ status: 'DEGRADED' });
    describes({ Changes: [{ Type: 'Resource', ResourceChange: { Action: 'Remove', LogicalResourceId: 'ByobKmsKey', ResourceType: 'AWS::KMS::Key' } }] });

    await expect(upgradeByob(deps, 'acme', REQUEST_ID)).rejects.toBeInstanceOf(ConflictError);

    expect(current()).toMatchObject({ status: 'DEGRADED', lastUpdate: { status: 'failed', resource: 'ByobKmsKey' } });
  });

  it('a change set without changes is no error: the request is READY at the new version, lastUpdate succeeded with no changes', async () => {
    const { deps, store, current } = seeded({}, { TEMPLATE_VERSION: '2027-01-01.1' });
    describes({ Status: 'FAILED', ExecutionStatus: 'UNAVAILABLE', StatusReason: "The submitted information didn't contain changes. Submit different information to create a change set.", Changes: [] });

    const { record } = await upgradeByob(deps, 'acme', REQUEST_ID);

    expect(cfnMock).toHaveReceivedCommand(DeleteChangeSetCommand);
    expect(cfnMock).not.toHaveReceivedCommand(ExecuteChangeSetCommand);
    expect(record).toEqual(current());
    expect(record).toMatchObject({ status: 'READY', update: null, templateVersion: '2027-01-01.1', lastUpdate: { status: 'succeeded', fromVersion: TEMPLATE_VERSION, toVersion: '2027-01-01.1', changes: [] } });
    expect(record.templateKey).toMatch(new RegExp(`^templates/${REQUEST_ID}/`));
    expect(eventTypes(store).slice(-2)).toEqual(['byob.status_changed', 'byob.updated']);
  });

  it('a change set CloudFormation could not make ends the update failed with its reason', async () => {
    const { deps, current } = seeded();
    describes({ Status: 'FAILED', ExecutionStatus: 'UNAVAILABLE', StatusReason: 'Template error: bad reference', Changes: [] });

    await patchByob(deps, 'acme', REQUEST_ID, addOrigin);

    expect(current()).toMatchObject({ status: 'READY', lastUpdate: { status: 'failed', reason: expect.stringContaining('Template error: bad reference'), resource: null } });
  });

  it('a change set not described within the wait answers UPDATING, left for the reconciler', async () => {
    const { deps, current } = seeded();
    describes({ Status: 'CREATE_IN_PROGRESS', ExecutionStatus: 'UNAVAILABLE', Changes: [] });

    const { record } = await patchByob(deps, 'acme', REQUEST_ID, addOrigin);

    expect(record).toMatchObject({ status: 'UPDATING', update: { phase: 'proposed', changeSetId: null } });
    expect(current()).toEqual(record);
    expect(cfnMock).not.toHaveReceivedCommand(ExecuteChangeSetCommand);
  });

  it('AWS failing mid-way leaves the record UPDATING for the reconciler; a refusal of the call ends the update failed', async () => {
    const cutOff = seeded();
    cfnMock.on(CreateChangeSetCommand).rejects(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }));
    expect((await patchByob(cutOff.deps, 'acme', REQUEST_ID, addOrigin)).record).toMatchObject({ status: 'UPDATING', update: { phase: 'proposed' } });

    const refused = seeded();
    cfnMock.on(CreateChangeSetCommand).rejects(Object.assign(new Error('Stack is in UPDATE_ROLLBACK_FAILED state'), { name: 'ValidationError' }));
    await patchByob(refused.deps, 'acme', REQUEST_ID, addOrigin);
    expect(refused.current()).toMatchObject({ status: 'READY', lastUpdate: { status: 'failed', reason: expect.stringContaining('UPDATE_ROLLBACK_FAILED') } });
  });

  it('a change set CloudFormation refuses to execute ends the update failed; AWS failing leaves it executing, for the reconciler', async () => {
    const refused = seeded();
    describes({});
    cfnMock.on(ExecuteChangeSetCommand).rejects(Object.assign(new Error('ChangeSet is in an invalid status'), { name: 'InvalidChangeSetStatusException' }));
    expect((await patchByob(refused.deps, 'acme', REQUEST_ID, addOrigin)).record).toMatchObject({
      status: 'READY',
      update: null,
      lastUpdate: { status: 'failed', reason: expect.stringContaining('did not execute the change set') },
    });

    const cutOff = seeded();
    cfnMock.on(ExecuteChangeSetCommand).rejects(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }));
    expect((await patchByob(cutOff.deps, 'acme', REQUEST_ID, addOrigin)).record).toMatchObject({ status: 'UPDATING', update: { phase: 'executing', changeSetId: CHANGE_SET } });
  });

  it('an upgrade re-renders the same request at the latest template version', async () => {
    const { deps, read } = seeded({}, { TEMPLATE_VERSION: '2027-01-01.1' });
    describes({});

    const { record } = await upgradeByob(deps, 'acme', REQUEST_ID);

    expect(record.update).toMatchObject({ kind: 'upgrade', fromVersion: TEMPLATE_VERSION, toVersion: '2027-01-01.1', target: { corsRules: read.corsRules, tags: read.tags, accessRole: false } });
    expect(JSON.stringify(storedTemplate())).toContain('template 2027-01-01.1');
  });
});
