import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { KMSClient } from '@aws-sdk/client-kms';
import { GetBucketCorsCommand, GetBucketEncryptionCommand, GetBucketLocationCommand, GetBucketVersioningCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import 'aws-sdk-client-mock-vitest/extend';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { parseConfig } from '../../../lib/config.js';
import type { ByobRecord } from '../../../lib/provisioning/record.js';
import { BUDGETS, bucketExpectationOf, verifyRecord } from '../../../lib/verify/record.js';
import { localEnv } from '../../support/fakes.js';
import { awaitingRecord } from '../quick-create/support.js';
import { ACCOUNT, BUCKET, KEY_ARN, ORIGIN, REGION, kmsMock, programGoodBucket, s3Mock } from './fake-bucket.js';

const localConfig = parseConfig(localEnv());
const awsConfig = { ...localConfig, localMode: false };
const clients = { cfn: new CloudFormationClient({ region: REGION }), s3: new S3Client({ region: REGION }), kms: new KMSClient({ region: REGION }) };
const deps = { clock: () => new Date(), randomId: () => 'record-1' };

const corsRule = (allowedOrigins: string[], allowedMethods: ByobRecord['corsRules'][number]['allowedMethods']) => ({ allowedOrigins, allowedMethods, allowedHeaders: ['*'], exposedHeaders: ['ETag'], maxAgeSeconds: 3600 });

/** A request whose stack completed: the outputs name the bucket and key CloudFormation made. */
const readyRecord = (over: Partial<ByobRecord> = {}): ByobRecord =>
  awaitingRecord({
    status: 'VERIFYING',
    region: REGION,
    bucketName: 'requested-name',
    corsRules: [corsRule([ORIGIN], ['GET', 'HEAD', 'PUT'])],
    outputs: { bucketName: BUCKET, bucketArn: `arn:aws:s3:::${BUCKET}`, kmsKeyArn: KEY_ARN, region: REGION, roleArn: null, accountId: ACCOUNT },
    ...over,
  });

afterEach(() => {
  s3Mock.reset();
  kmsMock.reset();
  vi.useRealTimers();
});

describe('verifyRecord: what a provisioned request expects', () => {
  it('checks the bucket and key the stack reported, and stores status, time and checks only', async () => {
    // Prepare
    programGoodBucket();

    // Act
    const stored = await verifyRecord(deps, localConfig, readyRecord(), clients);

    // Assess
    expect(stored.status).toBe('passed');
    expect(Object.keys(stored).sort()).toEqual(['checkedAt', 'checks', 'status']);
    expect(s3Mock).toHaveReceivedCommandWith(GetBucketLocationCommand, { Bucket: BUCKET });
    expect(s3Mock).toHaveReceivedCommandWith(PutObjectCommand, { Bucket: BUCKET, Key: '.byob-verify/record-1', ServerSideEncryption: 'aws:kms', SSEKMSKeyId: KEY_ARN });
  });

  it('expects SSE-S3 of an SSE-S3 request, and skips the KMS checks', async () => {
    programGoodBucket();
    s3Mock.on(GetBucketEncryptionCommand).resolves({ ServerSideEncryptionConfiguration: { Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] } });

    const stored = await verifyRecord(deps, localConfig, readyRecord({ encryption: { type: 'sse-s3' }, outputs: null, bucketName: BUCKET }), clients);

    expect(stored.status).toBe('passed');
    expect(stored.checks.map((c) => c.id)).not.toContain('kms-key');
    expect(kmsMock).not.toHaveReceivedAnyCommand();
  });

  it('requires only the origins whose rule allows uploads (GET, HEAD and PUT)', async () => {
    programGoodBucket();
    s3Mock.on(GetBucketCorsCommand).resolves({ CORSRules: [{ AllowedOrigins: [ORIGIN], AllowedMethods: ['GET', 'HEAD', 'PUT'], ExposeHeaders: ['ETag'], MaxAgeSeconds: 3600 }] });
    const record = readyRecord({ corsRules: [corsRule([ORIGIN], ['GET', 'HEAD', 'PUT']), corsRule(['https://viewer.example.com'], ['GET'])] });

    const stored = await verifyRecord(deps, localConfig, record, clients);

    expect(stored.checks.find((c) => c.id === 'cors')).toMatchObject({ status: 'passed', detail: `CORS allows GET, HEAD and PUT from ${ORIGIN} and exposes ETag.` });
  });

  it("checks the bucket policy for the configured vendor account's root", async () => {
    programGoodBucket();
    const otherVendor = { ...localConfig, vendor: { ...localConfig.vendor, accountId: '999988887777', principalArn: 'arn:aws:iam::999988887777:root' } };

    const stored = await verifyRecord(deps, otherVendor, readyRecord(), clients);

    expect(stored.checks.find((c) => c.id === 'bucket-policy')).toMatchObject({ status: 'failed', detail: expect.stringContaining('arn:aws:iam::999988887777:root') });
  });

  it('checks for the configured vendor role, which a bucket of the older template (granting the account root) still satisfies', async () => {
    programGoodBucket();
    const role = 'arn:aws:iam::830241207209:role/WandbIntegration';
    const roleVendor = parseConfig(localEnv({ VENDOR_PRINCIPAL: role }));

    const stored = await verifyRecord(deps, roleVendor, readyRecord(), clients);

    expect(stored.checks.find((c) => c.id === 'bucket-policy')).toMatchObject({ status: 'passed', detail: expect.stringContaining(role) });
  });
});

describe('bucketExpectationOf', () => {
  it('expects an adopted bucket with its retained key before the stack reports outputs', () => {
    const kmsKeyArn = `arn:aws:kms:${REGION}:${ACCOUNT}:key/retained`;
    const record = readyRecord({ outputs: null, bucketName: BUCKET, encryption: { type: 'sse-kms' }, adopted: { bucketName: BUCKET, kmsKeyArn, fromRequestId: 'byob_01JOLD' } });

    expect(bucketExpectationOf(localConfig, record)).toMatchObject({ bucketName: BUCKET, encryption: { type: 'sse-kms', kmsKeyArn }, vendorPrincipalArn: 'arn:aws:iam::830241207209:root' });
  });
});

describe('verifyRecord: time budgets', () => {
  const suspendedVersioning = () => {
    programGoodBucket();
    s3Mock.on(GetBucketVersioningCommand).resolves({ Status: 'Suspended' });
  };
  const versioningOf = (stored: Awaited<ReturnType<typeof verifyRecord>>) => stored.checks.find((c) => c.id === 'versioning');

  it('retries failing checks after provisioning on AWS, where fresh grants take a while to propagate', async () => {
    // Prepare
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    suspendedVersioning();
    const started = Date.now();

    // Act
    const pending = verifyRecord(deps, awsConfig, readyRecord(), clients, 'afterProvisioning');
    await vi.advanceTimersByTimeAsync(BUDGETS.afterProvisioning.budgetMs);
    const stored = await pending;

    // Assess
    expect(versioningOf(stored)).toMatchObject({ status: 'failed', detail: expect.stringMatching(/^Versioning is suspended\. \(after \d+ attempts\)$/) });
    expect(Date.now() - started).toBeLessThanOrEqual(BUDGETS.afterProvisioning.budgetMs);
  });

  it('does not retry in the emulator, nor interactively', async () => {
    suspendedVersioning();

    const local = await verifyRecord(deps, localConfig, readyRecord(), clients, 'afterProvisioning');
    const interactive = await verifyRecord(deps, awsConfig, readyRecord(), clients, 'interactive');

    expect(versioningOf(local)?.detail).toBe('Versioning is suspended.');
    expect(versioningOf(interactive)?.detail).toBe('Versioning is suspended.');
  });

  it('gives an interactive run the interactive budget', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    programGoodBucket();
    s3Mock.on(GetBucketVersioningCommand).callsFake(() => new Promise(() => undefined));

    const pending = verifyRecord(deps, awsConfig, readyRecord(), clients, 'interactive');
    await vi.advanceTimersByTimeAsync(BUDGETS.interactive.budgetMs);
    const stored = await pending;

    expect(versioningOf(stored)?.detail).toBe(`Did not finish within the ${BUDGETS.interactive.budgetMs} ms verification budget (waiting for GetBucketVersioning).`);
  });
});
