import { CloudFormationClient, DescribeStacksCommand, GetTemplateCommand, ListChangeSetsCommand, UpdateStackCommand } from '@aws-sdk/client-cloudformation';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetBucketCorsCommand, S3Client } from '@aws-sdk/client-s3';
import { beforeAll, describe, expect, it } from 'vitest';
import { documentClientOf } from '../../lib/aws/clients.js';
import { dynamoStore } from '../../lib/provisioning/dynamo-store.js';
import { settled } from '../../scripts/customer-launch.js';
import { LOCAL_NAMES } from '../../scripts/local-aws.js';
import { call, directBody, emulatorClient, sharedApi, waitForStatus } from '../support/local-api.js';

// POST /byob/upgrade end to end on the shared local stack. The stack has one TEMPLATE_VERSION, so two
// direct requests are put on an older one the way an earlier deployment would have left them, and say
// so: their stacks are updated (as the vendor, in the emulator) to a template as it was before the
// vendor's change (the bucket's CORS max age 3000 s, where the template now says 3600 s), and their
// records' templateVersion is written through the store (test-only) as that older version. Then the dry
// run lists each change set's changes and leaves nothing behind; the real run upgrades both.
const REGION = 'eu-west-1';
const TENANT = 'e2e-bulk-upgrade';
const OLDER = '2026-10-01.1';

const stack = sharedApi();
let token: string;
const target = () => emulatorClient(stack.emulatorEndpoint, REGION);
let cfn: CloudFormationClient;
let s3: S3Client;

beforeAll(async () => {
  token = await stack.token(TENANT);
  cfn = new CloudFormationClient({ ...target(), maxAttempts: 1 });
  s3 = new S3Client({ ...target(), forcePathStyle: true });
});

/** A READY direct request of the tenant, its stack and record put back on the template version before the vendor's change. */
const olderRequest = async (team: string) => {
  const posted = await call(stack, 'POST', '/byob', { token, body: directBody({ team, region: REGION }) });
  expect(posted.status, JSON.stringify(posted.body)).toBe(202);
  const ready = await waitForStatus(stack, token, posted.body.id, ['READY', 'FAILED']);
  expect(ready.status, JSON.stringify(ready.failure)).toBe('READY');
  const stackId: string = ready.launch.stackId;
  const template = JSON.parse((await cfn.send(new GetTemplateCommand({ StackName: stackId }))).TemplateBody!) as {
    Resources: { ByobBucket: { Properties: { CorsConfiguration: { CorsRules: Array<{ MaxAge: number }> } } } };
  };
  for (const rule of template.Resources.ByobBucket.Properties.CorsConfiguration.CorsRules) rule.MaxAge = 3000;
  await cfn.send(new UpdateStackCommand({ StackName: stackId, TemplateBody: JSON.stringify(template) }));
  expect((await settled(cfn, stackId)).StackStatus).toBe('UPDATE_COMPLETE');
  const store = dynamoStore(documentClientOf(new DynamoDBClient(target())), LOCAL_NAMES.table);
  const record = (await store.get(TENANT, ready.id))!;
  await store.patch(record, { templateVersion: OLDER }, new Date().toISOString());
  const older = await call(stack, 'GET', `/byob/${ready.id}`, { token });
  expect(older.body).toMatchObject({ status: 'READY', templateVersion: OLDER, updateAvailable: true });
  return { id: ready.id as string, stackId, bucketName: ready.bucketName as string, latest: ready.latestTemplateVersion as string };
};

/** GET /byob/{id} once its update has ended (`lastUpdate` set and the request back in READY or DEGRADED). */
const settledUpdate = async (id: string, timeoutMs = 60_000) => {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const got = (await call(stack, 'GET', `/byob/${id}`, { token })).body;
    if (got.lastUpdate && ['READY', 'DEGRADED'].includes(got.status)) return got;
    if (Date.now() > deadline) throw new Error(`${id}: the update did not end in ${timeoutMs} ms; last: ${JSON.stringify(got).slice(0, 600)}`);
    await new Promise((r) => setTimeout(r, 250));
  }
};

const maxAges = async (bucket: string) => ((await s3.send(new GetBucketCorsCommand({ Bucket: bucket }))).CORSRules ?? []).map((r) => r.MaxAgeSeconds);
const lastUpdatedOf = async (stackId: string) => (await cfn.send(new DescribeStacksCommand({ StackName: stackId }))).Stacks![0]!.LastUpdatedTime?.toISOString();

describe('POST /byob/upgrade, end to end', () => {
  it('the dry run lists each request\'s changes and leaves nothing behind; the real run upgrades them to READY on the latest version', async () => {
    const first = await olderRequest('bulk-a');
    const second = await olderRequest('bulk-b');
    const before = await Promise.all([first, second].map(async (r) => ({ view: (await call(stack, 'GET', `/byob/${r.id}`, { token })).body, updated: await lastUpdatedOf(r.stackId) })));
    expect(await maxAges(first.bucketName)).toEqual([3000]);

    const dry = await call(stack, 'POST', '/byob/upgrade', { token, body: { dryRun: true } });

    expect(dry.status, JSON.stringify(dry.body)).toBe(200);
    expect(dry.body).toEqual({
      items: [second, first].map((r) => ({
        id: r.id,
        templateVersion: OLDER,
        toVersion: r.latest,
        result: 'would_update',
        changes: [{ action: 'Modify', logicalId: 'ByobBucket', resourceType: 'AWS::S3::Bucket', replacement: 'False' }],
      })),
      nextCursor: null,
    });
    for (const [i, r] of [first, second].entries()) {
      expect((await cfn.send(new ListChangeSetsCommand({ StackName: r.stackId }))).Summaries ?? []).toEqual([]);
      expect(await lastUpdatedOf(r.stackId)).toBe(before[i]!.updated);
      const view = (await call(stack, 'GET', `/byob/${r.id}`, { token })).body;
      expect({ ...view, onboardingUrl: null }).toEqual({ ...before[i]!.view, onboardingUrl: null });
    }
    expect(await maxAges(first.bucketName)).toEqual([3000]);

    const run = await call(stack, 'POST', '/byob/upgrade', { token, body: {} });

    expect(run.status, JSON.stringify(run.body)).toBe(200);
    expect(run.body.items.map((i: { id: string; result: string }) => [i.id, i.result])).toEqual([
      [second.id, 'started'],
      [first.id, 'started'],
    ]);
    for (const r of [first, second]) {
      const upgraded = await settledUpdate(r.id);
      expect(upgraded).toMatchObject({
        status: 'READY',
        templateVersion: r.latest,
        updateAvailable: false,
        lastUpdate: { status: 'succeeded', fromVersion: OLDER, toVersion: r.latest, changes: [expect.objectContaining({ logicalId: 'ByobBucket', replacement: 'False' })] },
      });
      expect(await maxAges(r.bucketName)).toEqual([3600]);
    }
    expect((await call(stack, 'POST', '/byob/upgrade', { token, body: { dryRun: true } })).body).toEqual({ items: [], nextCursor: null });
  });

  it('answers 400 naming what is wrong in the body, and works only on the caller\'s own requests', async () => {
    const bad = await call(stack, 'POST', '/byob/upgrade', { token, body: { limit: 26, dryRun: 'yes', all: true } });
    expect(bad.status).toBe(400);
    expect(bad.body.errors.map((e: { path: string }) => e.path).sort()).toEqual(['all', 'dryRun', 'limit']);
    const other = await call(stack, 'POST', '/byob/upgrade', { token: await stack.token('e2e-bulk-upgrade-other'), body: { dryRun: true } });
    expect(other.body).toEqual({ items: [], nextCursor: null });
  });
});
