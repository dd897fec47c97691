import { describe, expect, it } from 'vitest';
import {
  AccountId,
  AWS_REGIONS,
  bucketNameProblem,
  ExistingBucketName,
  KMS_KEY_ARN_PATTERN,
  KmsKeyArn,
  NewBucketName,
  Origin,
  Region,
  RequestId,
  RoleArn,
} from '../../lib/identifiers.js';

const ok = (schema: { safeParse(v: unknown): { success: boolean } }, value: unknown) => schema.safeParse(value).success;

describe('AWS identifiers', () => {
  it('accepts commercial regions only', () => {
    expect(AWS_REGIONS).toContain('eu-west-1');
    expect(ok(Region, 'eu-west-1')).toBe(true);
    for (const bad of ['cn-north-1', 'us-gov-west-1', 'EU-WEST-1', 'eu-west-99', '']) expect(ok(Region, bad), bad).toBe(false);
  });

  it('accepts 12-digit account ids', () => {
    expect(ok(AccountId, '123456789012')).toBe(true);
    for (const bad of ['12345678901', '1234567890123', '12345678901a']) expect(ok(AccountId, bad), bad).toBe(false);
  });

  it('accepts IAM role ARNs of the commercial partition, with paths', () => {
    expect(ok(RoleArn, 'arn:aws:iam::123456789012:role/ByobDeploy')).toBe(true);
    expect(ok(RoleArn, 'arn:aws:iam::123456789012:role/team/ByobDeploy')).toBe(true);
    for (const bad of ['arn:aws:iam::123456789012:user/x', 'arn:aws-cn:iam::123456789012:role/x', 'arn:aws:iam::12345:role/x']) {
      expect(ok(RoleArn, bad), bad).toBe(false);
    }
  });

  it('accepts KMS key ARNs (single- and multi-Region), never aliases, and exposes region and account', () => {
    const arn = 'arn:aws:kms:eu-west-1:123456789012:key/0d5f4f5e-1c3b-4c55-9a0f-1234567890ab';
    expect(ok(KmsKeyArn, arn)).toBe(true);
    expect(ok(KmsKeyArn, 'arn:aws:kms:eu-west-1:123456789012:key/mrk-0123456789abcdef0123456789abcdef')).toBe(true);
    expect(KMS_KEY_ARN_PATTERN.exec(arn)?.slice(1, 3)).toEqual(['eu-west-1', '123456789012']);
    for (const bad of ['arn:aws:kms:eu-west-1:123456789012:alias/byob', 'arn:aws-us-gov:kms:us-gov-west-1:123456789012:key/0d5f4f5e-1c3b-4c55-9a0f-1234567890ab']) {
      expect(ok(KmsKeyArn, bad), bad).toBe(false);
    }
  });

  it('accepts BYOB request ids (byob_ and a ULID, Crockford base32)', () => {
    expect(ok(RequestId, 'byob_01JQC00000000000000000TEST')).toBe(true);
    for (const bad of ['byob_01JQC0000000000000000TEST', 'byob_01jqc00000000000000000test', 'byob_01JQC0000000000000000ITEST', 'evt_01JQC00000000000000000TEST']) {
      expect(ok(RequestId, bad), bad).toBe(false);
    }
  });
});

describe('bucket names', () => {
  it('applies AWS rules to both new and existing buckets, and refuses dots only in names we create', () => {
    expect(ok(NewBucketName, 'acme-omega-artifacts')).toBe(true);
    expect(ok(ExistingBucketName, 'acme.omega.artifacts')).toBe(true);
    expect(ok(NewBucketName, 'acme.omega.artifacts')).toBe(false);
    for (const bad of ['ab', 'a'.repeat(64), 'Acme', '-acme', 'acme-', '192.168.5.4', 'xn--acme', 'sthree-acme', 'acme-s3alias', 'acme--ol-s3', 'a..b', 'a.-b']) {
      expect(ok(ExistingBucketName, bad), bad).toBe(false);
      expect(ok(NewBucketName, bad), bad).toBe(false);
    }
  });

  it('names the rule a name breaks', () => {
    expect(bucketNameProblem('xn--acme')).toMatch(/reserved prefix "xn--"/);
    expect(bucketNameProblem('acme-s3alias')).toMatch(/reserved suffix "-s3alias"/);
    expect(bucketNameProblem('a.b', { dots: false })).toMatch(/dots/);
    expect(bucketNameProblem('192.168.5.4')).toMatch(/IP address/);
    expect(bucketNameProblem('acme-artifacts')).toBeNull();
  });

  it('keeps the AWS-only rules out of S3-compatible stores', () => {
    expect(bucketNameProblem('xn--acme', { aws: false })).toBeNull();
    expect(bucketNameProblem('a.-b', { aws: false })).toBeNull();
    expect(bucketNameProblem('Acme', { aws: false })).not.toBeNull();
  });
});

describe('CORS origins', () => {
  it('accepts https origins, one leading wildcard label, a port, or "*"', () => {
    for (const good of ['https://app.example.com', 'https://*.example.com', 'https://app.example.com:8443', '*']) expect(ok(Origin, good), good).toBe(true);
    for (const bad of ['http://app.example.com', 'https://app.example.com/path', 'https://a.*.example.com', 'app.example.com', 'https://APP.example.com']) {
      expect(ok(Origin, bad), bad).toBe(false);
    }
  });
});
