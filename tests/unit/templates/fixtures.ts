/**
 * Canonical template specs and the seed documents' CORS rules, transcribed by hand from
 * /shared/seeds so the tests check the renderer against the sources, not against its own constants.
 */
import type { ByobTemplateSpec, CorsRule } from '../../../templates/spec.js';

/** Seed 000 (W&B terraform example) CORS XML. */
export const SEED_000_CORS: CorsRule[] = [
  { allowedOrigins: ['*'], allowedMethods: ['GET', 'HEAD', 'PUT'], allowedHeaders: ['*'], exposedHeaders: ['ETag'], maxAgeSeconds: 3000 },
];

/** Seed 003 (W&B BYOB docs) CORS JSON. */
export const SEED_003_CORS: CorsRule[] = [
  { allowedOrigins: ['*'], allowedMethods: ['GET', 'HEAD', 'PUT'], allowedHeaders: ['*'], exposedHeaders: ['ETag'], maxAgeSeconds: 3600 },
];

/** Seed 004 (Valohai) two-rule CORS JSON. */
export const SEED_004_CORS: CorsRule[] = [
  { allowedOrigins: ['*'], allowedMethods: ['GET'], allowedHeaders: ['Authorization'], exposedHeaders: [], maxAgeSeconds: 3000 },
  { allowedOrigins: ['https://app.valohai.com'], allowedMethods: ['POST'], allowedHeaders: ['Authorization'], exposedHeaders: [], maxAgeSeconds: 3000 },
];

/** The W&B deployment account of seeds 000 and 003. */
export const VENDOR_ACCOUNT = '830241207209';

/** The vendor's root principal as the seeds write it. */
export const VENDOR_ROOT = `arn:aws:iam::${VENDOR_ACCOUNT}:root`;

/** The narrower principal W&B's own Terraform module grants: one role of the vendor account. */
export const VENDOR_ROLE = `arn:aws:iam::${VENDOR_ACCOUNT}:role/WandbIntegration`;

/** A customer-managed key ARN. */
export const CUSTOMER_KEY_ARN = 'arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';

/** The registration topic of the quick-create specs. */
export const REGISTRATION_TOPIC = `arn:aws:sns:eu-west-1:${VENDOR_ACCOUNT}:byob-registration`;

/** The access role's external id. */
export const EXTERNAL_ID = 'byob-Zm9vYmFyYmF6cXV4cXV1eGNvcmdlZ3Jh';

/** A team-scoped spec with a new KMS key and nothing optional; `overrides` replace top-level fields. */
export const baseSpec = (overrides: Partial<ByobTemplateSpec> = {}): ByobTemplateSpec => ({
  templateVersion: '1.0.0',
  requestId: 'byob_01JAAAAAAAAAAAAAAAAAAAAAAA',
  tenant: 'tenant-acme',
  scope: 'team',
  team: 'omega',
  bucketName: 'acme-omega-artifacts',
  region: 'eu-west-1',
  vendor: { accountId: VENDOR_ACCOUNT, name: 'Weights & Biases', principalArn: VENDOR_ROOT },
  encryption: { type: 'sse-kms' },
  corsRules: SEED_003_CORS,
  accessRole: null,
  tags: { 'cost-center': 'ml' },
  quickCreate: null,
  accessLogBucket: null,
  adopted: null,
  ...overrides,
});

/** A spec with every option on: role, quick-create, access logs. */
export const fullSpec = (overrides: Partial<ByobTemplateSpec> = {}): ByobTemplateSpec =>
  baseSpec({
    accessRole: { externalId: EXTERNAL_ID },
    quickCreate: { registrationTopicArn: REGISTRATION_TOPIC },
    accessLogBucket: 'acme-access-logs',
    ...overrides,
  });

/** The three encryption kinds, by name. */
export const ENCRYPTIONS = {
  'new KMS key': { type: 'sse-kms' },
  'customer KMS key': { type: 'sse-kms', kmsKeyArn: CUSTOMER_KEY_ARN },
  'SSE-S3': { type: 'sse-s3' },
} as const satisfies Record<string, ByobTemplateSpec['encryption']>;
