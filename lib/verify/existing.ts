import type { KMSClient } from '@aws-sdk/client-kms';
import type { S3Client } from '@aws-sdk/client-s3';
import * as z from 'zod/mini';
import { isForbiddenAddress } from '../net/address-policy.js';
import { parseIpAddress } from '../net/ip-address.js';
import { ExistingBucketName, KmsKeyArn, Origin, Region, RoleArn } from '../identifiers.js';
import { connectionStringProblems, parseConnectionString } from './connection-string.js';
import { ValidationError } from '../errors.js';
import type { BucketExpectation, VerificationResult } from './checks.js';
import { verifyBucket, type VerifyOptions } from './runner.js';
import type { Clock } from '../clock.js';
import '../validation/messages.js';

/** The encryption the bucket must have. */
export const EncryptionExpectationSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('sse-kms'), kmsKeyArn: KmsKeyArn }),
  z.strictObject({ type: z.literal('sse-s3') }),
]);

const Cors = z.strictObject({ allowedOrigins: z.array(Origin).check(z.minLength(1), z.maxLength(20)) });

const ConnectionString = z.string().check(
  z.minLength(1),
  z.maxLength(2048),
  z.superRefine((value, ctx) => {
    for (const problem of connectionStringProblems(value, '')) {
      const path = problem.path.replace(/^\./, '');
      ctx.addIssue({ code: 'custom', message: problem.message, path: path ? path.split('.') : [] });
    }
  }),
);

/**
 * Body of `POST /byob/verify`: either an AWS bucket (`region`, `bucketName`, `encryption`) or an
 * S3-compatible bucket (`connectionString`, optional `encryption`); `cors` is optional for both. One
 * flat strict object rather than a union, so that every problem is reported on its own field (a zod
 * union reports only "invalid input" when both branches fail).
 */
export const VerifyExistingRequest = z
  .strictObject({
    region: z.optional(Region),
    bucketName: z.optional(ExistingBucketName),
    roleArn: z.optional(RoleArn),
    connectionString: z.optional(ConnectionString),
    encryption: z.optional(EncryptionExpectationSchema),
    cors: z.optional(Cors),
  })
  .check(
    z.superRefine((body, ctx) => {
      if (body.connectionString !== undefined) {
        for (const key of ['region', 'bucketName', 'roleArn'] as const) {
          if (body[key] !== undefined) ctx.addIssue({ code: 'custom', path: [key], message: 'must not be given with connectionString (it carries the bucket and region)' });
        }
        return;
      }
      for (const key of ['region', 'bucketName', 'encryption'] as const) {
        if (body[key] === undefined) ctx.addIssue({ code: 'custom', path: [key], message: 'is required (or give connectionString instead)' });
      }
      if (body.roleArn === undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['roleArn'],
          message: "is required: a role in the bucket owner's account that trusts the vendor account with your ExternalId (GET /byob/settings); the bucket is checked as that role",
        });
      }
    }),
  )
  .register(z.globalRegistry, {
    description: "Either region, bucketName, encryption and roleArn (an AWS bucket, checked as that role assumed with the tenant's ExternalId), or connectionString (an S3-compatible bucket).",
  });

/** A validated `POST /byob/verify` body. */
export type VerifyExistingRequest = z.infer<typeof VerifyExistingRequest>;

/** Where `clientsFor` must point the clients it builds. */
export type ClientTarget =
  | { region: string; roleArn: string }
  | { endpoint: string; credentials: { accessKeyId: string; secretAccessKey: string }; region: string; forcePathStyle: true };

/** What {@link verifyExisting} needs; the caller builds the real clients. */
export interface VerifyExistingDeps {
  clientsFor: (target: ClientTarget) => { s3: S3Client; kms?: KMSClient };
  vendorPrincipalArn: string;
  clock: Clock;
  randomId: () => string;
  sleep?: (ms: number) => Promise<void>;
  /**
   * Whether the service may connect to a connection string's endpoint. The default refuses literal
   * loopback, private, link-local and metadata addresses and "localhost"; names that resolve to such
   * addresses must be stopped where the connection is made (the request handler given to the S3 client).
   */
  isEndpointAllowed?: (endpoint: URL) => boolean | Promise<boolean>;
  options?: VerifyOptions;
}

/** The answer of `POST /byob/verify`; it never carries the secret. */
export interface VerifyExistingResult {
  target: { kind: 'aws'; region: string; bucketName: string } | { kind: 's3-compatible'; endpoint: string; bucket: string; region: string };
  verification: VerificationResult;
}

/** The default endpoint policy: no literal loopback, private, link-local or metadata address, no "localhost". */
export const isPublicEndpoint = (endpoint: URL): boolean => {
  const host = endpoint.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (host === 'localhost' || host.endsWith('.localhost') || host.endsWith('.internal')) return false;
  // One address policy for every outbound connection the API makes on a customer's word (callbacks too).
  return parseIpAddress(host) === null || isForbiddenAddress(host, { allowLoopback: false }) === null;
};

/**
 * The use case behind `POST /byob/verify`: checks an existing bucket without provisioning anything.
 * An AWS target gets every check. A connection-string target (MinIO and other S3-compatible stores)
 * gets bucket-location, versioning, cors (when origins are given), encryption (when given) and the
 * probe; public-access-block, ownership, bucket-policy and the KMS checks are AWS-only and are listed
 * in `verification.skipped`. Throws {@link ValidationError} for a bad or disallowed connection string.
 */
export const verifyExisting = async (deps: VerifyExistingDeps, body: VerifyExistingRequest): Promise<VerifyExistingResult> => {
  const requiredOrigins = body.cors?.allowedOrigins ?? [];
  const verifyDeps = { clock: deps.clock, randomId: deps.randomId, sleep: deps.sleep };
  if (body.connectionString !== undefined) {
    const parsed = parseConnectionString(body.connectionString);
    const allowed = await (deps.isEndpointAllowed ?? isPublicEndpoint)(new URL(parsed.endpoint));
    if (!allowed) {
      throw new ValidationError([{ path: 'connectionString.host', message: 'must be a public address: loopback, private, link-local and metadata addresses are not allowed' }]);
    }
    const { s3 } = deps.clientsFor({
      endpoint: parsed.endpoint,
      credentials: { accessKeyId: parsed.accessKeyId, secretAccessKey: parsed.secretAccessKey.reveal() },
      region: parsed.region,
      forcePathStyle: true,
    });
    const expectation: BucketExpectation = {
      bucketName: parsed.bucket,
      region: parsed.region,
      encryption: body.encryption ?? null,
      requiredOrigins,
      vendorPrincipalArn: deps.vendorPrincipalArn,
      probe: true,
      target: 's3-compatible',
    };
    const verification = await verifyBucket({ ...verifyDeps, s3 }, expectation, deps.options);
    return { target: { kind: 's3-compatible', endpoint: parsed.endpoint, bucket: parsed.bucket, region: parsed.region }, verification };
  }
  const { region, bucketName, encryption, roleArn } = body;
  if (!region || !bucketName || !encryption || !roleArn) {
    throw new ValidationError([{ path: '', message: 'give either region, bucketName, encryption and roleArn, or connectionString' }]);
  }
  const { s3, kms } = deps.clientsFor({ region, roleArn });
  const expectation: BucketExpectation = {
    bucketName,
    region,
    encryption,
    requiredOrigins,
    vendorPrincipalArn: deps.vendorPrincipalArn,
    probe: true,
    target: 'aws',
  };
  const verification = await verifyBucket({ ...verifyDeps, s3, kms }, expectation, deps.options);
  return { target: { kind: 'aws', region, bucketName }, verification };
};
