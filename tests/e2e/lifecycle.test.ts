import { CloudFormationClient, ListChangeSetsCommand } from '@aws-sdk/client-cloudformation';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DeleteBucketCommand, GetBucketCorsCommand, HeadBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOCAL_NAMES } from '../../scripts/local-aws.js';
import { type Answer, call, directBody, emulatorClient, sharedApi, waitForStatus } from '../support/local-api.js';
import { startReceiver, type Received, type Receiver } from '../support/receiver.js';

// Day two through the HTTP API, as `npm start` runs it (serverless-offline over the emulator, whose
// CloudFormation change sets, stack updates and rollback are scripts/emulator/byob_moto's): a PATCH
// reaches the real bucket through a change set, and what must never happen does not.
const stack = sharedApi();
const TENANT = 'e2e-lifecycle';
let token: string;
let receiver: Receiver;

const cfn = () => new CloudFormationClient({ ...emulatorClient(stack.emulatorEndpoint), maxAttempts: 1 });
const s3 = () => new S3Client({ ...emulatorClient(stack.emulatorEndpoint), forcePathStyle: true });

beforeAll(async () => {
  token = await stack.token(TENANT);
  const settings = await call(stack, 'GET', '/byob/settings', { token });
  receiver = await startReceiver({ secret: settings.body.webhookSecret });
});
afterAll(async () => {
  await receiver.close();
});

const ORIGIN = 'https://app.example.com';
const NEW_ORIGIN = 'https://new.example.com';

/** A READY direct request of team `team`, with the test's webhook receiver (or none: its deliveries move the record's version). */
const readyRequest = async (team: string, opts: { webhooks?: boolean } = {}) => {
  const hooked = opts.webhooks ?? true;
  const posted = await call(stack, 'POST', '/byob', { token, body: directBody({ team, ...(hooked ? { callbackUrl: `${receiver.url}/hooks/${team}` } : {}) }) });
  expect(posted.status, JSON.stringify(posted.body)).toBe(202);
  const rec = await waitForStatus(stack, token, posted.body.id, ['READY', 'FAILED']);
  expect(rec.status, JSON.stringify(rec.failure ?? rec.verification)).toBe('READY');
  return rec;
};

/** PATCH /byob/{id} as a merge patch. */
const patch = (id: string, body: unknown, headers: Record<string, string> = {}): Promise<Answer> =>
  call(stack, 'PATCH', `/byob/${id}`, { token, raw: JSON.stringify(body), headers: { 'content-type': 'application/merge-patch+json', ...headers } });

const changeSetsOf = async (stackId: string) => (await cfn().send(new ListChangeSetsCommand({ StackName: stackId }))).Summaries ?? [];

/** GET /byob/{id} until the request has settled an update: READY or DEGRADED with lastUpdate set after `since`. */
const settledUpdate = async (id: string, since: string, timeoutMs = 60_000) => {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const r = await call(stack, 'GET', `/byob/${id}`, { token });
    if (['READY', 'DEGRADED'].includes(r.body.status) && r.body.lastUpdate && r.body.lastUpdate.at >= since) return r.body;
    if (Date.now() > deadline) throw new Error(`${id} did not settle its update: ${JSON.stringify(r.body).slice(0, 600)}`);
    await new Promise((res) => setTimeout(res, 250));
  }
};

/** The webhooks the receiver got on `path`, once `done` holds for them. */
const hooks = async (path: string, done: (got: Array<{ type: string; status: string }>) => boolean, timeoutMs = 30_000) => {
  const of = (got: Received[]) => got.filter((d) => d.path === path).map((d) => JSON.parse(d.body) as { type: string; data: { status: string } }).map((p) => ({ type: p.type, status: p.data.status }));
  const deadline = Date.now() + timeoutMs;
  while (!done(of(receiver.received))) {
    if (Date.now() > deadline) throw new Error(`webhooks on ${path} not complete: ${JSON.stringify(of(receiver.received))}`);
    await new Promise((res) => setTimeout(res, 200));
  }
  return of(receiver.received);
};

describe('day two, end to end', () => {
  it('GET sends the record version as ETag; a stale If-Match is a 412 and nothing is done', async () => {
    const rec = await readyRequest('etag', { webhooks: false });
    const got = await call(stack, 'GET', `/byob/${rec.id}`, { token });
    expect(got.headers.get('etag')).toMatch(/^"\d+"$/);
    expect(got.body).toMatchObject({ templateVersion: expect.any(String), latestTemplateVersion: got.body.templateVersion, updateAvailable: false, lastUpdate: null });

    const stale = await patch(rec.id, { cors: { allowedOrigins: [ORIGIN, NEW_ORIGIN] } }, { 'if-match': '"1"' });

    expect(stale.status).toBe(412);
    expect(stale.headers.get('content-type')).toBe('application/problem+json');
    const after = await call(stack, 'GET', `/byob/${rec.id}`, { token });
    expect(after.headers.get('etag')).toBe(got.headers.get('etag'));
    expect(await changeSetsOf(rec.launch.stackId)).toEqual([]);
    expect((await call(stack, 'DELETE', `/byob/${rec.id}`, { token, headers: { 'if-match': '"1"' } })).status).toBe(412);
  });

  it('a PATCH of bucketName is a 400 naming it, and no change set exists', async () => {
    const rec = await readyRequest('immutable');

    const refused = await patch(rec.id, { bucketName: `${rec.bucketName}-x`, cors: { allowedOrigins: [ORIGIN, NEW_ORIGIN] } });

    expect(refused.status).toBe(400);
    expect(refused.headers.get('content-type')).toBe('application/problem+json');
    expect(refused.body.errors).toEqual([{ path: 'bucketName', message: expect.stringContaining('cannot be changed') }]);
    expect(await changeSetsOf(rec.launch.stackId)).toEqual([]);
    expect((await call(stack, 'GET', `/byob/${rec.id}`, { token })).body.status).toBe('READY');
  });

  it('a PATCH adding an origin reaches the real bucket through a change set: UPDATING, VERIFYING, READY, webhooks in order', async () => {
    const rec = await readyRequest('cors');
    await hooks('/hooks/cors', (got) => got.some((h) => h.type === 'byob.ready'));
    const { headers } = await call(stack, 'GET', `/byob/${rec.id}`, { token });
    const since = new Date().toISOString();

    const accepted = await patch(rec.id, { cors: { allowedOrigins: [ORIGIN, NEW_ORIGIN] } }, { 'if-match': headers.get('etag')! });

    expect(accepted.status, JSON.stringify(accepted.body)).toBe(202);
    expect(accepted.body.status).toBe('UPDATING');
    const done = await settledUpdate(rec.id, since);
    expect(done).toMatchObject({ status: 'READY', verification: { status: 'passed' }, lastUpdate: { status: 'succeeded', toVersion: done.latestTemplateVersion } });
    expect(done.lastUpdate.changes).toContainEqual({ action: 'Modify', logicalId: 'ByobBucket', resourceType: 'AWS::S3::Bucket', replacement: 'False' });
    const live = (await s3().send(new GetBucketCorsCommand({ Bucket: rec.bucketName }))).CORSRules!.flatMap((r) => r.AllowedOrigins ?? []);
    expect(live).toEqual(expect.arrayContaining([ORIGIN, NEW_ORIGIN]));
    const template = await call(stack, 'GET', `/byob/${rec.id}/template`, { token });
    expect(template.body.Resources.ByobBucket.Properties.CorsConfiguration.CorsRules[0].AllowedOrigins).toEqual([ORIGIN, NEW_ORIGIN]);

    const got = await hooks('/hooks/cors', (h) => h.some((x) => x.type === 'byob.updated'));
    expect(got.slice(got.findIndex((h) => h.type === 'byob.ready') + 1)).toEqual([
      { type: 'byob.status_changed', status: 'UPDATING' },
      { type: 'byob.status_changed', status: 'VERIFYING' },
      { type: 'byob.status_changed', status: 'READY' },
      { type: 'byob.updated', status: 'READY' },
    ]);
  });

  it('a second update while one is in flight answers 409', async () => {
    const rec = await readyRequest('concurrent');

    const answers = await Promise.all(
      ['https://a.example.com', 'https://b.example.com', 'https://c.example.com'].map((o) => patch(rec.id, { cors: { allowedOrigins: [ORIGIN, o] } })),
    );

    expect(answers.map((a) => a.status).sort()).toEqual([202, 409, 409]);
    for (const a of answers.filter((x) => x.status === 409)) expect(a.body.detail).toMatch(/UPDATING|in flight/);
    await settledUpdate(rec.id, rec.updatedAt);
  });

  it('an upgrade whose change set would replace the bucket is refused (409): the bucket untouched, the change set gone', async () => {
    const rec = await readyRequest('replace');
    // Only a new name replaces a bucket, and no API call can change it: the record is given another
    // one in the table, as a hand-edited or corrupted record would have, so the upgrade renders a
    // template that renames the bucket. Every protected change is unit-tested on its own
    // (tests/unit/updates/protected-resources.test.ts); this is the refusal end to end.
    const table = DynamoDBDocumentClient.from(new DynamoDBClient(emulatorClient(stack.emulatorEndpoint)));
    // With a new version, as every write makes: a writer holding the record as read before (a webhook
    // summary) then fails its condition and reads it again, rather than put the old name back.
    await table.send(
      new UpdateCommand({
        TableName: LOCAL_NAMES.table,
        Key: { pk: `T#${TENANT}`, sk: `R#${rec.id}` },
        UpdateExpression: 'SET bucketName = :b ADD version :one',
        ExpressionAttributeValues: { ':b': `${rec.bucketName}-renamed`, ':one': 1 },
      }),
    );
    const since = new Date().toISOString();

    const refused = await call(stack, 'POST', `/byob/${rec.id}/upgrade`, { token });

    expect(refused.status, JSON.stringify(refused.body)).toBe(409);
    expect(refused.headers.get('content-type')).toBe('application/problem+json');
    expect(refused.body.offendingResources).toContainEqual(expect.objectContaining({ logicalId: 'ByobBucket', resourceType: 'AWS::S3::Bucket', replacement: 'True', why: expect.any(String) }));
    expect(await changeSetsOf(rec.launch.stackId)).toEqual([]);
    expect((await s3().send(new HeadBucketCommand({ Bucket: rec.bucketName }))).$metadata.httpStatusCode).toBe(200);
    expect((await s3().send(new GetBucketCorsCommand({ Bucket: rec.bucketName }))).CORSRules![0]!.AllowedOrigins).toEqual([ORIGIN]);
    const after = await settledUpdate(rec.id, since);
    expect(after).toMatchObject({ status: 'READY', lastUpdate: { status: 'failed', resource: 'ByobBucket' } });
    await hooks('/hooks/replace', (got) => got.at(-1)?.type === 'byob.update_failed');
  });

  it('an update that fails rolls back: READY on what it had, lastUpdate failed naming the resource', async () => {
    const rec = await readyRequest('rollback');
    // The customer deleted the (empty) bucket behind our back: the stack's update of it cannot succeed.
    await s3().send(new DeleteBucketCommand({ Bucket: rec.bucketName }));
    const since = new Date().toISOString();

    const accepted = await patch(rec.id, { cors: { allowedOrigins: [ORIGIN, NEW_ORIGIN] } });

    expect(accepted.status, JSON.stringify(accepted.body)).toBe(202);
    const after = await settledUpdate(rec.id, since);
    expect(after).toMatchObject({ status: 'READY', lastUpdate: { status: 'failed', resource: 'ByobBucket', reason: expect.any(String) } });
    expect(after.templateVersion).toBe(rec.templateVersion);
    const template = await call(stack, 'GET', `/byob/${rec.id}/template`, { token });
    expect(template.body.Resources.ByobBucket.Properties.CorsConfiguration.CorsRules[0].AllowedOrigins).toEqual([ORIGIN]);
  });
});
