import { GetBucketCorsCommand, GetBucketEncryptionCommand, GetBucketVersioningCommand } from '@aws-sdk/client-s3';
import { GenerateDataKeyCommand } from '@aws-sdk/client-kms';
import 'aws-sdk-client-mock-vitest/extend';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { CHECK_IDS } from '../../../lib/verify/checks.js';
import { DEFAULT_BUDGET_MS, INITIAL_BACKOFF_MS, MAX_BACKOFF_MS, verifyBucket } from '../../../lib/verify/runner.js';
import { KEY_ARN, awsError, byId, expectation, fakeTime, kmsMock, makeDeps, notPassed, programGoodBucket, s3Mock } from './fake-bucket.js';

afterEach(() => {
  s3Mock.reset();
  kmsMock.reset();
  vi.useRealTimers();
});

describe('verifyBucket on a correctly configured bucket', () => {
  beforeEach(() => {
    programGoodBucket();
  });

  it('passes every check, in the documented order, with timing', async () => {
    // Prepare
    const time = fakeTime();

    // Act
    const result = await verifyBucket(makeDeps(time), expectation());

    // Assess
    expect(result.status).toBe('passed');
    expect(result.checks.map((c) => c.id)).toEqual([...CHECK_IDS]);
    expect(result.checks.every((c) => c.status === 'passed' && c.remediation === undefined && c.detail.length > 0)).toBe(true);
    expect(result.skipped).toEqual([]);
    expect(result.checkedAt).toBe('2026-01-01T00:00:00.000Z');
    expect(result.durationMs).toBe(0);
  });

  it('skips the AWS-only checks for an S3-compatible target and what is not asked for', async () => {
    const result = await verifyBucket(makeDeps(undefined, { kms: undefined }), expectation({ target: 's3-compatible', encryption: null, requiredOrigins: [], probe: false }));

    expect(result.checks.map((c) => c.id)).toEqual(['bucket-exists', 'bucket-location', 'versioning']);
    expect(result.skipped.map((s) => s.id)).toEqual(['encryption', 'cors', 'public-access-block', 'ownership', 'bucket-policy', 'kms-key', 'kms-generate-data-key', 'probe']);
    expect(result.skipped.every((s) => s.reason.length > 0)).toBe(true);
  });
});

describe('a check that throws', () => {
  it('a thrown non-AWS error is a failed check too', async () => {
    programGoodBucket();
    s3Mock.on(GetBucketCorsCommand).callsFake(() => {
      throw new TypeError('boom');
    });

    const result = await verifyBucket(makeDeps(), expectation());

    expect(byId(result).cors).toMatchObject({ status: 'failed', remediation: expect.any(String) });
  });
});

describe('time budget', () => {
  it('fails a hanging check with a timeout detail, keeps the others, and aborts the call', async () => {
    // Prepare
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    programGoodBucket();
    s3Mock.on(GetBucketVersioningCommand).callsFake(() => new Promise(() => undefined));
    const time = fakeTime();
    const deps = makeDeps(time);

    // Act
    const pending = verifyBucket(deps, expectation());
    await vi.advanceTimersByTimeAsync(DEFAULT_BUDGET_MS - 1);
    let settled = false;
    void pending.then(() => (settled = true));
    await vi.advanceTimersByTimeAsync(0);
    expect(settled).toBe(false);
    time.advance(DEFAULT_BUDGET_MS);
    await vi.advanceTimersByTimeAsync(1);
    const result = await pending;

    // Assess
    expect(notPassed(result)).toEqual(['versioning']);
    expect(byId(result).versioning).toMatchObject({ status: 'failed', detail: 'Did not finish within the 20000 ms verification budget (waiting for GetBucketVersioning).', remediation: expect.any(String) });
    expect(result.durationMs).toBe(DEFAULT_BUDGET_MS);
    const versioningCall = s3Mock.commandCalls(GetBucketVersioningCommand)[0];
    const options = (versioningCall?.args as unknown[] | undefined)?.[1] as { abortSignal?: AbortSignal } | undefined;
    expect(options?.abortSignal?.aborted).toBe(true);
  });

  it('honours a smaller budget', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    programGoodBucket();
    kmsMock.on(GenerateDataKeyCommand).callsFake(() => new Promise(() => undefined));

    const pending = verifyBucket(makeDeps(), expectation(), { budgetMs: 1500 });
    await vi.advanceTimersByTimeAsync(1500);
    const result = await pending;

    expect(byId(result)['kms-generate-data-key'].detail).toContain('1500 ms');
    expect(notPassed(result)).toEqual(['kms-generate-data-key']);
  });

  it('keeps the last failure of a check that was between attempts when the budget ran out', async () => {
    // Prepare
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    programGoodBucket();
    s3Mock.on(GetBucketVersioningCommand).resolves({ Status: 'Suspended' });
    const deps = makeDeps(fakeTime(), { sleep: () => new Promise(() => undefined) });

    // Act
    const pending = verifyBucket(deps, expectation(), { budgetMs: 1000, retryForMs: 1000 });
    await vi.advanceTimersByTimeAsync(1000);
    const result = await pending;

    // Assess
    expect(notPassed(result)).toEqual(['versioning']);
    expect(byId(result).versioning).toMatchObject({ status: 'failed', detail: 'Versioning is suspended. Still failing when the 1000 ms budget ran out.', remediation: expect.stringContaining('put-bucket-versioning') });
  });
});

describe('retry with back-off', () => {
  it('re-runs a failing check until it passes, doubling the wait', async () => {
    // Prepare
    programGoodBucket();
    s3Mock
      .on(GetBucketCorsCommand)
      .rejectsOnce(awsError('NoSuchCORSConfiguration', 404))
      .rejectsOnce(awsError('NoSuchCORSConfiguration', 404))
      .resolves({ CORSRules: [{ AllowedOrigins: ['*'], AllowedMethods: ['GET', 'HEAD', 'PUT'], ExposeHeaders: ['ETag'] }] });
    const time = fakeTime();

    // Act
    const result = await verifyBucket(makeDeps(time), expectation(), { retryForMs: 30_000 });

    // Assess
    expect(result.status).toBe('passed');
    expect(byId(result).cors.detail).toContain('(after 3 attempts)');
    expect(time.sleeps).toEqual([500, 1000]);
    expect(s3Mock).toHaveReceivedCommandTimes(GetBucketCorsCommand, 3);
  });

  it('gives up when the retry time is used', async () => {
    programGoodBucket();
    s3Mock.on(GetBucketVersioningCommand).resolves({ Status: 'Suspended' });
    const time = fakeTime();

    const result = await verifyBucket(makeDeps(time), expectation(), { retryForMs: 10_000 });

    expect(time.sleeps).toEqual([500, 1000, 2000, 4000]);
    expect(byId(result).versioning).toMatchObject({ status: 'failed', detail: 'Versioning is suspended. (after 5 attempts)' });
  });

  it('never waits longer than the longest back-off', async () => {
    programGoodBucket();
    s3Mock.on(GetBucketVersioningCommand).resolves({ Status: 'Suspended' });
    const time = fakeTime();

    await verifyBucket(makeDeps(time), expectation(), { budgetMs: 60_000, retryForMs: 40_000 });

    expect(time.sleeps[0]).toBe(INITIAL_BACKOFF_MS);
    expect(time.sleeps).toEqual([500, 1000, 2000, 4000, 8000, 8000, 8000, 8000]);
    expect(Math.max(...time.sleeps)).toBe(MAX_BACKOFF_MS);
  });

  it('does not retry by default, nor retry warnings', async () => {
    programGoodBucket();
    s3Mock.on(GetBucketVersioningCommand).resolves({ Status: 'Suspended' });
    s3Mock.on(GetBucketEncryptionCommand).resolves({ ServerSideEncryptionConfiguration: { Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: KEY_ARN } }] } });
    const time = fakeTime();

    const first = await verifyBucket(makeDeps(time), expectation());
    expect(time.sleeps).toEqual([]);
    expect(s3Mock).toHaveReceivedCommandTimes(GetBucketVersioningCommand, 1);

    s3Mock.on(GetBucketVersioningCommand).resolves({ Status: 'Enabled' });
    await verifyBucket(makeDeps(time), expectation(), { retryForMs: 10_000 });
    expect(time.sleeps).toEqual([]);
    expect(first.status).toBe('failed');
  });
});
