import { CreateBucketCommand, HeadBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { parseConfig } from '../../lib/config.js';
import { localLinkKey } from '../../scripts/local-auth.js';
import { type Deps, makeDeps } from '../../lib/wiring/deps.js';
import { reconcile } from '../../lib/provisioning/reconcile.js';
import { eventsOf, launchFromLink as launch, settled } from '../../scripts/customer-launch.js';
import { LOCAL_NAMES, localServiceEnv } from '../../scripts/local-aws.js';
import { call, directBody, emulatorClient, sharedApi, waitForStatus } from '../support/local-api.js';

// Quick-create end to end, as `npm start` runs it: the API through serverless-offline over the emulator.
// A "customer" in a second emulator account creates the stack from the link exactly as the console
// would (the link's templateURL and param_ values). The custom resources' requests are NOT built by
// this test or any harness: the emulator's own CloudFormation (scripts/emulator/byob_moto, "SNS-backed
// custom resources" in its README) publishes each request to the region's registration topic, SNS
// delivers it to the local SNS→Lambda bridge, serverless-offline runs handlers/registration, and the
// handler PUTs its answer to the emulator's ResponseURL, which the waiting stack operation reads.
const REGION = 'eu-central-1';
const CUSTOMER = '111111111111';
const OTHER_CUSTOMER = '222222222222';
const TENANT = 'e2e-quick-create';

const stack = sharedApi();
let token: string;

beforeAll(async () => {
  token = await stack.token(TENANT);
});

const quickCreateBody = (over: Record<string, unknown> = {}) => directBody({ region: REGION, launch: { mode: 'quick-create' }, ...over });

/**
 * The customer opens the link and creates the stack, as the console would (scripts/customer-launch.ts:
 * the same code `npm run launch` runs); what the console relies on is asserted here.
 */
const launchFromLink = async (link: string, account: string) => {
  const launched = await launch({ endpoint: stack.emulatorEndpoint, link, account });
  expect(launched.link.host).toBe(`${REGION}.console.aws.amazon.com`);
  expect(launched.link.route).toBe('/stacks/quickcreate');
  expect(new URL(launched.link.templateUrl).host).toBe(`${LOCAL_NAMES.templatesBucketPrefix}-${REGION}.s3.${REGION}.amazonaws.com`);
  // The console drops NoEcho parameters and ones the template does not declare: neither may be in the link.
  for (const p of launched.link.parameters) expect(launched.template.Parameters?.[p.ParameterKey!], p.ParameterKey).toMatchObject({ Type: 'String' });
  expect(Object.values(launched.template.Parameters ?? {}).filter((p) => p.NoEcho)).toEqual([]);
  return launched;
};

/**
 * The reconciler limited to this file's tenant: the table is shared with the other e2e files, whose
 * requests and webhooks its jump of the clock past the link's expiry must not touch.
 */
const ownTenantOnly = (deps: Deps): Deps => {
  const { store } = deps;
  // Read past every other tenant's due items (a few hundred at most here) before keeping this one's.
  const everything = 1000;
  return {
    ...deps,
    store: {
      ...store,
      listDue: async (now, limit) => (await store.listDue(now, everything)).filter((r) => r.tenant === TENANT).slice(0, limit),
      dueOutbox: async (now, limit) => (await store.dueOutbox(now, everything)).filter((o) => o.tenant === TENANT).slice(0, limit),
    },
  };
};

const post = async (body: Record<string, unknown>) => {
  const posted = await call(stack, 'POST', '/byob', { token, body });
  expect(posted.status, JSON.stringify(posted.body)).toBe(202);
  expect(posted.body).toMatchObject({ status: 'AWAITING_CUSTOMER', launch: { mode: 'quick-create', stackId: null } });
  expect(posted.body.quickCreateUrl.length).toBeLessThanOrEqual(1024);
  return posted.body as { id: string; quickCreateUrl: string; quickCreateExpiresAt: string; bucketName: string };
};

describe('quick-create, end to end', () => {
  it('stores the registration token nowhere: records, outbox and idempotency store hold only its hash', async () => {
    const posted = await call(stack, 'POST', '/byob', { token, body: quickCreateBody({ team: 'qc-secret' }), headers: { 'idempotency-key': 'qc-secret-1' } });
    expect(posted.status).toBe(202);
    const linkToken = new URL(posted.body.quickCreateUrl.replace('#/stacks/quickcreate?', '?')).searchParams.get('param_RegistrationToken')!;
    expect(linkToken.length).toBeGreaterThanOrEqual(32);

    const ddb = new DynamoDBClient(emulatorClient(stack.emulatorEndpoint));
    for (const TableName of ['byob-local', 'byob-local-idempotency']) {
      const items = JSON.stringify((await ddb.send(new ScanCommand({ TableName }))).Items ?? []);
      expect(items, TableName).not.toContain(linkToken);
    }
    // An authenticated read, and a replay from the idempotency store, still answer the usable link.
    expect((await call(stack, 'GET', `/byob/${posted.body.id}`, { token })).body.quickCreateUrl).toBe(posted.body.quickCreateUrl);
    const replay = await call(stack, 'POST', '/byob', { token, body: quickCreateBody({ team: 'qc-secret' }), headers: { 'idempotency-key': 'qc-secret-1' } });
    expect(replay.body.quickCreateUrl).toBe(posted.body.quickCreateUrl);
  });

  it('the customer launches the link from another account; the stack reports back and the request is READY with outputs, verified', async () => {
    const rec = await post(quickCreateBody({ team: 'qc-ready', accessRole: { enabled: true } }));

    const { stackId, cfn } = await launchFromLink(rec.quickCreateUrl, CUSTOMER);
    const done = await settled(cfn, stackId);

    expect(done.StackStatus, JSON.stringify((await eventsOf(cfn, stackId)).filter((e) => e.ResourceStatus?.endsWith('FAILED')))).toBe('CREATE_COMPLETE');
    const ready = await waitForStatus(stack, token, rec.id, ['READY', 'FAILED'], 60_000);
    expect(ready.status, JSON.stringify(ready.failure ?? ready.verification)).toBe('READY');
    expect(ready.outputs).toMatchObject({
      bucketName: rec.bucketName,
      bucketArn: `arn:aws:s3:::${rec.bucketName}`,
      region: REGION,
      accountId: CUSTOMER,
      roleArn: expect.stringMatching(new RegExp(`^arn:aws:iam::${CUSTOMER}:role/`)),
    });
    expect(ready.outputs.kmsKeyArn).toMatch(new RegExp(`^arn:aws:kms:${REGION}:${CUSTOMER}:key/`));
    expect(ready.launch).toMatchObject({ stackId });
    expect(ready.verification.status).toBe('passed');
    // Both registrations were answered by our handler, as the stack's events show.
    const events = await eventsOf(cfn, stackId);
    expect(events.filter((e) => e.ResourceType === 'Custom::ByobRegistration' && e.ResourceStatus === 'CREATE_COMPLETE').map((e) => e.LogicalResourceId).sort()).toEqual([
      'ByobReady',
      'ByobStarted',
    ]);
  });

  it('a resource that fails rolls the stack back; the "started" Delete makes the request FAILED with a reason', async () => {
    const taken = `qc-taken-${Date.now().toString(36)}`;
    const vendorS3 = new S3Client({ ...emulatorClient(stack.emulatorEndpoint, REGION), forcePathStyle: true });
    await vendorS3.send(new CreateBucketCommand({ Bucket: taken, CreateBucketConfiguration: { LocationConstraint: REGION } }));
    const rec = await post(quickCreateBody({ team: 'qc-broken', bucketName: taken }));

    const { stackId, cfn } = await launchFromLink(rec.quickCreateUrl, CUSTOMER);
    const done = await settled(cfn, stackId);

    expect(done.StackStatus).toBe('ROLLBACK_COMPLETE');
    const events = await eventsOf(cfn, stackId);
    expect(events.find((e) => e.ResourceStatus === 'CREATE_FAILED')?.LogicalResourceId).toBe('ByobBucket');
    expect(events.some((e) => e.LogicalResourceId === 'ByobStarted' && e.ResourceStatus === 'DELETE_COMPLETE')).toBe(true);
    const failed = await waitForStatus(stack, token, rec.id, ['FAILED', 'READY'], 60_000);
    expect(failed.status).toBe('FAILED');
    expect(failed.failure).toMatchObject({ code: 'stack_rolled_back', message: expect.stringMatching(/rolled back.*Events tab/s) });
    expect(failed.launch.stackId).toBe(stackId);
  });

  it('a second AWS account reusing a bound link is refused: its stack fails and creates nothing, the request is untouched', async () => {
    const rec = await post(quickCreateBody({ team: 'qc-shared', encryption: { type: 'sse-s3' } }));
    const first = await launchFromLink(rec.quickCreateUrl, CUSTOMER);
    expect((await settled(first.cfn, first.stackId)).StackStatus).toBe('CREATE_COMPLETE');
    const before = await waitForStatus(stack, token, rec.id, ['READY', 'FAILED'], 60_000);
    expect(before.status).toBe('READY');

    const second = await launchFromLink(rec.quickCreateUrl, OTHER_CUSTOMER);
    const done = await settled(second.cfn, second.stackId);

    expect(done.StackStatus).toBe('ROLLBACK_COMPLETE');
    const events = await eventsOf(second.cfn, second.stackId);
    const refused = events.find((e) => e.ResourceStatus === 'CREATE_FAILED');
    expect(refused).toMatchObject({ LogicalResourceId: 'ByobStarted', ResourceStatusReason: expect.stringMatching(/already used from another AWS account/) });
    expect(events.filter((e) => e.ResourceStatus === 'CREATE_COMPLETE' && e.ResourceType !== 'AWS::CloudFormation::Stack')).toEqual([]);
    const after = await call(stack, 'GET', `/byob/${rec.id}`, { token });
    expect(after.body).toEqual(before);
  });

  it('a link not used in time is EXPIRED by the reconciler; launching it afterwards is refused and changes nothing', async () => {
    const rec = await post(quickCreateBody({ team: 'qc-stale' }));

    // The reconciler as the schedule runs it, in-process against the same emulator and table, with its
    // clock injected past the link's expiry (the Lambda's own clock cannot be moved), kept to this tenant.
    const env = localServiceEnv({ endpoint: stack.emulatorEndpoint, jwks: '{"keys":[]}', linkKey: localLinkKey() });
    vi.stubEnv('AWS_ACCESS_KEY_ID', 'testing');
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'testing');
    try {
      const expiry = Date.parse(rec.quickCreateExpiresAt);
      expect(expiry).toBeGreaterThan(Date.now());
      const early = ownTenantOnly(makeDeps(parseConfig(env), { clock: () => new Date(expiry - 60_000) }));
      await reconcile(early);
      expect((await call(stack, 'GET', `/byob/${rec.id}`, { token })).body.status).toBe('AWAITING_CUSTOMER');
      const late = ownTenantOnly(makeDeps(parseConfig(env), { clock: () => new Date(expiry + 1000) }));
      expect((await reconcile(late)).errors).toBe(0);
    } finally {
      vi.unstubAllEnvs();
    }
    const expired = await call(stack, 'GET', `/byob/${rec.id}`, { token });
    expect(expired.body.status).toBe('EXPIRED');

    const { stackId, cfn, s3 } = await launchFromLink(rec.quickCreateUrl, CUSTOMER);
    const done = await settled(cfn, stackId);

    expect(done.StackStatus).toBe('ROLLBACK_COMPLETE');
    const refused = (await eventsOf(cfn, stackId)).find((e) => e.ResourceStatus === 'CREATE_FAILED');
    expect(refused).toMatchObject({ LogicalResourceId: 'ByobStarted', ResourceStatusReason: expect.stringMatching(/expired/) });
    await expect(s3.send(new HeadBucketCommand({ Bucket: rec.bucketName }))).rejects.toThrow();
    expect((await call(stack, 'GET', `/byob/${rec.id}`, { token })).body).toEqual(expired.body);
  });
});
