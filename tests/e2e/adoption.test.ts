import { randomBytes } from 'node:crypto';
import { GetObjectCommand, HeadBucketCommand, PutBucketVersioningCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { beforeAll, describe, expect, it } from 'vitest';
import { call, directBody, emulatorClient, sharedApi, waitForStatus } from '../support/local-api.js';

// Coming back after leaving (issue 14), through the HTTP API on the shared local stack: DELETE retains
// the bucket and key; a later request of the same tenant naming the bucket adopts them (its stack only
// grants on them; the verification after launch checks the bucket, so one not as the vendor needs it
// ends FAILED with the fix, and POST /byob/{id}/verify after the fix makes it READY) with the data and
// the key it had. VENDOR_PRINCIPAL as a role is proven in tests/integration/templates/vendor-principal
// .test.ts: this stack's functions run with the default principal (the account root).
const stack = sharedApi();
const s3 = new S3Client({ ...emulatorClient(stack.emulatorEndpoint), forcePathStyle: true });
const bucketName = `adopt-${randomBytes(5).toString('hex')}`;
let token: string;

beforeAll(async () => {
  token = await stack.token('e2e-adoption');
});

describe('DELETE, then a new request for the same bucket name', () => {
  it('adopts the retained bucket and key: READY, the object still there, the outputs naming the same bucket and key', async () => {
    // Prepare: a READY request with an object in its bucket, then deleted.
    const first = await call(stack, 'POST', '/byob', { token, body: directBody({ team: 'leaving', bucketName, accessRole: { enabled: true } }) });
    expect(first.status).toBe(202);
    const ready = await waitForStatus(stack, token, first.body.id, ['READY', 'FAILED']);
    expect(ready.status, JSON.stringify(ready.failure ?? ready.verification)).toBe('READY');
    await s3.send(new PutObjectCommand({ Bucket: bucketName, Key: 'runs/keep.txt', Body: 'still here' }));
    expect((await call(stack, 'DELETE', `/byob/${ready.id}`, { token })).status).toBe(202);
    await waitForStatus(stack, token, ready.id, ['DELETED']);
    expect((await s3.send(new HeadBucketCommand({ Bucket: bucketName }))).$metadata.httpStatusCode).toBe(200);

    // Act: adopted while the retained bucket's versioning is suspended: verified, FAILED with the fix;
    // fixed and verified again: READY.
    await s3.send(new PutBucketVersioningCommand({ Bucket: bucketName, VersioningConfiguration: { Status: 'Suspended' } }));
    const again = await call(stack, 'POST', '/byob', { token, body: directBody({ team: 'returning', bucketName, accessRole: { enabled: true } }) });
    expect(again.status).toBe(202);
    const refused = await waitForStatus(stack, token, again.body.id, ['READY', 'FAILED']);
    await s3.send(new PutBucketVersioningCommand({ Bucket: bucketName, VersioningConfiguration: { Status: 'Enabled' } }));
    const reverified = await call(stack, 'POST', `/byob/${again.body.id}/verify`, { token });
    const adopted = await waitForStatus(stack, token, again.body.id, ['READY']);

    // Assess
    expect(refused.status).toBe('FAILED');
    expect(refused.failure).toMatchObject({ code: 'verification_failed' });
    expect(refused.verification.checks).toContainEqual(expect.objectContaining({ id: 'versioning', status: 'failed', commands: [expect.stringContaining('put-bucket-versioning')] }));
    expect(reverified.status).toBe(200);
    expect(adopted.verification.status).toBe('passed');
    expect(adopted.adopted).toEqual({ bucketName, kmsKeyArn: ready.outputs.kmsKeyArn, fromRequestId: ready.id });
    expect(adopted.outputs).toMatchObject({ bucketName, bucketArn: ready.outputs.bucketArn, kmsKeyArn: ready.outputs.kmsKeyArn });
    expect(adopted.outputs.roleArn).not.toBe(ready.outputs.roleArn);
    const kept = await s3.send(new GetObjectCommand({ Bucket: bucketName, Key: 'runs/keep.txt' }));
    expect(await kept.Body!.transformToString()).toBe('still here');
    const template = (await call(stack, 'GET', `/byob/${adopted.id}/template`, { token })).body;
    expect(Object.values(template.Resources).map((r) => (r as { Type: string }).Type).sort()).toEqual(['AWS::IAM::Role', 'AWS::S3::BucketPolicy']);
  });

  it("another tenant naming the bucket fails at CreateBucket, as before", async () => {
    const other = await stack.token('e2e-adoption-other');

    const posted = await call(stack, 'POST', '/byob', { token: other, body: directBody({ team: 'intruder', bucketName }) });

    expect(posted.status).toBe(202);
    const rec = await waitForStatus(stack, other, posted.body.id, ['READY', 'FAILED']);
    expect(rec.status).toBe('FAILED');
    expect(rec.adopted).toBeNull();
    expect(rec.failure).toMatchObject({ code: 'stack_failed', resource: 'ByobBucket' });
  });
});
