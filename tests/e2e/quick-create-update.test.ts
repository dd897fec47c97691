import { CreateBucketCommand, GetBucketCorsCommand, S3Client } from '@aws-sdk/client-s3';
import { UpdateStackCommand } from '@aws-sdk/client-cloudformation';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { eventsOf, launchFromLink, readLinkedTemplate, settled, updateFromLink } from '../../scripts/customer-launch.js';
import { call, directBody, emulatorClient, sharedApi, waitForStatus } from '../support/local-api.js';
import { type Receiver, type Received, startReceiver } from '../support/receiver.js';

// A quick-create request updated by "the customer", end to end on the shared local stack. The vendor
// patches the request; the API offers the update (the request stays READY); the customer applies it in
// the second emulator account from the offer's link, as the Update stack wizard would (scripts/
// customer-launch.ts updateFromLink: the new template URL, every parameter at its existing value). The
// emulator's CloudFormation updates the stack and sends the registration resources their Update
// requests through the region's registration topic; handlers/registration answers them and moves the
// request, as it does for Create (see tests/e2e/quick-create.test.ts).
const REGION = 'eu-central-1';
const CUSTOMER = '111111111111';
const TENANT = 'e2e-qc-update';
const APP = 'https://app.example.com';
const NEW_ORIGIN = 'https://new.example.com';

const stack = sharedApi();
let token: string;
let secret: string;
const receivers: Receiver[] = [];

beforeAll(async () => {
  token = await stack.token(TENANT);
  secret = (await call(stack, 'GET', '/byob/settings', { token })).body.webhookSecret;
});
afterEach(async () => {
  await Promise.all(receivers.splice(0).map((r) => r.close()));
});

/** A READY quick-create request launched by the customer, its webhooks going to a receiver of its own. */
const readyQuickCreate = async (team: string) => {
  const receiver = await startReceiver({ secret });
  receivers.push(receiver);
  const posted = await call(stack, 'POST', '/byob', {
    token,
    body: directBody({ team, region: REGION, launch: { mode: 'quick-create' }, cors: { allowedOrigins: [APP] }, callbackUrl: `${receiver.url}/hooks` }),
  });
  expect(posted.status, JSON.stringify(posted.body)).toBe(202);
  const launched = await launchFromLink({ endpoint: stack.emulatorEndpoint, link: posted.body.quickCreateUrl, account: CUSTOMER });
  expect((await settled(launched.cfn, launched.stackId)).StackStatus).toBe('CREATE_COMPLETE');
  const ready = await waitForStatus(stack, token, posted.body.id, ['READY', 'FAILED'], 60_000);
  expect(ready.status, JSON.stringify(ready.failure ?? ready.verification)).toBe('READY');
  return { ready, receiver, launched };
};

/**
 * PATCH adding an origin, as the vendor's portal would: a merge patch with If-Match of the version read,
 * read again on 412 (the webhook deliveries of READY may still be writing their summary on the record).
 */
const addOrigin = async (id: string) => {
  for (let attempt = 1; ; attempt++) {
    const read = await call(stack, 'GET', `/byob/${id}`, { token });
    const patched = await call(stack, 'PATCH', `/byob/${id}`, {
      token,
      raw: JSON.stringify({ cors: { allowedOrigins: [APP, NEW_ORIGIN] } }),
      headers: { 'content-type': 'application/merge-patch+json', 'if-match': read.headers.get('etag')! },
    });
    if (patched.status !== 412 || attempt === 10) return patched;
    await new Promise((r) => setTimeout(r, 300));
  }
};

/** Polls GET /byob/{id} until `done` holds. */
const waitFor = async (id: string, done: (view: Record<string, any>) => boolean, timeoutMs = 60_000) => {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const got = await call(stack, 'GET', `/byob/${id}`, { token });
    if (got.status === 200 && done(got.body)) return got.body;
    if (Date.now() > deadline) throw new Error(`${id}: not there after ${timeoutMs} ms; last: ${JSON.stringify(got.body).slice(0, 600)}`);
    await new Promise((r) => setTimeout(r, 250));
  }
};

const typesOf = (got: Received[]) => got.map((d) => (JSON.parse(d.body) as { type: string; data: { status: string } })).map((p) => `${p.type}:${p.data.status}`);

const waitForWebhook = async (r: Receiver, type: string, timeoutMs = 30_000) => {
  const deadline = Date.now() + timeoutMs;
  while (!typesOf(r.received).some((t) => t.startsWith(`${type}:`))) {
    if (Date.now() > deadline) throw new Error(`no ${type} after ${timeoutMs} ms: ${typesOf(r.received).join(', ')}`);
    await new Promise((res) => setTimeout(res, 200));
  }
  return typesOf(r.received);
};

const corsOrigins = async (s3: S3Client, bucket: string) =>
  ((await s3.send(new GetBucketCorsCommand({ Bucket: bucket }))).CORSRules ?? []).flatMap((rule) => rule.AllowedOrigins ?? []);

describe('quick-create update, end to end', () => {
  it('PATCH adding an origin offers the update (still READY); the customer applies it; the stack\'s Update requests bring the request to READY on the new template', async () => {
    const { ready, receiver, launched } = await readyQuickCreate('qcu-origin');

    const patched = await addOrigin(ready.id);

    expect(patched.status, JSON.stringify(patched.body)).toBe(202);
    const offer = patched.body.pendingUpdate;
    expect(patched.body).toMatchObject({ status: 'READY', updateAvailable: true, templateVersion: ready.templateVersion, lastUpdate: null });
    expect(offer).toMatchObject({
      toVersion: ready.latestTemplateVersion,
      templateUrl: expect.stringMatching(new RegExp(`^https://[a-z0-9-]+-${REGION}\\.s3\\.${REGION}\\.amazonaws\\.com/templates/${ready.id}/`)),
      stackUrl: `https://console.aws.amazon.com/cloudformation/home?region=${REGION}#/stacks/stackinfo?stackId=${encodeURIComponent(launched.stackId)}`,
      instructions: expect.stringMatching(/does not document/),
    });
    expect(offer.consoleUrl).toBe(
      `https://console.aws.amazon.com/cloudformation/home?region=${REGION}#/stacks/update/template?stackId=${encodeURIComponent(launched.stackId)}&templateURL=${encodeURIComponent(offer.templateUrl)}`,
    );
    expect(await corsOrigins(launched.s3, ready.bucketName)).toEqual([APP]);

    const updated = await updateFromLink({ endpoint: stack.emulatorEndpoint, link: offer.consoleUrl, account: CUSTOMER });
    const done = await settled(updated.cfn, updated.stackId);

    expect(done.StackStatus, JSON.stringify((await eventsOf(updated.cfn, updated.stackId)).filter((e) => e.ResourceStatus?.endsWith('FAILED')))).toBe('UPDATE_COMPLETE');
    const registrations = (await eventsOf(updated.cfn, updated.stackId)).filter((e) => e.ResourceType === 'Custom::ByobRegistration' && e.ResourceStatus === 'UPDATE_COMPLETE');
    expect(registrations.map((e) => e.LogicalResourceId).sort()).toEqual(['ByobReady', 'ByobStarted']);
    const after = await waitFor(ready.id, (v) => v.status === 'READY' && v.lastUpdate !== null);
    expect(after).toMatchObject({
      templateVersion: offer.toVersion,
      updateAvailable: false,
      pendingUpdate: null,
      lastUpdate: { status: 'succeeded', fromVersion: ready.templateVersion, toVersion: offer.toVersion },
      verification: { status: 'passed' },
      outputs: { bucketName: ready.bucketName, accountId: CUSTOMER },
    });
    expect(await corsOrigins(launched.s3, ready.bucketName)).toEqual(expect.arrayContaining([APP, NEW_ORIGIN]));
    const template = await call(stack, 'GET', `/byob/${ready.id}/template`, { token });
    expect(JSON.stringify(template.body.Resources.ByobBucket.Properties.CorsConfiguration)).toContain(NEW_ORIGIN);
    const types = await waitForWebhook(receiver, 'byob.updated');
    expect(types.slice(types.indexOf('byob.status_changed:UPDATING'))).toEqual([
      'byob.status_changed:UPDATING',
      'byob.status_changed:VERIFYING',
      'byob.status_changed:READY',
      'byob.updated:READY',
    ]);
  });

  it('an update that fails in the customer\'s stack rolls back: READY on what it had, lastUpdate failed, byob.update_failed; the same link works after', async () => {
    const { ready, receiver, launched } = await readyQuickCreate('qcu-rollback');
    const patched = await addOrigin(ready.id);
    expect(patched.status).toBe(202);
    const offer = patched.body.pendingUpdate;
    // The customer's update fails after "started" took it: their template, edited, also creates a bucket
    // whose name is taken, after ByobStarted and before ByobReady.
    const taken = `qcu-taken-${Date.now().toString(36)}`;
    await new S3Client({ ...emulatorClient(stack.emulatorEndpoint, REGION), forcePathStyle: true }).send(
      new CreateBucketCommand({ Bucket: taken, CreateBucketConfiguration: { LocationConstraint: REGION } }),
    );
    const { body } = await readLinkedTemplate(launched.s3, offer.templateUrl);
    const readyResource = body.Resources.ByobReady as { DependsOn?: string[] };
    const edited = {
      ...body,
      Resources: {
        ...body.Resources,
        CustomerExtraBucket: { Type: 'AWS::S3::Bucket', DependsOn: ['ByobStarted'], Properties: { BucketName: taken } },
        ByobReady: { ...readyResource, DependsOn: [...(readyResource.DependsOn ?? []), 'CustomerExtraBucket'] },
      },
    };
    await launched.cfn.send(
      new UpdateStackCommand({ StackName: launched.stackId, TemplateBody: JSON.stringify(edited), Parameters: [{ ParameterKey: 'RegistrationToken', UsePreviousValue: true }] }),
    );
    const done = await settled(launched.cfn, launched.stackId);

    expect(done.StackStatus, JSON.stringify((await eventsOf(launched.cfn, launched.stackId)).map((e) => [e.LogicalResourceId, e.ResourceStatus, e.ResourceStatusReason]))).toBe(
      'UPDATE_ROLLBACK_COMPLETE',
    );
    const failed = await waitFor(ready.id, (v) => v.status === 'READY' && v.lastUpdate !== null);
    expect(failed).toMatchObject({
      templateVersion: ready.templateVersion,
      updateAvailable: true,
      pendingUpdate: { id: offer.id },
      lastUpdate: { status: 'failed', reason: expect.stringMatching(/rolled back/) },
    });
    expect(await corsOrigins(launched.s3, ready.bucketName)).toEqual([APP]);
    const types = await waitForWebhook(receiver, 'byob.update_failed');
    expect(types.slice(types.indexOf('byob.status_changed:UPDATING'))).toEqual(['byob.status_changed:UPDATING', 'byob.status_changed:READY', 'byob.update_failed:READY']);

    await updateFromLink({ endpoint: stack.emulatorEndpoint, link: offer.consoleUrl, account: CUSTOMER });
    expect((await settled(launched.cfn, launched.stackId)).StackStatus).toBe('UPDATE_COMPLETE');
    await waitFor(ready.id, (v) => v.status === 'READY' && v.lastUpdate?.status === 'succeeded');
    expect(await corsOrigins(launched.s3, ready.bucketName)).toEqual(expect.arrayContaining([APP, NEW_ORIGIN]));
  });
});
