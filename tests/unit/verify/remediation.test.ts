import {
  GetBucketCorsCommand,
  GetBucketEncryptionCommand,
  GetBucketOwnershipControlsCommand,
  GetBucketVersioningCommand,
  GetPublicAccessBlockCommand,
  PutObjectCommand,
} from '@aws-sdk/client-s3';
import { DescribeKeyCommand, GenerateDataKeyCommand, GetKeyRotationStatusCommand } from '@aws-sdk/client-kms';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CheckId } from '../../../lib/verify/checks.js';
import { errorName, outcomeOfError } from '../../../lib/verify/remediation.js';
import { verifyBucket } from '../../../lib/verify/runner.js';
import { BUCKET, KEY_ARN, VENDOR, awsError, byId, expectation, kmsMock, makeDeps, notPassed, programGoodBucket, s3Mock } from './fake-bucket.js';

afterEach(() => {
  s3Mock.reset();
  kmsMock.reset();
});

describe('AWS errors become failed checks', () => {
  beforeEach(() => {
    programGoodBucket();
  });

  it.each<[string, () => void, CheckId, RegExp]>([
    ['NoSuchBucket', () => s3Mock.on(GetBucketVersioningCommand).rejects(awsError('NoSuchBucket', 404)), 'versioning', /does not exist/],
    ['NoSuchCORSConfiguration', () => s3Mock.on(GetBucketCorsCommand).rejects(awsError('NoSuchCORSConfiguration', 404)), 'cors', /no CORS configuration/],
    ['ServerSideEncryptionConfigurationNotFoundError', () => s3Mock.on(GetBucketEncryptionCommand).rejects(awsError('ServerSideEncryptionConfigurationNotFoundError', 404)), 'encryption', /no default encryption/],
    ['NoSuchPublicAccessBlockConfiguration', () => s3Mock.on(GetPublicAccessBlockCommand).rejects(awsError('NoSuchPublicAccessBlockConfiguration', 404)), 'public-access-block', /no public access block/],
    ['OwnershipControlsNotFoundError', () => s3Mock.on(GetBucketOwnershipControlsCommand).rejects(awsError('OwnershipControlsNotFoundError', 404)), 'ownership', /no object ownership controls/],
    ['S3 AccessDenied', () => s3Mock.on(GetPublicAccessBlockCommand).rejects(awsError('AccessDenied', 403)), 'public-access-block', /s3:GetBucketPublicAccessBlock on arn:aws:s3:::acme-omega-artifacts/],
    ['PermanentRedirect', () => s3Mock.on(GetBucketVersioningCommand).rejects(awsError('PermanentRedirect', 301)), 'versioning', /is not in eu-west-1/],
    ['KMS NotFoundException', () => kmsMock.on(DescribeKeyCommand).rejects(awsError('NotFoundException')), 'kms-key', /does not exist/],
    ['KMS AccessDenied on rotation', () => kmsMock.on(GetKeyRotationStatusCommand).rejects(awsError('AccessDeniedException')), 'kms-key', /kms:GetKeyRotationStatus/],
    ['KMS DisabledException', () => kmsMock.on(GenerateDataKeyCommand).rejects(awsError('DisabledException')), 'kms-generate-data-key', /is disabled/],
    ['KMS KMSInvalidStateException', () => kmsMock.on(GenerateDataKeyCommand).rejects(awsError('KMSInvalidStateException')), 'kms-generate-data-key', /pending deletion/],
    ['NotImplemented on an SSE put (S3-compatible store)', () => s3Mock.on(PutObjectCommand).rejects(awsError('NotImplemented', 501)), 'probe', /does not implement PutObject with SSE-KMS/],
    ['a network error', () => s3Mock.on(GetBucketCorsCommand).rejects(Object.assign(new Error('connect ECONNREFUSED 10.0.0.1:443'), { code: 'ECONNREFUSED' })), 'cors', /Could not reach/],
    ['an unknown error', () => s3Mock.on(GetBucketCorsCommand).rejects(awsError('InternalError', 500, 'secret internals')), 'cors', /GetBucketCors failed: InternalError \(HTTP 500\)/],
  ])('%s', async (_, breakIt, id, detail) => {
    breakIt();

    const result = await verifyBucket(makeDeps(), expectation());

    expect(notPassed(result)).toEqual([id]);
    const check = byId(result)[id];
    expect(check).toMatchObject({ status: 'failed', detail: expect.stringMatching(detail), remediation: expect.any(String) });
    expect(check.detail).not.toContain('secret internals');
    expect(check.remediation?.length).toBeGreaterThan(10);
  });

  // moto does not enforce key policies, so a vendor without a key-policy statement or grant can only be shown here.
  it('a customer key without a grant for the vendor fails kms-generate-data-key', async () => {
    kmsMock.on(GenerateDataKeyCommand).rejects(awsError('AccessDeniedException', 400, `User: arn:aws:sts::830241207209:assumed-role/verifier/x is not authorized to perform: kms:GenerateDataKey on resource: ${KEY_ARN}`));

    const result = await verifyBucket(makeDeps(), expectation());

    expect(notPassed(result)).toEqual(['kms-generate-data-key']);
    expect(byId(result)['kms-generate-data-key']).toMatchObject({
      status: 'failed',
      detail: expect.stringContaining('grant for the vendor is missing'),
      remediation: expect.stringContaining(`Add ${VENDOR} to the key policy`),
    });
    expect(byId(result)['kms-generate-data-key'].detail).not.toContain('assumed-role');
  });

  it('a probe that S3 refuses because of the key names the KMS permission', async () => {
    s3Mock.on(PutObjectCommand).rejects(awsError('AccessDenied', 403, `User is not authorized to perform: kms:GenerateDataKey on resource ${KEY_ARN}`));

    const result = await verifyBucket(makeDeps(), expectation());

    expect(notPassed(result)).toEqual(['probe']);
    expect(byId(result).probe).toMatchObject({ status: 'failed', detail: expect.stringContaining('(kms:GenerateDataKey)'), remediation: expect.stringContaining('key policy') });
  });
});

describe('outcomeOfError', () => {
  const exp = expectation();

  it.each<[string, Parameters<typeof outcomeOfError>, RegExp]>([
    ['a missing bucket: create it in the expected region', ['versioning', 'GetBucketVersioning', awsError('NoSuchBucket', 404), exp], /^Create the bucket acme-omega-artifacts in eu-west-1/],
    ['a wrong secret: percent-encode it', ['probe', 'PutObject', awsError('SignatureDoesNotMatch', 403), exp], /percent-encode reserved characters/],
    ['an unknown access key: check it is active', ['probe', 'PutObject', awsError('InvalidAccessKeyId', 403), exp], /Check the access key in the connection string/],
    ['a disabled key: enable it', ['kms-key', 'DescribeKey', awsError('KMS.DisabledException'), exp], new RegExp(`^Enable the key: aws kms enable-key --key-id ${KEY_ARN}$`)],
    ['throttling: retry in a minute', ['cors', 'GetBucketCors', awsError('SlowDown', 503), exp], /^Retry the verification in a minute\.$/],
    ['a missing object permission: allow it on bucket/*', ['probe', 'GetObject', awsError('AccessDenied', 403), exp], new RegExp(`^Allow ${VENDOR} s3:GetObject on arn:aws:s3:::${BUCKET}/\\* in the bucket policy`)],
    ['a missing key permission: allow it in the key policy', ['kms-key', 'DescribeKey', awsError('AccessDeniedException', 400), exp], new RegExp(`^Allow ${VENDOR} kms:DescribeKey in the key policy of ${KEY_ARN}\\.$`)],
  ])('%s', (_, args, remediation) => {
    const outcome = outcomeOfError(...args);

    expect(outcome).toMatchObject({ status: 'failed', remediation: expect.stringMatching(remediation) });
  });

  it('warns, not fails, when the bucket policy may not be read', () => {
    expect(outcomeOfError('bucket-policy', 'GetBucketPolicy', awsError('AccessDenied', 403), exp)).toMatchObject({ status: 'warning', remediation: expect.stringContaining(`arn:aws:s3:::${BUCKET}/*`) });
  });

  it('names the partition of the vendor principal in resource ARNs', () => {
    const cn = expectation({ vendorPrincipalArn: 'arn:aws-cn:iam::830241207209:root' });

    expect(outcomeOfError('versioning', 'GetBucketVersioning', awsError('AccessDenied', 403), cn).detail).toContain(`arn:aws-cn:s3:::${BUCKET}`);
  });
});

describe('errorName', () => {
  it.each<[string, unknown, string]>([
    ['the SDK name', awsError('NoSuchBucket', 404), 'NoSuchBucket'],
    ['a Node code before a generic name', Object.assign(new Error('x'), { code: 'ECONNRESET' }), 'ECONNRESET'],
    ['an XML Code', { Code: 'SlowDown' }, 'SlowDown'],
    ['only safe characters, at most 64', { name: `Bad<script>${'x'.repeat(80)}` }, `Badscript${'x'.repeat(55)}`],
    ['Error for anything else', new Error('secret message'), 'Error'],
    ['Error for a non-object', undefined, 'Error'],
  ])('reads %s', (_, error, name) => {
    expect(errorName(error)).toBe(name);
  });
});
