import * as z from 'zod';
import { KMS_KEY_ARN_PATTERN, KmsKeyArn, NewBucketName, Origin, Region, RoleArn } from '../identifiers.js';
import { Status } from './state-machine.js';

const TAG_CHARS = /^[\p{L}\p{Z}\p{N}_.:\/=+\-@]*$/u;

const CorsMethod = z.enum(['GET', 'HEAD', 'PUT', 'POST', 'DELETE']);
const HeaderName = z.string().min(1).max(128).regex(/^(\*|[A-Za-z0-9!#$%&'*+.^_`|~-]+)$/, 'must be a header name or *');

/** CORS as origins plus optional overrides of the seed defaults (GET/HEAD/PUT, headers *, expose ETag, 3600 s). */
export const CorsOrigins = z.strictObject({
  allowedOrigins: z.array(Origin).min(1).max(20),
  allowedMethods: z.array(CorsMethod).min(1).max(5).optional(),
  allowedHeaders: z.array(HeaderName).min(1).max(20).optional(),
  exposedHeaders: z.array(HeaderName).max(20).optional(),
  maxAgeSeconds: z.number().int().min(0).max(86_400).optional(),
});

/** Seed 004's shape: GET from anywhere, POST from the app origin, Authorization header. */
export const CorsPreset = z.strictObject({
  preset: z.literal('valohai'),
  appOrigin: Origin,
});

/** The request's CORS block. */
export const Cors = z.union([CorsOrigins, CorsPreset]);

/** Encryption choice: a new KMS key, the customer's key, or S3-managed keys. */
export const Encryption = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('sse-kms'),
    kmsKeyArn: KmsKeyArn.optional(),
  }),
  z.strictObject({ type: z.literal('sse-s3') }),
]);

/** How the stack is launched. */
export const Launch = z.discriminatedUnion('mode', [
  z.strictObject({ mode: z.literal('quick-create') }),
  z.strictObject({
    mode: z.literal('direct'),
    roleArn: RoleArn.optional(),
  }),
]);

const TagKey = z
  .string()
  .min(1)
  .max(128)
  .regex(TAG_CHARS, 'only letters, digits, spaces and _ . : / = + - @')
  .refine((k) => !/^(aws:|byob:)/i.test(k), 'must not start with aws: or byob: (reserved)');
const TagValue = z.string().max(256).regex(TAG_CHARS, 'only letters, digits, spaces and _ . : / = + - @');

/** Team name: used in tags and generated bucket names. */
export const Team = z.string().min(1).max(48).regex(/^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/, 'lowercase letters, digits and hyphens');

/** Body of POST /byob. */
export const CreateByobRequest = z
  .strictObject({
    scope: z.enum(['team', 'instance']),
    team: Team.optional(),
    region: Region,
    bucketName: NewBucketName.optional(),
    encryption: Encryption.default({ type: 'sse-kms' }),
    cors: Cors,
    accessRole: z.strictObject({ enabled: z.boolean() }).optional(),
    launch: Launch,
    callbackUrl: z.url({ protocol: /^https?$/, error: 'must be an https URL' }).max(2048).optional(),
    tags: z
      .record(TagKey, TagValue)
      .refine((t) => Object.keys(t).length <= 40, 'at most 40 tags')
      .optional(),
  })
  .superRefine((body, ctx) => {
    if (body.scope === 'team' && !body.team) {
      ctx.addIssue({ code: 'custom', path: ['team'], message: 'is required when scope is "team"' });
    }
    if (body.scope === 'instance' && body.team) {
      ctx.addIssue({ code: 'custom', path: ['team'], message: 'must be absent when scope is "instance"' });
    }
    const keyArn = body.encryption.type === 'sse-kms' ? body.encryption.kmsKeyArn : undefined;
    const keyRegion = keyArn ? KMS_KEY_ARN_PATTERN.exec(keyArn)?.[1] : undefined;
    if (keyRegion && keyRegion !== body.region) {
      ctx.addIssue({
        code: 'custom',
        path: ['encryption', 'kmsKeyArn'],
        message: `must be a key in the bucket's region ${body.region} (SSE-KMS needs a same-region key)`,
      });
    }
  });

/** A validated POST /byob body. */
export type CreateByobRequest = z.infer<typeof CreateByobRequest>;

const Check = z.object({
  id: z.string(),
  status: z.enum(['passed', 'failed', 'warning']),
  detail: z.string(),
  remediation: z.string().optional(),
  /** AWS CLI commands, run as the bucket owner, that restore what the check expects and keep everything else. */
  commands: z.array(z.string()).optional(),
});

const Drift = z.object({
  status: z.enum(['IN_SYNC', 'DRIFTED', 'UNKNOWN']),
  checkedAt: z.string(),
  resources: z.array(
    z.object({
      logicalId: z.string(),
      resourceType: z.string(),
      status: z.enum(['IN_SYNC', 'MODIFIED', 'DELETED', 'NOT_CHECKED', 'UNKNOWN']),
      differences: z.array(
        z.object({ path: z.string(), type: z.enum(['ADD', 'REMOVE', 'NOT_EQUAL']), expected: z.string().nullable(), actual: z.string().nullable() }),
      ),
    }),
  ),
  detail: z.string().optional(),
});

/** The public view of a BYOB request (GET /byob/{id}). */
export const ByobView = z.object({
  id: z.string(),
  status: Status,
  scope: z.enum(['team', 'instance']),
  team: z.string().nullable(),
  region: z.string(),
  bucketName: z.string(),
  encryption: z.object({ type: z.enum(['sse-kms', 'sse-s3']), kmsKeyArn: z.string().optional() }),
  launch: z.object({
    mode: z.enum(['direct', 'quick-create']),
    roleArn: z.string().nullable(),
    stackName: z.string(),
    stackId: z.string().nullable(),
    stackStatus: z.string().nullable(),
  }),
  quickCreateUrl: z.string().nullable(),
  quickCreateExpiresAt: z.string().nullable(),
  onboardingUrl: z.string().nullable().describe('The customer\'s onboarding page (no bearer token needed; expires, revocable). Present in authenticated answers, never in webhooks.'),
  outputs: z
    .object({
      bucketName: z.string(),
      bucketArn: z.string(),
      kmsKeyArn: z.string().nullable(),
      region: z.string(),
      roleArn: z.string().nullable(),
      accountId: z.string().nullable(),
    })
    .nullable(),
  verification: z
    .object({ status: z.enum(['passed', 'failed', 'warning']), checkedAt: z.string(), checks: z.array(Check) })
    .nullable(),
  /** The last drift detection of the stack (direct mode); null where the stack is not in reach or not yet checked. */
  drift: Drift.nullable(),
  failure: z.object({ code: z.string(), message: z.string(), resource: z.string().nullable() }).nullable(),
  callback: z
    .object({
      url: z.string(),
      status: z.enum(['idle', 'pending', 'delivered', 'failed', 'gone']),
      attempts: z.number(),
      lastAttemptAt: z.string().nullable(),
      lastError: z.string().nullable(),
      nextAttemptAt: z.string().nullable(),
    })
    .nullable(),
  tags: z.record(z.string(), z.string()),
  createdAt: z.string(),
  updatedAt: z.string(),
});
/** The public record. */
export type ByobView = z.infer<typeof ByobView>;
