import { GetBucketPolicyCommand } from '@aws-sdk/client-s3';
import { afterEach, describe, expect, it } from 'vitest';
import { verifyBucket } from '../../../lib/verify/verify.js';
import { BUCKET, VENDOR, VENDOR_ACTION_NAMES, awsError, expectation, kmsMock, makeDeps, programGoodBucket, s3Mock, seedPolicy } from './fake-bucket.js';
import { evaluateVendorAccess } from '../../../lib/verify/bucket-policy.js';

const BUCKET_ARN = `arn:aws:s3:::${BUCKET}`;
const both = [BUCKET_ARN, `${BUCKET_ARN}/*`];
const allow = (over: Record<string, unknown> = {}) => ({ Effect: 'Allow', Principal: { AWS: VENDOR }, Action: VENDOR_ACTION_NAMES, Resource: both, ...over });
const policy = (...Statement: unknown[]) => ({ Version: '2012-10-17', Statement });
const evaluate = (p: unknown) => evaluateVendorAccess(p, BUCKET, VENDOR);
const clean = { missing: [], conditional: [], denied: [], conditionallyDenied: [] };

describe('evaluateVendorAccess', () => {
  it('accepts the seed policy with the deny of insecure transport', () => {
    expect(evaluate(seedPolicy())).toEqual(clean);
  });

  it.each([
    ['the root ARN', { AWS: VENDOR }],
    ['the bare account id', { AWS: '830241207209' }],
    ['an array holding the account', { AWS: ['arn:aws:iam::999999999999:root', '830241207209'] }],
  ])('recognises the vendor by %s', (_, Principal) => {
    expect(evaluate(policy(allow({ Principal })))).toEqual(clean);
  });

  it('does not count a grant to another account, a role of the vendor, or everyone', () => {
    for (const Principal of [{ AWS: '999999999999' }, { AWS: 'arn:aws:iam::830241207209:role/some-role' }, '*', { AWS: '*' }, { Service: 's3.amazonaws.com' }]) {
      expect(evaluate(policy(allow({ Principal }))).missing).toHaveLength(11);
    }
  });

  it('counts a grant to an exact vendor role ARN when that role is the vendor principal', () => {
    const role = 'arn:aws:iam::830241207209:role/byob-verifier';
    expect(evaluateVendorAccess(policy(allow({ Principal: { AWS: role } })), BUCKET, role)).toEqual(clean);
  });

  it.each([
    ['s3:*', ['s3:*']],
    ['*', ['*']],
    ['s3:Get* plus the rest', ['s3:Get*', 's3:List*', 's3:AbortMultipartUpload', 's3:DeleteObject', 's3:PutObject']],
    ['lower-case names', VENDOR_ACTION_NAMES.map((a) => a.toLowerCase())],
  ])('handles action wildcards: %s', (_, Action) => {
    expect(evaluate(policy(allow({ Action })))).toEqual(clean);
  });

  it('does not treat s3:GetObject as covering s3:GetObject*', () => {
    const Action = VENDOR_ACTION_NAMES.map((a) => (a === 's3:GetObject*' ? 's3:GetObject' : a));
    expect(evaluate(policy(allow({ Action }))).missing).toEqual([`s3:GetObject* on ${BUCKET_ARN}/*`]);
  });

  it('does not treat s3:Put* as covering the object reads', () => {
    expect(evaluate(policy(allow({ Action: ['s3:Put*'] }))).missing).toHaveLength(10);
  });

  it('checks each action on the resource it applies to', () => {
    const split = policy(
      allow({ Action: VENDOR_ACTION_NAMES.filter((a) => /Bucket|Encryption|ListBucket/.test(a)), Resource: BUCKET_ARN }),
      allow({ Action: ['s3:GetObject*', 's3:AbortMultipartUpload', 's3:DeleteObject', 's3:PutObject'], Resource: `${BUCKET_ARN}/*` }),
    );
    expect(evaluate(split)).toEqual(clean);

    const objectsOnly = evaluate(policy(allow({ Resource: `${BUCKET_ARN}/*` })));
    expect(objectsOnly.missing).toEqual(expect.arrayContaining([`s3:ListBucket on ${BUCKET_ARN}`, `s3:GetBucketLocation on ${BUCKET_ARN}`]));
    expect(objectsOnly.missing).toHaveLength(7);
  });

  it('handles resource wildcards and rejects a prefix-only grant', () => {
    expect(evaluate(policy(allow({ Resource: `${BUCKET_ARN}*` })))).toEqual(clean);
    expect(evaluate(policy(allow({ Resource: 'arn:aws:s3:::*' })))).toEqual(clean);
    expect(evaluate(policy(allow({ Resource: [BUCKET_ARN, `${BUCKET_ARN}/uploads/*`] }))).missing).toHaveLength(4);
    expect(evaluate(policy(allow({ Resource: ['arn:aws:s3:::other-bucket', 'arn:aws:s3:::other-bucket/*'] }))).missing).toHaveLength(11);
  });

  it('accepts a single statement object instead of an array', () => {
    expect(evaluate({ Version: '2012-10-17', Statement: allow() })).toEqual(clean);
  });

  it('understands NotAction in an Allow', () => {
    expect(evaluate(policy(allow({ Action: undefined, NotAction: ['s3:DeleteBucket'] })))).toEqual(clean);
    expect(evaluate(policy(allow({ Action: undefined, NotAction: ['s3:Delete*'] }))).missing).toEqual([`s3:DeleteObject on ${BUCKET_ARN}/*`]);
    expect(evaluate(policy(allow({ Action: undefined, NotAction: ['s3:GetObjectTagging'] }))).missing).toEqual([`s3:GetObject* on ${BUCKET_ARN}/*`]);
  });

  it('reports a grant that holds only under a condition', () => {
    const result = evaluate(policy(allow({ Condition: { IpAddress: { 'aws:SourceIp': '203.0.113.0/24' } } })));
    expect(result.missing).toEqual([]);
    expect(result.conditional).toHaveLength(11);
  });

  it('reports a Deny that takes away part of the access', () => {
    const result = evaluate(policy(allow(), { Sid: 'NoDeletes', Effect: 'Deny', Principal: '*', Action: 's3:DeleteObject*', Resource: `${BUCKET_ARN}/*` }));
    expect(result.denied).toEqual([`s3:DeleteObject on ${BUCKET_ARN}/* (statement NoDeletes)`]);
  });

  it('reports a Deny naming the vendor account, or a role in it, or via a wildcard action', () => {
    expect(evaluate(policy(allow(), { Effect: 'Deny', Principal: { AWS: '830241207209' }, Action: 's3:*', Resource: both })).denied).toHaveLength(11);
    expect(evaluate(policy(allow(), { Effect: 'Deny', Principal: { AWS: 'arn:aws:iam::830241207209:role/x' }, Action: 's3:PutObject', Resource: `${BUCKET_ARN}/*` })).denied).toHaveLength(1);
    expect(evaluate(policy(allow(), { Effect: 'Deny', Principal: '*', Action: 's3:GetObjectVersion', Resource: `${BUCKET_ARN}/*` })).denied).toEqual([`s3:GetObject* on ${BUCKET_ARN}/*`]);
  });

  it('ignores Denies that cannot apply to the vendor', () => {
    const result = evaluate(
      policy(
        allow(),
        { Effect: 'Deny', Principal: { AWS: '999999999999' }, Action: 's3:*', Resource: both },
        { Effect: 'Deny', Principal: '*', Action: 's3:DeleteBucket', Resource: BUCKET_ARN },
        { Effect: 'Deny', Principal: '*', Action: 's3:*', Resource: 'arn:aws:s3:::other-bucket/*' },
        { Effect: 'Deny', NotPrincipal: { AWS: VENDOR }, Action: 's3:*', Resource: both },
        { Effect: 'Deny', Principal: '*', Action: 's3:*', Resource: both, Condition: { NumericLessThan: { 's3:TlsVersion': '1.2' } } },
      ),
    );
    expect(result).toEqual(clean);
  });

  it('applies a NotPrincipal Deny that does not exempt the vendor', () => {
    expect(evaluate(policy(allow(), { Effect: 'Deny', NotPrincipal: { AWS: '999999999999' }, Action: 's3:PutObject', Resource: `${BUCKET_ARN}/*` })).denied).toHaveLength(1);
  });

  it('flags a Deny under a condition other than transport security', () => {
    const result = evaluate(policy(allow(), { Effect: 'Deny', Principal: '*', Action: 's3:PutObject', Resource: `${BUCKET_ARN}/*`, Condition: { StringNotEquals: { 's3:x-amz-server-side-encryption': 'aws:kms' } } }));
    expect(result.denied).toEqual([]);
    expect(result.conditionallyDenied).toEqual([`s3:PutObject on ${BUCKET_ARN}/*`]);
  });
});

describe('the bucket-policy check', () => {
  afterEach(() => {
    s3Mock.reset();
    kmsMock.reset();
  });

  const policyCheck = async () => (await verifyBucket(makeDeps(), expectation())).checks.find((c) => c.id === 'bucket-policy');

  it('passes on the seed policy', async () => {
    programGoodBucket();
    expect(await policyCheck()).toMatchObject({ status: 'passed' });
  });

  it('fails with the missing actions listed', async () => {
    programGoodBucket();
    s3Mock.on(GetBucketPolicyCommand).resolves({ Policy: JSON.stringify(policy(allow({ Action: VENDOR_ACTION_NAMES.filter((a) => a !== 's3:PutObject') }))) });
    const check = await policyCheck();
    expect(check).toMatchObject({ status: 'failed', detail: expect.stringContaining(`s3:PutObject on ${BUCKET_ARN}/*`), remediation: expect.stringContaining(VENDOR) });
  });

  it('fails on a blocking Deny, warns on a conditional grant', async () => {
    programGoodBucket();
    s3Mock.on(GetBucketPolicyCommand).resolves({ Policy: JSON.stringify(policy(allow(), { Sid: 'Lock', Effect: 'Deny', Principal: '*', Action: 's3:PutObject', Resource: `${BUCKET_ARN}/*` })) });
    expect(await policyCheck()).toMatchObject({ status: 'failed', detail: expect.stringContaining('statement Lock'), remediation: expect.stringContaining('Deny') });

    s3Mock.on(GetBucketPolicyCommand).resolves({ Policy: JSON.stringify(policy(allow({ Condition: { IpAddress: { 'aws:SourceIp': '203.0.113.0/24' } } }))) });
    expect(await policyCheck()).toMatchObject({ status: 'warning', remediation: expect.any(String) });
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
