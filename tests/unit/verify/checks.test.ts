import { describe, expect, it } from 'vitest';
import { CHECK_IDS, bucketArnOf, kmsKeyArnOf, overallStatus, planChecks } from '../../../lib/verify/checks.js';
import { BUCKET, KEY_ARN, expectation } from './fake-bucket.js';

describe('planChecks', () => {
  it('runs every check, in catalogue order, for an SSE-KMS AWS bucket with a KMS client', () => {
    expect(planChecks(expectation(), true)).toEqual({ run: [...CHECK_IDS], skipped: [] });
  });

  it('skips the KMS checks for an SSE-S3 bucket, and when there is no KMS client', () => {
    const sseS3 = planChecks(expectation({ encryption: { type: 'sse-s3' } }), true);
    const noClient = planChecks(expectation(), false);

    expect(sseS3.skipped).toEqual([
      { id: 'kms-key', reason: 'The bucket is not encrypted with a KMS key.' },
      { id: 'kms-generate-data-key', reason: 'The bucket is not encrypted with a KMS key.' },
    ]);
    expect(noClient.skipped.map((s) => [s.id, s.reason])).toEqual([
      ['kms-key', 'No KMS client was provided.'],
      ['kms-generate-data-key', 'No KMS client was provided.'],
    ]);
    expect(noClient.run).not.toContain('kms-key');
  });

  it('skips what was not asked for: encryption, CORS, the probe', () => {
    const plan = planChecks(expectation({ encryption: null, requiredOrigins: [], probe: false }), true);

    expect(plan.run).toEqual(['bucket-exists', 'bucket-location', 'versioning', 'public-access-block', 'ownership', 'bucket-policy']);
    expect(plan.skipped.map((s) => s.id)).toEqual(['encryption', 'cors', 'kms-key', 'kms-generate-data-key', 'probe']);
  });

  it('skips the AWS-only checks on an S3-compatible store, even with SSE-KMS expected', () => {
    const plan = planChecks(expectation({ target: 's3-compatible' }), true);

    expect(plan.run).toEqual(['bucket-exists', 'bucket-location', 'versioning', 'encryption', 'cors', 'probe']);
    expect(plan.skipped).toContainEqual({ id: 'kms-key', reason: 'AWS KMS does not apply to an S3-compatible store.' });
    expect(plan.skipped).toContainEqual({ id: 'bucket-policy', reason: 'An AWS-only feature; not checked on an S3-compatible store.' });
  });
});

describe('overallStatus', () => {
  it('is failed over warning over passed', () => {
    expect(overallStatus([{ status: 'passed' }, { status: 'warning' }, { status: 'failed' }])).toBe('failed');
    expect(overallStatus([{ status: 'passed' }, { status: 'warning' }])).toBe('warning');
    expect(overallStatus([{ status: 'passed' }])).toBe('passed');
  });
});

describe('resources of an expectation', () => {
  it('names the bucket in the vendor principal partition, and the expected key if any', () => {
    expect(bucketArnOf(expectation())).toBe(`arn:aws:s3:::${BUCKET}`);
    expect(bucketArnOf(expectation({ vendorPrincipalArn: 'arn:aws-us-gov:iam::830241207209:root' }))).toBe(`arn:aws-us-gov:s3:::${BUCKET}`);
    expect(kmsKeyArnOf(expectation())).toBe(KEY_ARN);
    expect(kmsKeyArnOf(expectation({ encryption: { type: 'sse-s3' } }))).toBe('');
  });
});
