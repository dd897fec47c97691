import { PutBucketVersioningCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalStack, startLocalStack } from '../../scripts/local-stack.js';
// @ts-expect-error plain ESM script without types
import { freePort } from '../../scripts/emulator.mjs';
import { call, directBody, emulatorClient, waitForStatus } from '../support/local-api.js';

// Scheduled re-verification end to end, as `REVERIFY_INTERVAL=PT30S npm start` runs it: serverless-offline
// over the emulator, the reconciler invoked on a timer as EventBridge would. This file starts its own
// local stack because it needs REVERIFY_INTERVAL=PT30S (a shared stack at that interval would
// re-verify every other file's requests every 30 s) and a reconciler timer (5 s here; 15 s in npm start).
let stack: LocalStack;
let token: string;

beforeAll(async () => {
  stack = await startLocalStack({ port: (await freePort()) as number, quiet: true, reverifyInterval: 'PT30S', reconcileEveryMs: 5_000 });
  token = await stack.token('e2e-assurance');
});
afterAll(async () => {
  await stack?.stop();
});

describe('continuous assurance, end to end (REVERIFY_INTERVAL=PT30S)', () => {
  it('versioning suspended behind the API’s back → DEGRADED within a minute, with the command that fixes it; re-enabled → READY', async () => {
    // Prepare
    const posted = await call(stack, 'POST', '/byob', { token, body: directBody({ team: 'assured' }) });
    expect(posted.status).toBe(202);
    const ready = await waitForStatus(stack, token, posted.body.id, ['READY', 'FAILED']);
    expect(ready.status).toBe('READY');
    const s3 = new S3Client({ ...emulatorClient(stack.emulatorEndpoint), forcePathStyle: true });
    const Bucket = ready.outputs.bucketName;

    // Act
    await s3.send(new PutBucketVersioningCommand({ Bucket, VersioningConfiguration: { Status: 'Suspended' } }));
    const degraded = await waitForStatus(stack, token, ready.id, ['DEGRADED'], 60_000);

    // Assess
    const failed = degraded.verification.checks.filter((c: { status: string }) => c.status === 'failed');
    expect(failed.map((c: { id: string }) => c.id)).toEqual(['versioning']);
    expect(failed[0].commands).toEqual([expect.stringContaining(`aws s3api put-bucket-versioning --bucket ${Bucket}`)]);
    const second = await call(stack, 'POST', '/byob', { token, body: directBody({ team: 'assured' }) });
    expect(second.status).toBe(409);

    // Act
    await s3.send(new PutBucketVersioningCommand({ Bucket, VersioningConfiguration: { Status: 'Enabled' } }));
    const recovered = await waitForStatus(stack, token, ready.id, ['READY'], 90_000);

    // Assess
    expect(recovered.verification.status).toBe('passed');
    expect(recovered.drift).toMatchObject({ status: 'IN_SYNC' });
  });
});
