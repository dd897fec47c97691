import { describe, expect, it } from 'vitest';
import { BUCKET, BUCKET_ARN, VENDOR, VENDOR_ACTION_NAMES, allowVendor, policyOf, seedPolicy } from './fake-bucket.js';
import { evaluateVendorAccess } from '../../../lib/verify/bucket-policy.js';
import { bucketPolicyStatements } from '../../../templates/grants.js';

const both = [BUCKET_ARN, `${BUCKET_ARN}/*`];
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
    expect(evaluate(policyOf(allowVendor({ Principal })))).toEqual(clean);
  });

  it('does not count a grant to another account, a role of the vendor, or everyone', () => {
    for (const Principal of [{ AWS: '999999999999' }, { AWS: 'arn:aws:iam::830241207209:role/some-role' }, '*', { AWS: '*' }, { Service: 's3.amazonaws.com' }]) {
      expect(evaluate(policyOf(allowVendor({ Principal }))).missing).toHaveLength(11);
    }
  });

  it('counts a grant to an exact vendor role ARN when that role is the vendor principal', () => {
    const role = 'arn:aws:iam::830241207209:role/byob-verifier';
    expect(evaluateVendorAccess(policyOf(allowVendor({ Principal: { AWS: role } })), BUCKET, role)).toEqual(clean);
  });

  it('with a role as the vendor principal, still accepts a stack on the older template that granted the account root, but not another role', () => {
    const role = 'arn:aws:iam::830241207209:role/WandbIntegration';
    expect(evaluateVendorAccess(policyOf(allowVendor({ Principal: { AWS: VENDOR } })), BUCKET, role)).toEqual(clean);
    expect(evaluateVendorAccess(policyOf(allowVendor({ Principal: { AWS: 'arn:aws:iam::830241207209:role/Other' } })), BUCKET, role).missing).toHaveLength(11);
  });

  it.each([VENDOR, 'arn:aws:iam::830241207209:role/WandbIntegration'])('accepts the policy the template puts for %s, TLS denies included', (principal) => {
    const Statement = bucketPolicyStatements(principal, { bucket: BUCKET_ARN, objects: `${BUCKET_ARN}/*`, probe: `${BUCKET_ARN}/.byob-verify/*` });
    expect(Statement.map((st) => st.Sid)).toContain('DenyOutdatedTls');
    expect(evaluateVendorAccess({ Version: '2012-10-17', Statement }, BUCKET, principal)).toEqual(clean);
  });

  it.each([
    ['s3:*', ['s3:*']],
    ['*', ['*']],
    ['s3:Get* plus the rest', ['s3:Get*', 's3:List*', 's3:AbortMultipartUpload', 's3:DeleteObject', 's3:PutObject']],
    ['lower-case names', VENDOR_ACTION_NAMES.map((a) => a.toLowerCase())],
  ])('handles action wildcards: %s', (_, Action) => {
    expect(evaluate(policyOf(allowVendor({ Action })))).toEqual(clean);
  });

  it('does not treat s3:GetObject as covering s3:GetObject*', () => {
    const Action = VENDOR_ACTION_NAMES.map((a) => (a === 's3:GetObject*' ? 's3:GetObject' : a));
    expect(evaluate(policyOf(allowVendor({ Action }))).missing).toEqual([`s3:GetObject* on ${BUCKET_ARN}/*`]);
  });

  it('does not treat s3:Put* as covering the object reads', () => {
    expect(evaluate(policyOf(allowVendor({ Action: ['s3:Put*'] }))).missing).toHaveLength(10);
  });

  it('checks each action on the resource it applies to', () => {
    const split = policyOf(
      allowVendor({ Action: VENDOR_ACTION_NAMES.filter((a) => /Bucket|Encryption|ListBucket/.test(a)), Resource: BUCKET_ARN }),
      allowVendor({ Action: ['s3:GetObject*', 's3:AbortMultipartUpload', 's3:DeleteObject', 's3:PutObject'], Resource: `${BUCKET_ARN}/*` }),
    );
    expect(evaluate(split)).toEqual(clean);

    const objectsOnly = evaluate(policyOf(allowVendor({ Resource: `${BUCKET_ARN}/*` })));
    expect(objectsOnly.missing).toEqual(expect.arrayContaining([`s3:ListBucket on ${BUCKET_ARN}`, `s3:GetBucketLocation on ${BUCKET_ARN}`]));
    expect(objectsOnly.missing).toHaveLength(7);
  });

  it('handles resource wildcards and rejects a prefix-only grant', () => {
    expect(evaluate(policyOf(allowVendor({ Resource: `${BUCKET_ARN}*` })))).toEqual(clean);
    expect(evaluate(policyOf(allowVendor({ Resource: 'arn:aws:s3:::*' })))).toEqual(clean);
    expect(evaluate(policyOf(allowVendor({ Resource: [BUCKET_ARN, `${BUCKET_ARN}/uploads/*`] }))).missing).toHaveLength(4);
    expect(evaluate(policyOf(allowVendor({ Resource: ['arn:aws:s3:::other-bucket', 'arn:aws:s3:::other-bucket/*'] }))).missing).toHaveLength(11);
  });

  it('accepts a single statement object instead of an array', () => {
    expect(evaluate({ Version: '2012-10-17', Statement: allowVendor() })).toEqual(clean);
  });

  it('understands NotAction in an Allow', () => {
    expect(evaluate(policyOf(allowVendor({ Action: undefined, NotAction: ['s3:DeleteBucket'] })))).toEqual(clean);
    expect(evaluate(policyOf(allowVendor({ Action: undefined, NotAction: ['s3:Delete*'] }))).missing).toEqual([`s3:DeleteObject on ${BUCKET_ARN}/*`]);
    expect(evaluate(policyOf(allowVendor({ Action: undefined, NotAction: ['s3:GetObjectTagging'] }))).missing).toEqual([`s3:GetObject* on ${BUCKET_ARN}/*`]);
  });

  it('reports a grant that holds only under a condition', () => {
    const result = evaluate(policyOf(allowVendor({ Condition: { IpAddress: { 'aws:SourceIp': '203.0.113.0/24' } } })));
    expect(result.missing).toEqual([]);
    expect(result.conditional).toHaveLength(11);
  });

  it('reports a Deny that takes away part of the access', () => {
    const result = evaluate(policyOf(allowVendor(), { Sid: 'NoDeletes', Effect: 'Deny', Principal: '*', Action: 's3:DeleteObject*', Resource: `${BUCKET_ARN}/*` }));
    expect(result.denied).toEqual([`s3:DeleteObject on ${BUCKET_ARN}/* (statement NoDeletes)`]);
  });

  it('reports a Deny naming the vendor account, or a role in it, or via a wildcard action', () => {
    expect(evaluate(policyOf(allowVendor(), { Effect: 'Deny', Principal: { AWS: '830241207209' }, Action: 's3:*', Resource: both })).denied).toHaveLength(11);
    expect(evaluate(policyOf(allowVendor(), { Effect: 'Deny', Principal: { AWS: 'arn:aws:iam::830241207209:role/x' }, Action: 's3:PutObject', Resource: `${BUCKET_ARN}/*` })).denied).toHaveLength(1);
    expect(evaluate(policyOf(allowVendor(), { Effect: 'Deny', Principal: '*', Action: 's3:GetObjectVersion', Resource: `${BUCKET_ARN}/*` })).denied).toEqual([`s3:GetObject* on ${BUCKET_ARN}/*`]);
  });

  it('ignores Denies that cannot apply to the vendor', () => {
    const result = evaluate(
      policyOf(
        allowVendor(),
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
    expect(evaluate(policyOf(allowVendor(), { Effect: 'Deny', NotPrincipal: { AWS: '999999999999' }, Action: 's3:PutObject', Resource: `${BUCKET_ARN}/*` })).denied).toHaveLength(1);
  });

  it('flags a Deny under a condition other than transport security', () => {
    const result = evaluate(policyOf(allowVendor(), { Effect: 'Deny', Principal: '*', Action: 's3:PutObject', Resource: `${BUCKET_ARN}/*`, Condition: { StringNotEquals: { 's3:x-amz-server-side-encryption': 'aws:kms' } } }));
    expect(result.denied).toEqual([]);
    expect(result.conditionallyDenied).toEqual([`s3:PutObject on ${BUCKET_ARN}/*`]);
  });
});
