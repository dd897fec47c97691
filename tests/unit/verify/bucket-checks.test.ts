import {
  GetBucketCorsCommand,
  GetBucketLocationCommand,
  GetBucketOwnershipControlsCommand,
  GetBucketPolicyCommand,
  GetBucketVersioningCommand,
  GetPublicAccessBlockCommand,
  HeadBucketCommand,
  PutObjectCommand,
} from '@aws-sdk/client-s3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { corsGaps, regionFromLocationConstraint } from '../../../lib/verify/bucket-checks.js';
import type { CheckId } from '../../../lib/verify/checks.js';
import { verifyBucket } from '../../../lib/verify/runner.js';
import {
  BUCKET_ARN,
  ORIGIN,
  VENDOR,
  VENDOR_ACTION_NAMES,
  allowVendor,
  awsError,
  byId,
  expectOnlyCheckNotPassed,
  expectation,
  kmsMock,
  makeDeps,
  notPassed,
  policyOf,
  programGoodBucket,
  s3Mock,
} from './fake-bucket.js';

afterEach(() => {
  s3Mock.reset();
  kmsMock.reset();
});

describe('bucket-exists', () => {
  it('a deleted bucket is one failed check, with the commands that make it again; the other bucket checks are set aside', async () => {
    // Prepare: the key is fine; every bucket call answers as S3 does for a bucket that is gone
    programGoodBucket();
    s3Mock.reset();
    s3Mock.rejects(awsError('NoSuchBucket', 404));
    s3Mock.on(HeadBucketCommand).rejects(awsError('NotFound', 404));

    // Act
    const result = await verifyBucket(makeDeps(), expectation());

    // Assess
    expect(notPassed(result)).toEqual(['bucket-exists']);
    expect(byId(result)['bucket-exists']).toMatchObject({ status: 'failed', detail: expect.stringContaining('does not exist'), commands: expect.arrayContaining([expect.stringMatching(/^aws s3api create-bucket /)]) });
    expect(result.skipped.map((s) => s.id)).toEqual(['bucket-location', 'versioning', 'encryption', 'cors', 'public-access-block', 'ownership', 'bucket-policy', 'probe']);
    expect(result.skipped[0]!.reason).toBe('Not checked: it follows from the failed bucket-exists check.');
  });

  it('a 403 from HeadBucket still means the bucket exists', async () => {
    programGoodBucket();
    s3Mock.on(HeadBucketCommand).rejects(awsError('Forbidden', 403));

    const result = await verifyBucket(makeDeps(), expectation());

    expect(byId(result)['bucket-exists']).toMatchObject({ status: 'passed', detail: expect.stringContaining('HTTP 403') });
  });
});

describe('bucket-location', () => {
  it.each([
    [null, 'us-east-1'],
    [undefined, 'us-east-1'],
    ['', 'us-east-1'],
    ['EU', 'eu-west-1'],
    ['ap-south-2', 'ap-south-2'],
  ])('reads LocationConstraint %j as %s', (constraint, region) => {
    expect(regionFromLocationConstraint(constraint)).toBe(region);
  });

  it('passes a us-east-1 bucket whose location answers null', async () => {
    programGoodBucket();
    s3Mock.on(GetBucketLocationCommand).resolves({ LocationConstraint: null as unknown as undefined });

    const result = await verifyBucket(makeDeps(), expectation({ region: 'us-east-1' }));

    expect(byId(result)['bucket-location']).toMatchObject({ status: 'passed', detail: expect.stringContaining('us-east-1') });
  });

  it('fails a bucket in another region with a remediation', async () => {
    programGoodBucket();
    s3Mock.on(GetBucketLocationCommand).resolves({ LocationConstraint: 'eu-central-1' });

    const result = await verifyBucket(makeDeps(), expectation());

    expect(notPassed(result)).toEqual(['bucket-location']);
    expect(byId(result)['bucket-location']).toMatchObject({ status: 'failed', detail: 'Bucket acme-omega-artifacts is in eu-central-1, expected eu-west-1.', remediation: expect.stringContaining('eu-central-1') });
  });
});

describe('single bucket misconfigurations fail exactly their check', () => {
  beforeEach(() => {
    programGoodBucket();
  });

  it.each<[string, () => void, CheckId, 'failed' | 'warning', RegExp]>([
    ['versioning suspended', () => s3Mock.on(GetBucketVersioningCommand).resolves({ Status: 'Suspended' }), 'versioning', 'failed', /suspended/],
    ['versioning never enabled', () => s3Mock.on(GetBucketVersioningCommand).resolves({}), 'versioning', 'failed', /never been enabled/],
    ['CORS without PUT', () => s3Mock.on(GetBucketCorsCommand).resolves({ CORSRules: [{ AllowedOrigins: ['*'], AllowedMethods: ['GET', 'HEAD'], ExposeHeaders: ['ETag'] }] }), 'cors', 'failed', /PUT from https:\/\/app\.example\.com/],
    ['CORS not exposing ETag', () => s3Mock.on(GetBucketCorsCommand).resolves({ CORSRules: [{ AllowedOrigins: [ORIGIN], AllowedMethods: ['GET', 'HEAD', 'PUT'] }] }), 'cors', 'failed', /does not expose ETag/],
    ['CORS for another origin', () => s3Mock.on(GetBucketCorsCommand).resolves({ CORSRules: [{ AllowedOrigins: ['https://other.example.com'], AllowedMethods: ['GET', 'HEAD', 'PUT'], ExposeHeaders: ['ETag'] }] }), 'cors', 'failed', /no rule allows GET from/],
    ['one public access setting off', () => s3Mock.on(GetPublicAccessBlockCommand).resolves({ PublicAccessBlockConfiguration: { BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: false, RestrictPublicBuckets: true } }), 'public-access-block', 'failed', /BlockPublicPolicy is off/],
    ['ownership ObjectWriter', () => s3Mock.on(GetBucketOwnershipControlsCommand).resolves({ OwnershipControls: { Rules: [{ ObjectOwnership: 'ObjectWriter' }] } }), 'ownership', 'failed', /ObjectWriter/],
  ])('%s', async (_, breakIt, id, status, detail) => {
    // Prepare
    breakIt();

    // Act, Assess
    await expectOnlyCheckNotPassed(id, status, detail);
  });
});

describe('commands in failed bucket checks', () => {
  beforeEach(() => {
    programGoodBucket();
  });

  it.each<[string, () => void, CheckId, RegExp]>([
    ['versioning suspended', () => s3Mock.on(GetBucketVersioningCommand).resolves({ Status: 'Suspended' }), 'versioning', /^aws s3api put-bucket-versioning /],
    ['public access relaxed', () => s3Mock.on(GetPublicAccessBlockCommand).resolves({ PublicAccessBlockConfiguration: { BlockPublicAcls: false, IgnorePublicAcls: true, BlockPublicPolicy: true, RestrictPublicBuckets: true } }), 'public-access-block', /^aws s3api put-public-access-block /],
    ['ownership changed', () => s3Mock.on(GetBucketOwnershipControlsCommand).resolves({ OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerPreferred' }] } }), 'ownership', /^aws s3api put-bucket-ownership-controls /],
    ['CORS missing the origin', () => s3Mock.on(GetBucketCorsCommand).resolves({ CORSRules: [{ AllowedOrigins: ['https://other.example.com'], AllowedMethods: ['GET'] }] }), 'cors', /^aws s3api put-bucket-cors .*other\.example\.com.*app\.example\.com|^aws s3api put-bucket-cors .*app\.example\.com.*other\.example\.com/],
    ['no bucket policy', () => s3Mock.on(GetBucketPolicyCommand).rejects(awsError('NoSuchBucketPolicy', 404)), 'bucket-policy', /^aws s3api put-bucket-policy /],
  ])('%s: the check carries the command that puts it back', async (_, breakIt, id, command) => {
    breakIt();

    const result = await verifyBucket(makeDeps(), expectation());

    expect(notPassed(result)).toEqual([id]);
    expect(byId(result)[id]!.commands).toEqual([expect.stringMatching(command)]);
  });

  it('a shorter CORS max age than requested is a warning with the command raising it', async () => {
    s3Mock.on(GetBucketCorsCommand).resolves({ CORSRules: [{ AllowedOrigins: [ORIGIN], AllowedMethods: ['GET', 'HEAD', 'PUT'], ExposeHeaders: ['ETag'], MaxAgeSeconds: 60 }] });

    const result = await verifyBucket(makeDeps(), expectation({ corsMaxAgeSeconds: 3600 }));

    expect(notPassed(result)).toEqual(['cors']);
    expect(result.status).toBe('warning');
    expect(byId(result).cors).toMatchObject({ status: 'warning', detail: expect.stringContaining('60 s instead of 3600 s'), commands: [expect.stringContaining('"MaxAgeSeconds":3600')] });
  });

  it('does not judge the max age when none was requested', async () => {
    s3Mock.on(GetBucketCorsCommand).resolves({ CORSRules: [{ AllowedOrigins: [ORIGIN], AllowedMethods: ['GET', 'HEAD', 'PUT'], ExposeHeaders: ['ETag'], MaxAgeSeconds: 60 }] });

    expect(byId(await verifyBucket(makeDeps(), expectation())).cors).toMatchObject({ status: 'passed' });
  });
});

describe('corsGaps', () => {
  const rule = (over: Record<string, string[]> = {}) => ({ AllowedOrigins: [ORIGIN], AllowedMethods: ['GET', 'HEAD', 'PUT'], ExposeHeaders: ['ETag'], ...over });

  it('has no gap when one rule allows every method and exposes ETag', () => {
    expect(corsGaps([rule()], [ORIGIN])).toEqual({ notAllowed: [], etagHidden: [] });
  });

  it('matches origins case-insensitively and with one wildcard', () => {
    expect(corsGaps([rule({ AllowedOrigins: ['https://*.EXAMPLE.com'], AllowedMethods: ['get', 'head', 'put'], ExposeHeaders: ['etag'] })], [ORIGIN])).toEqual({ notAllowed: [], etagHidden: [] });
  });

  it('judges each origin and method by the first rule that matches it, as S3 does', () => {
    const rules = [rule({ AllowedMethods: ['GET'], ExposeHeaders: [] }), rule()];

    expect(corsGaps(rules, [ORIGIN, 'https://other.example.org'])).toEqual({
      notAllowed: ['GET from https://other.example.org', 'HEAD from https://other.example.org', 'PUT from https://other.example.org'],
      etagHidden: [`GET from ${ORIGIN}`],
    });
  });
});

describe('the bucket-policy check', () => {
  const policyCheck = async () => (await verifyBucket(makeDeps(), expectation())).checks.find((c) => c.id === 'bucket-policy');

  it('passes on the seed policy', async () => {
    programGoodBucket();
    expect(await policyCheck()).toMatchObject({ status: 'passed' });
  });

  it('fails with the missing actions listed', async () => {
    programGoodBucket();
    s3Mock.on(GetBucketPolicyCommand).resolves({ Policy: JSON.stringify(policyOf(allowVendor({ Action: VENDOR_ACTION_NAMES.filter((a) => a !== 's3:PutObject') }))) });
    const check = await policyCheck();
    expect(check).toMatchObject({ status: 'failed', detail: expect.stringContaining(`s3:PutObject on ${BUCKET_ARN}/*`), remediation: expect.stringContaining(VENDOR) });
  });

  it('fails on a blocking Deny, warns on a conditional grant', async () => {
    programGoodBucket();
    s3Mock.on(GetBucketPolicyCommand).resolves({ Policy: JSON.stringify(policyOf(allowVendor(), { Sid: 'Lock', Effect: 'Deny', Principal: '*', Action: 's3:PutObject', Resource: `${BUCKET_ARN}/*` })) });
    expect(await policyCheck()).toMatchObject({ status: 'failed', detail: expect.stringContaining('statement Lock'), remediation: expect.stringContaining('Deny') });

    s3Mock.on(GetBucketPolicyCommand).resolves({ Policy: JSON.stringify(policyOf(allowVendor({ Condition: { IpAddress: { 'aws:SourceIp': '203.0.113.0/24' } } }))) });
    expect(await policyCheck()).toMatchObject({ status: 'warning', remediation: expect.any(String) });
  });

  it('a Deny that hits the vendor is one failed check: the probe it denies is set aside as following from it', async () => {
    programGoodBucket();
    s3Mock.on(GetBucketPolicyCommand).resolves({ Policy: JSON.stringify(policyOf(allowVendor(), { Sid: 'Lock', Effect: 'Deny', Principal: '*', Action: 's3:PutObject', Resource: `${BUCKET_ARN}/*` })) });
    s3Mock.on(PutObjectCommand).rejects(awsError('AccessDenied', 403));

    const result = await verifyBucket(makeDeps(), expectation());

    expect(notPassed(result)).toEqual(['bucket-policy']);
    expect(result.skipped).toEqual([{ id: 'probe', reason: 'Not checked: it follows from the failed bucket-policy check.' }]);
    expect(byId(result)['bucket-policy']!.commands).toEqual([expect.stringMatching(/^aws s3api put-bucket-policy /)]);
    expect(byId(result)['bucket-policy']!.commands![0]).not.toContain('Lock');
  });

  it('an access denied probe with a sound policy is still the probe’s failure', async () => {
    programGoodBucket();
    s3Mock.on(PutObjectCommand).rejects(awsError('AccessDenied', 403));

    expect(notPassed(await verifyBucket(makeDeps(), expectation()))).toEqual(['probe']);
  });

  it('fails on a policy that is not JSON, and on no policy', async () => {
    programGoodBucket();
    s3Mock.on(GetBucketPolicyCommand).resolves({ Policy: '{"Statement": [' });
    expect(await policyCheck()).toMatchObject({ status: 'failed', detail: expect.stringContaining('not valid JSON') });

    s3Mock.on(GetBucketPolicyCommand).rejects(awsError('NoSuchBucketPolicy', 404));
    expect(await policyCheck()).toMatchObject({ status: 'failed', detail: expect.stringContaining('no bucket policy') });
  });

  it('warns when the verifier is outside the owner account and may not read the policy', async () => {
    programGoodBucket();
    s3Mock.on(GetBucketPolicyCommand).rejects(awsError('AccessDenied', 403));
    expect(await policyCheck()).toMatchObject({ status: 'warning', detail: expect.stringContaining("bucket owner's account") });
  });
});
