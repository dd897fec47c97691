import { S3Client } from '@aws-sdk/client-s3';
import { KMSClient } from '@aws-sdk/client-kms';
import { describe, expect, it } from 'vitest';
import { VerifyExistingRequest, verifyExisting, type ClientTarget, type VerifyExistingDeps } from '../../../lib/verify/existing.js';
import { CREDENTIALS, ORIGIN, VENDOR, bucketContents, createBucket, endpoint, realDeps } from './fixtures.js';

/** What the real wiring would do, pointed at the emulator. */
const emulatorClientsFor = (target: ClientTarget) => {
  const checksums = { requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED' } as const;
  if ('endpoint' in target) return { s3: new S3Client({ ...target, ...checksums }) };
  const common = { region: target.region, endpoint: endpoint(), credentials: CREDENTIALS };
  return { s3: new S3Client({ ...common, ...checksums, forcePathStyle: true }), kms: new KMSClient(common) };
};

const deps = (): VerifyExistingDeps => ({
  clientsFor: emulatorClientsFor,
  vendorPrincipalArn: VENDOR,
  ...realDeps(),
  // The emulator is on loopback, which the default endpoint policy (rightly) refuses.
  isEndpointAllowed: () => true,
});

describe('verifyExisting against the emulator', () => {
  it('verifies an AWS bucket by region, name and key', async () => {
    const { bucket, key, s3 } = await createBucket('eu-west-1', 'existing');
    const body = VerifyExistingRequest.parse({ region: 'eu-west-1', bucketName: bucket, roleArn: 'arn:aws:iam::123456789012:role/byob-verifier', encryption: { type: 'sse-kms', kmsKeyArn: key.arn }, cors: { allowedOrigins: [ORIGIN] } });

    const result = await verifyExisting(deps(), body);

    expect(result.verification.status).toBe('passed');
    expect(result.verification.checks).toHaveLength(11);
    expect(await bucketContents(s3, bucket)).toEqual({ versions: [], deleteMarkers: [], objects: [] });
  });

  it('verifies a bucket through a connection string (the emulator standing in for an S3-compatible store)', async () => {
    const { bucket, s3 } = await createBucket('eu-west-1', 'connstr');
    const url = new URL(endpoint());
    const connectionString = `s3://${CREDENTIALS.accessKeyId}:${encodeURIComponent(CREDENTIALS.secretAccessKey)}@${url.host}/${bucket}?region=eu-west-1&tls=false`;
    const body = VerifyExistingRequest.parse({ connectionString, cors: { allowedOrigins: [ORIGIN] } });

    const result = await verifyExisting(deps(), body);

    expect(result.target).toEqual({ kind: 's3-compatible', endpoint: `http://${url.host}`, bucket, region: 'eu-west-1' });
    expect(result.verification.checks.map((c) => [c.id, c.status])).toEqual([
      ['bucket-exists', 'passed'],
      ['bucket-location', 'passed'],
      ['versioning', 'passed'],
      ['cors', 'passed'],
      ['probe', 'passed'],
    ]);
    expect(await bucketContents(s3, bucket)).toEqual({ versions: [], deleteMarkers: [], objects: [] });
  });

  it('reports a missing bucket behind a connection string as one failed check, not an exception', async () => {
    const url = new URL(endpoint());
    const body = VerifyExistingRequest.parse({ connectionString: `s3://testing:testing@${url.host}/byob-verify-does-not-exist?region=eu-west-1&tls=false` });

    const result = await verifyExisting(deps(), body);

    expect(result.verification.status).toBe('failed');
    expect(result.verification.checks.find((c) => c.id === 'bucket-exists')).toMatchObject({ status: 'failed', detail: expect.stringContaining('does not exist'), remediation: expect.any(String) });
    expect(result.verification.checks.filter((c) => c.status === 'failed')).toHaveLength(1);
  });
});
