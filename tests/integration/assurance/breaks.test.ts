import { DisableKeyCommand, ScheduleKeyDeletionCommand } from '@aws-sdk/client-kms';
import {
  DeleteBucketCommand,
  GetBucketCorsCommand,
  GetBucketPolicyCommand,
  PutBucketCorsCommand,
  PutBucketEncryptionCommand,
  PutBucketOwnershipControlsCommand,
  PutBucketPolicyCommand,
  PutBucketVersioningCommand,
  PutPublicAccessBlockCommand,
} from '@aws-sdk/client-s3';
import { afterEach, describe, expect, it } from 'vitest';
import { runAwsCli } from '../../support/aws-cli.js';
import { directBody } from '../hardening/world.js';
import { failedChecks, readyRequest, type ReadyRequest } from './world.js';

// Continuous assurance on the emulator, through the real handlers and the reconciler's logic with an
// injected clock: each break is made behind the API's back with SDK calls, the next scheduled run
// finds it, and the fix is the failed check's own commands, run as the AWS CLI would run them.
let request: ReadyRequest | undefined;
afterEach(async () => {
  await request?.close();
  request = undefined;
});

type Break = (r: ReadyRequest) => Promise<unknown>;

const policyOf = async (r: ReadyRequest) => JSON.parse((await r.s3.send(new GetBucketPolicyCommand({ Bucket: r.bucket }))).Policy!) as { Statement: Array<Record<string, unknown>> };
const putPolicy = (r: ReadyRequest, policy: unknown) => r.s3.send(new PutBucketPolicyCommand({ Bucket: r.bucket, Policy: JSON.stringify(policy) }));

const BREAKS: Array<[string, Break, string, 'drift' | 'no drift']> = [
  ['the bucket deleted', (r) => r.s3.send(new DeleteBucketCommand({ Bucket: r.bucket })), 'bucket-exists', 'drift'],
  [
    "the vendor's grant removed",
    async (r) => {
      const policy = await policyOf(r);
      await putPolicy(r, { ...policy, Statement: policy.Statement.filter((s) => s.Sid !== 'VendorAccountAccess') });
    },
    'bucket-policy',
    'drift',
  ],
  [
    "the vendor's grant narrowed",
    async (r) => {
      const policy = await policyOf(r);
      await putPolicy(r, { ...policy, Statement: policy.Statement.map((s) => (s.Sid === 'VendorAccountAccess' ? { ...s, Action: ['s3:GetObject*', 's3:ListBucket'] } : s)) });
    },
    'bucket-policy',
    'drift',
  ],
  [
    'a Deny added that hits the vendor',
    async (r) => {
      const policy = await policyOf(r);
      await putPolicy(r, { ...policy, Statement: [...policy.Statement, { Sid: 'Lock', Effect: 'Deny', Principal: '*', Action: 's3:PutObject', Resource: `arn:aws:s3:::${r.bucket}/*` }] });
    },
    'bucket-policy',
    'drift',
  ],
  ['versioning suspended', (r) => r.s3.send(new PutBucketVersioningCommand({ Bucket: r.bucket, VersioningConfiguration: { Status: 'Suspended' } })), 'versioning', 'drift'],
  [
    'default encryption switched to another key',
    async (r) => {
      const other = await r.otherKey();
      await r.s3.send(new PutBucketEncryptionCommand({ Bucket: r.bucket, ServerSideEncryptionConfiguration: { Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: other }, BucketKeyEnabled: true }] } }));
    },
    'encryption',
    'drift',
  ],
  // The template does not set the key's Enabled property, so (as on AWS) a disabled key is no drift.
  ['the key disabled', (r) => r.kms.send(new DisableKeyCommand({ KeyId: r.keyArn })), 'kms-key', 'no drift'],
  ['the key scheduled for deletion', (r) => r.kms.send(new ScheduleKeyDeletionCommand({ KeyId: r.keyArn, PendingWindowInDays: 7 })), 'kms-key', 'drift'],
  [
    'the public access block relaxed',
    (r) => r.s3.send(new PutPublicAccessBlockCommand({ Bucket: r.bucket, PublicAccessBlockConfiguration: { BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: false, RestrictPublicBuckets: false } })),
    'public-access-block',
    'drift',
  ],
  ['object ownership changed', (r) => r.s3.send(new PutBucketOwnershipControlsCommand({ Bucket: r.bucket, OwnershipControls: { Rules: [{ ObjectOwnership: 'ObjectWriter' }] } })), 'ownership', 'drift'],
  [
    'CORS missing the required origin',
    (r) => r.s3.send(new PutBucketCorsCommand({ Bucket: r.bucket, CORSConfiguration: { CORSRules: [{ AllowedOrigins: ['https://viewer.example.com'], AllowedMethods: ['GET'] }] } })),
    'cors',
    'drift',
  ],
];

describe('a READY bucket broken behind the API’s back', () => {
  it.each(BREAKS)('%s: the next scheduled run makes it DEGRADED with exactly that check failed; its commands fix it, and it recovers', async (_, breakIt, checkId, drift) => {
    // Prepare
    request = await readyRequest();
    const r = request;
    expect(r.delivered()).toEqual(['byob.status_changed', 'byob.status_changed', 'byob.status_changed', 'byob.ready']);
    await breakIt(r);

    // Act: the scheduled verification at the request's slot
    const degraded = await r.runWhenDue();

    // Assess
    expect(degraded.status).toBe('DEGRADED');
    expect(failedChecks(degraded).map((c) => c.id)).toEqual([checkId]);
    const failed = failedChecks(degraded)[0]!;
    expect(failed.remediation).toBeTruthy();
    expect(failed.commands?.length).toBeGreaterThan(0);
    expect(r.delivered().filter((t) => t === 'byob.degraded')).toHaveLength(1);

    // Act: the drift detection started with it is read back
    const detected = await r.runWhenDue();

    // Assess
    expect(detected).toMatchObject({ status: 'DEGRADED', driftDetection: null });
    expect(detected.drift?.status).toBe(drift === 'drift' ? 'DRIFTED' : 'IN_SYNC');

    // Act: the customer runs the check's commands; the next runs find it fixed
    await runAwsCli(r.world.endpoint, failed.commands!);
    const recovered = await r.runUntil('READY');

    // Assess
    expect(recovered.status).toBe('READY');
    expect(recovered.verification?.status).toBe('passed');
    expect(recovered.drift?.status).not.toBe('UNKNOWN');
    expect(r.delivered().filter((t) => t === 'byob.degraded')).toHaveLength(1);
    expect(r.delivered().filter((t) => t === 'byob.recovered')).toHaveLength(1);
    expect(r.delivered().slice(4)).toEqual(['byob.status_changed', 'byob.degraded', 'byob.status_changed', 'byob.recovered']);
  });
});

describe('while DEGRADED', () => {
  it('the team keeps its slot: a second request for it answers 409 naming the first; deleting it frees the slot', async () => {
    request = await readyRequest('falcon');
    const r = request;
    await r.s3.send(new PutBucketVersioningCommand({ Bucket: r.bucket, VersioningConfiguration: { Status: 'Suspended' } }));
    expect((await r.runWhenDue()).status).toBe('DEGRADED');

    const second = await r.post('POST /byob', {}, directBody({ team: 'falcon' }));
    const deleting = await r.post('DELETE /byob/{id}', { id: r.record.id });
    const deleted = await r.runUntil('DELETED', 1);
    const third = await r.post('POST /byob', {}, directBody({ team: 'falcon' }));

    expect(second.status).toBe(409);
    expect(second.body.existingId).toBe(r.record.id);
    expect(deleting).toMatchObject({ status: 202, body: { status: 'DELETING' } });
    expect(deleted.status).toBe('DELETED');
    expect(third.status).toBe(202);
  });
});

describe('POST /byob/{id}/verify on a broken READY bucket', () => {
  it('gives DEGRADED (directly, never FAILED) with the failing check, and READY again once fixed', async () => {
    request = await readyRequest();
    const r = request;
    const rules = (await r.s3.send(new GetBucketCorsCommand({ Bucket: r.bucket }))).CORSRules!;
    await r.s3.send(new PutBucketCorsCommand({ Bucket: r.bucket, CORSConfiguration: { CORSRules: [{ ...rules[0]!, AllowedOrigins: ['https://elsewhere.example.com'] }] } }));

    const answer = await r.post('POST /byob/{id}/verify', { id: r.record.id });

    expect(answer.status).toBe(200);
    expect(answer.body.status).toBe('DEGRADED');
    expect(answer.body.verification.checks.filter((c: { status: string }) => c.status === 'failed').map((c: { id: string }) => c.id)).toEqual(['cors']);
    expect(r.delivered().slice(4)).toEqual(['byob.status_changed', 'byob.degraded']);

    await runAwsCli(r.world.endpoint, failedChecks(await r.current())[0]!.commands!);
    expect((await r.post('POST /byob/{id}/verify', { id: r.record.id })).body.status).toBe('READY');

    // The drift detection the first verify started predates the fix: it is run again, not applied.
    await r.runWhenDue();
    const settled = await r.runWhenDue();
    expect(settled).toMatchObject({ status: 'READY', driftDetection: null, drift: { status: 'DRIFTED' } });
    expect(settled.drift!.resources.flatMap((d) => d.differences.map((x) => x.type))).toEqual(['ADD']);
    expect(r.delivered().slice(4)).toEqual(['byob.status_changed', 'byob.degraded', 'byob.status_changed', 'byob.recovered']);
  });

  it('a warning alone (a shorter CORS max age) keeps READY and records it', async () => {
    request = await readyRequest();
    const r = request;
    const rules = (await r.s3.send(new GetBucketCorsCommand({ Bucket: r.bucket }))).CORSRules!;
    await r.s3.send(new PutBucketCorsCommand({ Bucket: r.bucket, CORSConfiguration: { CORSRules: [{ ...rules[0]!, MaxAgeSeconds: 60 }] } }));

    const answer = await r.post('POST /byob/{id}/verify', { id: r.record.id });

    expect(answer.body).toMatchObject({ status: 'READY', verification: { status: 'warning' } });
    expect(answer.body.verification.checks.find((c: { id: string }) => c.id === 'cors')).toMatchObject({ status: 'warning', detail: expect.stringContaining('60 s instead of 3600 s') });
    expect(r.delivered().slice(4)).toEqual([]);
  });
});
