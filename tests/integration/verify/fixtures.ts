import { VENDOR_BUCKET_ACTIONS } from '../../../templates/grants.js';
import { randomUUID } from 'node:crypto';
import {
  CreateBucketCommand,
  ListObjectVersionsCommand,
  ListObjectsV2Command,
  PutBucketCorsCommand,
  PutBucketEncryptionCommand,
  PutBucketOwnershipControlsCommand,
  PutBucketPolicyCommand,
  PutBucketVersioningCommand,
  PutPublicAccessBlockCommand,
  S3Client,
  type CORSRule,
  type ServerSideEncryptionRule,
} from '@aws-sdk/client-s3';
import { CreateKeyCommand, EnableKeyRotationCommand, KMSClient } from '@aws-sdk/client-kms';
import { inject } from 'vitest';

export const VENDOR = 'arn:aws:iam::830241207209:root';
export const ORIGIN = 'https://app.example.com';
export const VENDOR_ACTIONS: string[] = [...VENDOR_BUCKET_ACTIONS];
export const CREDENTIALS = { accessKeyId: 'testing', secretAccessKey: 'testing' };

export const endpoint = () => inject('emulatorEndpoint');

/** Clients for the emulator, configured as notes.md says moto needs. */
export const clients = (region: string) => {
  const common = { region, endpoint: endpoint(), credentials: CREDENTIALS };
  return {
    s3: new S3Client({ ...common, forcePathStyle: true, requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED' }),
    kms: new KMSClient(common),
  };
};

export const uniqueBucket = (label: string) => `byob-verify-${label}-${randomUUID().slice(0, 8)}`;

export const vendorPolicy = (bucket: string, actions = VENDOR_ACTIONS) =>
  JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      { Sid: 'VendorAccess', Effect: 'Allow', Principal: { AWS: VENDOR }, Action: actions, Resource: [`arn:aws:s3:::${bucket}`, `arn:aws:s3:::${bucket}/*`] },
      { Sid: 'DenyInsecureTransport', Effect: 'Deny', Principal: '*', Action: 's3:*', Resource: [`arn:aws:s3:::${bucket}`, `arn:aws:s3:::${bucket}/*`], Condition: { Bool: { 'aws:SecureTransport': 'false' } } },
    ],
  });

export const createKey = async (kms: KMSClient, { rotation = true } = {}) => {
  const key = await kms.send(new CreateKeyCommand({ KeyUsage: 'ENCRYPT_DECRYPT', Description: 'byob verify test' }));
  const meta = key.KeyMetadata;
  if (!meta?.Arn || !meta.KeyId) throw new Error('CreateKey returned no key');
  if (rotation) await kms.send(new EnableKeyRotationCommand({ KeyId: meta.KeyId }));
  return { arn: meta.Arn, id: meta.KeyId };
};

/** Overrides of single settings, to break exactly one thing. */
export interface BucketSetup {
  objectLock?: boolean;
  versioning?: 'Enabled' | 'Suspended';
  encryptionRule?: (keyArn: string) => ServerSideEncryptionRule;
  /** Encrypt with a second, real key instead of the expected one. */
  encryptWithOtherKey?: boolean;
  cors?: CORSRule[];
  publicAccessBlock?: { BlockPublicAcls: boolean; IgnorePublicAcls: boolean; BlockPublicPolicy: boolean; RestrictPublicBuckets: boolean };
  ownership?: 'BucketOwnerEnforced' | 'ObjectWriter' | 'BucketOwnerPreferred';
  policy?: (bucket: string) => string;
  keyRotation?: boolean;
}

/** A bucket set up by direct API calls as the template would, with `setup` changing single settings. */
export const createBucket = async (region: string, label: string, setup: BucketSetup = {}) => {
  const { s3, kms } = clients(region);
  const bucket = uniqueBucket(label);
  const key = await createKey(kms, { rotation: setup.keyRotation ?? true });
  await s3.send(
    new CreateBucketCommand({
      Bucket: bucket,
      ObjectLockEnabledForBucket: setup.objectLock,
      CreateBucketConfiguration: region === 'us-east-1' ? undefined : { LocationConstraint: region as 'eu-west-1' },
    }),
  );
  await s3.send(new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: setup.versioning ?? 'Enabled' } }));
  const bucketKeyArn = setup.encryptWithOtherKey ? (await createKey(kms)).arn : key.arn;
  const rule = setup.encryptionRule?.(key.arn) ?? { ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: bucketKeyArn }, BucketKeyEnabled: true };
  await s3.send(new PutBucketEncryptionCommand({ Bucket: bucket, ServerSideEncryptionConfiguration: { Rules: [rule] } }));
  await s3.send(
    new PutBucketCorsCommand({
      Bucket: bucket,
      CORSConfiguration: { CORSRules: setup.cors ?? [{ AllowedOrigins: [ORIGIN], AllowedMethods: ['GET', 'HEAD', 'PUT'], AllowedHeaders: ['*'], ExposeHeaders: ['ETag'], MaxAgeSeconds: 3600 }] },
    }),
  );
  await s3.send(new PutBucketPolicyCommand({ Bucket: bucket, Policy: setup.policy?.(bucket) ?? vendorPolicy(bucket) }));
  await s3.send(
    new PutPublicAccessBlockCommand({
      Bucket: bucket,
      PublicAccessBlockConfiguration: setup.publicAccessBlock ?? { BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: true, RestrictPublicBuckets: true },
    }),
  );
  await s3.send(new PutBucketOwnershipControlsCommand({ Bucket: bucket, OwnershipControls: { Rules: [{ ObjectOwnership: setup.ownership ?? 'BucketOwnerEnforced' }] } }));
  return { bucket, key, s3, kms };
};

/** Everything in the bucket: objects, versions and delete markers. */
export const bucketContents = async (s3: S3Client, bucket: string) => {
  const versions = await s3.send(new ListObjectVersionsCommand({ Bucket: bucket }));
  const objects = await s3.send(new ListObjectsV2Command({ Bucket: bucket }));
  return {
    versions: versions.Versions ?? [],
    deleteMarkers: versions.DeleteMarkers ?? [],
    objects: objects.Contents ?? [],
  };
};

let counter = 0;
/** Real clock and sleep (the emulator is real), unique probe ids. */
export const realDeps = () => ({
  clock: () => new Date(),
  randomId: () => `it-${process.pid}-${++counter}-${randomUUID().slice(0, 8)}`,
});
