import { CreateBucketCommand, GetObjectCommand, PutBucketPolicyCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { bucketPolicyStatements } from '../../../templates/grants.js';
import { clients, region, uniqueName } from './emulator-support.js';

// scripts/emulator/byob_moto/s3_policy.py: object requests are evaluated as AWS would evaluate an SDK
// request over TLS 1.2, so the template's transport denies (no TLS, TLS older than 1.2) deny nothing,
// while a stricter TLS condition still applies.
const { s3 } = clients(inject('emulatorEndpoint'));
const bucket = uniqueName('policy-conditions');
const arn = `arn:aws:s3:::${bucket}`;

const putPolicy = (Statement: unknown[]) => s3.send(new PutBucketPolicyCommand({ Bucket: bucket, Policy: JSON.stringify({ Version: '2012-10-17', Statement }) }));
const roundTrip = async () => {
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'k', Body: 'v' }));
  return (await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'k' }))).Body!.transformToString();
};

beforeAll(async () => {
  await s3.send(new CreateBucketCommand({ Bucket: bucket, CreateBucketConfiguration: { LocationConstraint: region } }));
});

describe('bucket policy conditions on object requests', () => {
  it("the template's policy (TLS-only and TLS 1.2 denies) lets requests over TLS 1.2 through", async () => {
    await putPolicy([...bucketPolicyStatements('arn:aws:iam::830241207209:role/WandbIntegration', { bucket: arn, objects: `${arn}/*`, probe: `${arn}/.byob-verify/*` })]);

    expect(await roundTrip()).toBe('v');
  });

  it('a deny of TLS older than 1.3 applies to them', async () => {
    await putPolicy([{ Sid: 'DenyBelow13', Effect: 'Deny', Principal: '*', Action: 's3:*', Resource: [arn, `${arn}/*`], Condition: { NumericLessThan: { 's3:TlsVersion': 1.3 } } }]);

    await expect(roundTrip()).rejects.toMatchObject({ $metadata: { httpStatusCode: 403 } });
  });
});
