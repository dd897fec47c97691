import * as z from 'zod/mini';
import { KMS_KEY_ARN_PATTERN, KmsKeyArn, NewBucketName, Origin, Region, RoleArn } from '../identifiers.js';
import '../validation/messages.js';

const TAG_CHARS = /^[\p{L}\p{Z}\p{N}_.:\/=+\-@]*$/u;

const CorsMethod = z.enum(['GET', 'HEAD', 'PUT', 'POST', 'DELETE']);
const HeaderName = z.string().check(z.minLength(1), z.maxLength(128), z.regex(/^(\*|[A-Za-z0-9!#$%&'*+.^_`|~-]+)$/, 'must be a header name or *'));

/** CORS as origins plus optional overrides of the seed defaults (GET/HEAD/PUT, headers *, expose ETag, 3600 s). */
export const CorsOrigins = z.strictObject({
  allowedOrigins: z.array(Origin).check(z.minLength(1), z.maxLength(20)),
  allowedMethods: z.optional(z.array(CorsMethod).check(z.minLength(1), z.maxLength(5))),
  allowedHeaders: z.optional(z.array(HeaderName).check(z.minLength(1), z.maxLength(20))),
  exposedHeaders: z.optional(z.array(HeaderName).check(z.maxLength(20))),
  maxAgeSeconds: z.optional(z.number().check(z.int(), z.gte(0), z.lte(86_400))),
});

/** Seed 004's shape: GET from anywhere, POST from the app origin, Authorization header. */
export const CorsPreset = z.strictObject({
  preset: z.literal('valohai'),
  appOrigin: Origin,
});

/** The request's CORS block. */
export const Cors = z.union([CorsOrigins, CorsPreset]);

// The schemas only POST /byob's body uses are built by calls marked pure (as createByobRequest below),
// so the functions that check only the mutable fields (PATCH) do not build them at start-up.
const encryption = /* @__NO_SIDE_EFFECTS__ */ () =>
  z.discriminatedUnion('type', [
    z.strictObject({
      type: z.literal('sse-kms'),
      kmsKeyArn: z.optional(KmsKeyArn),
    }),
    z.strictObject({ type: z.literal('sse-s3') }),
  ]);

/** Encryption choice: a new KMS key, the customer's key, or S3-managed keys. */
export const Encryption = encryption();

const launch = /* @__NO_SIDE_EFFECTS__ */ () =>
  z.discriminatedUnion('mode', [
    z.strictObject({ mode: z.literal('quick-create') }),
    z.strictObject({
      mode: z.literal('direct'),
      roleArn: z.optional(RoleArn),
    }),
  ]);

/** How the stack is launched. */
export const Launch = launch();

const TagKey = z.string().check(
  z.minLength(1),
  z.maxLength(128),
  z.regex(TAG_CHARS, 'only letters, digits, spaces and _ . : / = + - @'),
  z.refine((k) => !/^(aws:|byob:)/i.test(k), 'must not start with aws: or byob: (reserved)'),
);
const TagValue = z.string().check(z.maxLength(256), z.regex(TAG_CHARS, 'only letters, digits, spaces and _ . : / = + - @'));

/** The request's own tags (never aws:* or byob:*), at most 40. */
export const Tags = z.record(TagKey, TagValue).check(z.refine((t) => Object.keys(t).length <= 40, 'at most 40 tags'));

/** The vendor access role switch. */
export const AccessRole = z.strictObject({ enabled: z.boolean() });

/** Where the request's webhooks go. */
export const CallbackUrl = z.url({ protocol: /^https?$/, error: 'must be an https URL' }).check(z.maxLength(2048));

const team = /* @__NO_SIDE_EFFECTS__ */ () =>
  z.string().check(z.minLength(1), z.maxLength(48), z.regex(/^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/, 'lowercase letters, digits and hyphens'));

/** Team name: used in tags and generated bucket names. */
export const Team = team();

// Built by a call marked pure, so that PATCH /byob/{id}, which checks with the schemas of the fields
// above, drops it from its bundle rather than build it at every cold start (see lib/http/route-params.ts).
const createByobRequest = /* @__NO_SIDE_EFFECTS__ */ () =>
  z
    .strictObject({
      scope: z.enum(['team', 'instance']),
      team: z.optional(Team),
      region: Region,
      bucketName: z.optional(NewBucketName),
      encryption: z._default(Encryption, { type: 'sse-kms' }),
      cors: Cors,
      accessRole: z.optional(AccessRole),
      launch: Launch,
      callbackUrl: z.optional(CallbackUrl),
      tags: z.optional(Tags),
    })
    .check(
      z.superRefine((body, ctx) => {
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
      }),
    );

/** Body of POST /byob. */
export const CreateByobRequest = createByobRequest();

/** A validated POST /byob body. */
export type CreateByobRequest = z.infer<typeof CreateByobRequest>;
