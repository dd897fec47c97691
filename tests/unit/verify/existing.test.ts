import { inspect } from 'node:util';
import { GetBucketCorsCommand, GetBucketVersioningCommand, S3Client } from '@aws-sdk/client-s3';
import { KMSClient } from '@aws-sdk/client-kms';
import 'aws-sdk-client-mock-vitest/extend';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ValidationError } from '../../../lib/errors.js';
import { VerifyExistingRequest, isPublicEndpoint, verifyExisting, type ClientTarget, type VerifyExistingDeps } from '../../../lib/verify/existing.js';
import { BUCKET, KEY_ARN, REGION, VENDOR, awsError, fakeTime, kmsMock, programGoodBucket, s3Mock } from './fake-bucket.js';

const SECRET = 'wJalr/XUtn+FEMI=K7MD@ENG:bPxR?fiCY#EXAMPLEKEY';
const ROLE_ARN = 'arn:aws:iam::111122223333:role/byob-verifier';
const CONNECTION = `s3://AKIAEXAMPLE:${encodeURIComponent(SECRET)}@minio.example.com:9000/${BUCKET}?region=${REGION}`;

const depsWith = (over: Partial<VerifyExistingDeps> = {}) => {
  const targets: ClientTarget[] = [];
  const time = fakeTime();
  const deps: VerifyExistingDeps = {
    clientsFor: (target) => {
      targets.push(target);
      return { s3: new S3Client({ region: REGION }), kms: new KMSClient({ region: REGION }) };
    },
    vendorPrincipalArn: VENDOR,
    clock: time.clock,
    sleep: time.sleep,
    randomId: () => 'existing-1',
    isEndpointAllowed: () => true,
    ...over,
  };
  return { deps, targets };
};

afterEach(() => {
  s3Mock.reset();
  kmsMock.reset();
  vi.restoreAllMocks();
});

describe('VerifyExistingRequest', () => {
  const aws = { region: 'eu-west-1', bucketName: BUCKET, roleArn: ROLE_ARN, encryption: { type: 'sse-kms', kmsKeyArn: KEY_ARN }, cors: { allowedOrigins: ['https://app.example.com'] } };
  const paths = (body: unknown) => {
    const parsed = VerifyExistingRequest.safeParse(body);
    expect(parsed.success).toBe(false);
    return parsed.error?.issues.map((i) => i.path.join('.')) ?? [];
  };

  it('accepts an AWS bucket and a connection string', () => {
    expect(VerifyExistingRequest.safeParse(aws).success).toBe(true);
    expect(VerifyExistingRequest.safeParse({ region: 'us-east-1', bucketName: 'b-1.x', roleArn: ROLE_ARN, encryption: { type: 'sse-s3' } }).success).toBe(true);
    expect(VerifyExistingRequest.safeParse({ connectionString: CONNECTION }).success).toBe(true);
    expect(VerifyExistingRequest.safeParse({ connectionString: CONNECTION, encryption: { type: 'sse-s3' }, cors: { allowedOrigins: ['*'] } }).success).toBe(true);
  });

  it.each([
    ['an unknown key', { ...aws, extra: 1 }, ''],
    ['a bad region', { ...aws, region: 'eu-middle-9' }, 'region'],
    ['an upper-case bucket', { ...aws, bucketName: 'Acme' }, 'bucketName'],
    ['a bucket like an IP', { ...aws, bucketName: '192.168.1.10' }, 'bucketName'],
    ['a reserved prefix', { ...aws, bucketName: 'xn--bucket' }, 'bucketName'],
    ['a KMS alias instead of an ARN', { ...aws, encryption: { type: 'sse-kms', kmsKeyArn: 'alias/x' } }, 'encryption.kmsKeyArn'],
    ['sse-kms without a key', { ...aws, encryption: { type: 'sse-kms' } }, 'encryption.kmsKeyArn'],
    ['a bad origin', { ...aws, cors: { allowedOrigins: ['app.example.com/path'] } }, 'cors.allowedOrigins.0'],
    ['both forms at once', { ...aws, connectionString: CONNECTION }, 'region'],
    ['neither form', { cors: { allowedOrigins: ['*'] } }, 'bucketName'],
    ['an AWS bucket without encryption', { region: 'eu-west-1', bucketName: BUCKET, roleArn: ROLE_ARN }, 'encryption'],
    // The vendor's own credentials reach every customer's bucket: an AWS bucket is checked only as the tenant's role.
    ['an AWS bucket without the role to check it as', { region: 'eu-west-1', bucketName: BUCKET, encryption: { type: 'sse-s3' } }, 'roleArn'],
    ['a role that is not a role ARN', { ...aws, roleArn: 'arn:aws:iam::111122223333:user/bob' }, 'roleArn'],
    ['a role beside a connection string', { connectionString: CONNECTION, roleArn: ROLE_ARN }, 'roleArn'],
    ['a connection string without region', { connectionString: CONNECTION.replace(/\?region=.*/, '') }, 'connectionString.region'],
  ])('rejects %s', (_, body, path) => {
    expect(paths(body)).toContain(path);
  });

  it('never puts the secret in a validation error', () => {
    const parsed = VerifyExistingRequest.safeParse({ connectionString: `s3://AK:${encodeURIComponent(SECRET)}@[${SECRET}]:99999/${SECRET}?tls=${SECRET}` });

    expect(parsed.success).toBe(false);
    const text = [JSON.stringify(parsed.error?.issues), parsed.error?.message, inspect(parsed.error, { depth: 10 })].join('\n');
    expect(text).not.toContain('wJalr');
    expect(text).not.toContain(encodeURIComponent(SECRET));
  });
});

describe('verifyExisting', () => {
  it('runs every check on an AWS bucket with clients acting as the tenant\'s role in its region', async () => {
    programGoodBucket();
    const { deps, targets } = depsWith();

    const result = await verifyExisting(deps, { region: 'eu-west-1', bucketName: BUCKET, roleArn: ROLE_ARN, encryption: { type: 'sse-kms', kmsKeyArn: KEY_ARN }, cors: { allowedOrigins: ['https://app.example.com'] } });

    expect(targets).toEqual([{ region: 'eu-west-1', roleArn: ROLE_ARN }]);
    expect(result.target).toEqual({ kind: 'aws', region: 'eu-west-1', bucketName: BUCKET });
    expect(result.verification.status).toBe('passed');
    expect(result.verification.checks).toHaveLength(11);
  });

  it('runs only the S3 checks on a connection string, hands the revealed secret only to clientsFor', async () => {
    programGoodBucket();
    const { deps, targets } = depsWith();

    const result = await verifyExisting(deps, { connectionString: CONNECTION, cors: { allowedOrigins: ['https://app.example.com'] } });

    expect(targets).toEqual([{ endpoint: 'https://minio.example.com:9000', credentials: { accessKeyId: 'AKIAEXAMPLE', secretAccessKey: SECRET }, region: REGION, forcePathStyle: true }]);
    expect(result.target).toEqual({ kind: 's3-compatible', endpoint: 'https://minio.example.com:9000', bucket: BUCKET, region: REGION });
    expect(result.verification.checks.map((c) => c.id)).toEqual(['bucket-exists', 'bucket-location', 'versioning', 'cors', 'probe']);
    expect(result.verification.skipped.map((s) => s.id)).toEqual(['encryption', 'public-access-block', 'ownership', 'bucket-policy', 'kms-key', 'kms-generate-data-key']);
    expect(result.verification.status).toBe('passed');
    expect(kmsMock).not.toHaveReceivedAnyCommand();
  });

  it('keeps the secret out of the result and the logs, even when the store echoes it in errors', async () => {
    // Prepare: a hostile store that puts the secret into its error messages.
    programGoodBucket();
    s3Mock.on(GetBucketVersioningCommand).rejects(awsError('SignatureDoesNotMatch', 403, `The request signature we calculated does not match; secret ${SECRET}`));
    s3Mock.on(GetBucketCorsCommand).rejects(Object.assign(awsError('InvalidAccessKeyId', 403, `bad key for ${SECRET}`), { AWSAccessKeyId: 'AKIAEXAMPLE', StringToSign: SECRET }));
    const logged: string[] = [];
    for (const method of ['log', 'info', 'warn', 'error', 'debug'] as const) {
      vi.spyOn(console, method).mockImplementation((...args: unknown[]) => {
        logged.push(args.map((a) => (typeof a === 'string' ? a : inspect(a, { depth: 10 }))).join(' '));
      });
    }
    const { deps } = depsWith();

    // Act
    const result = await verifyExisting(deps, { connectionString: CONNECTION, cors: { allowedOrigins: ['*'] } });
    console.log(result);

    // Assess
    expect(result.verification.checks.find((c) => c.id === 'versioning')).toMatchObject({ status: 'failed', detail: expect.stringContaining('secret key does not match'), remediation: expect.stringContaining('percent-encode') });
    expect(result.verification.checks.find((c) => c.id === 'cors')).toMatchObject({ status: 'failed', detail: expect.stringContaining('does not recognise the access key') });
    const everything = [JSON.stringify(result), inspect(result, { depth: 20 }), ...logged].join('\n');
    expect(everything).not.toContain('wJalr');
    expect(everything).not.toContain(encodeURIComponent(SECRET));
  });

  it('refuses private and loopback endpoints by default', async () => {
    const { deps, targets } = depsWith({ isEndpointAllowed: undefined });
    const local = `s3://AK:${encodeURIComponent(SECRET)}@127.0.0.1:9000/${BUCKET}?region=us-east-1&tls=false`;

    const error = await verifyExisting(deps, { connectionString: local }).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).errors).toEqual([{ path: 'connectionString.host', message: expect.stringContaining('public address') }]);
    expect(String((error as Error).message)).not.toContain('wJalr');
    expect(targets).toEqual([]);
  });

  it.each([
    ['http://127.0.0.1:9000', false],
    ['http://10.2.3.4', false],
    ['http://169.254.169.254', false],
    ['http://[::1]:9000', false],
    ['http://[fd00::1]', false],
    ['http://[::ffff:169.254.169.254]', false],
    ['http://localhost:9000', false],
    ['https://minio.example.com', true],
    // Documentation ranges are not routable: refused like private space (the callback address policy).
    ['https://203.0.113.10', false],
    ['https://[2001:db8::1]', false],
    ['http://100.64.0.1', false],
    ['https://1.1.1.1', true],
    ['https://[2606:4700:4700::1111]', true],
  ])('isPublicEndpoint(%s) is %s', (url, allowed) => {
    expect(isPublicEndpoint(new URL(url))).toBe(allowed);
  });
});
