import * as z from 'zod';
import { once } from './wiring/once.js';
import { ACCOUNT_ID_PATTERN, AWS_REGIONS, ROLE_ARN_PATTERN } from './identifiers.js';
import { DEFAULT_REVERIFY_INTERVAL, MAX_REVERIFY_INTERVAL_MS, MIN_REVERIFY_INTERVAL_MS, parseIsoDuration } from './provisioning/reverify-schedule.js';

const bool = z
  .enum(['true', 'false', '1', '0'])
  .transform((v) => v === 'true' || v === '1');

const csvRegions = z
  .string()
  .transform((s) => s.split(',').map((r) => r.trim()).filter(Boolean))
  .pipe(z.array(z.enum(AWS_REGIONS)).min(1));

const linkSecret = z.string().min(32, 'at least 32 characters of secret (e.g. openssl rand -base64 48)');
const isoInterval = z
  .string()
  .transform((text, ctx) => {
    const ms = parseIsoDuration(text);
    if (ms === null) {
      ctx.addIssue({ code: 'custom', message: 'an ISO-8601 duration of weeks, days, hours, minutes or seconds, e.g. P1D, PT12H, PT30S' });
      return z.NEVER;
    }
    return ms;
  })
  .pipe(z.number().min(MIN_REVERIFY_INTERVAL_MS, 'at least PT10S').max(MAX_REVERIFY_INTERVAL_MS, 'at most P90D'));

const EnvSchema = z
  .object({
    LOCAL_MODE: bool.default(false),
    AWS_REGION: z.enum(AWS_REGIONS),
    AWS_ENDPOINT_URL: z.url().optional(),
    TABLE_NAME: z.string().min(3),
    IDEMPOTENCY_TABLE_NAME: z.string().min(3),
    SERVICE_ACCOUNT_ID: z.string().regex(ACCOUNT_ID_PATTERN, 'a 12-digit AWS account id'),
    TEMPLATES_BUCKET_PREFIX: z.string().regex(/^[a-z0-9][a-z0-9-]{1,40}$/, 'lowercase letters, digits and hyphens'),
    STACK_EVENTS_TOPIC_NAME: z.string().min(1).max(256),
    REGISTRATION_TOPIC_NAME: z.string().min(1).max(256),
    VENDOR_ACCOUNT_ID: z.string().regex(ACCOUNT_ID_PATTERN, 'a 12-digit AWS account id'),
    VENDOR_NAME: z.string().min(1).max(80).default('Example Vendor'),
    SUPPORTED_REGIONS: csvRegions.default([...AWS_REGIONS]),
    AUTH_ISSUER: z.string().min(1),
    AUTH_AUDIENCE: z.string().min(1),
    AUTH_JWKS: z.string().optional(),
    AUTH_JWKS_URL: z.url().optional(),
    AUTH_TENANT_CLAIM: z.string().min(1).default('tenant'),
    QUICK_CREATE_TTL_HOURS: z.coerce.number().int().min(1).max(24 * 30).default(72),
    STATUS_DEADLINE_MINUTES: z.coerce.number().int().min(1).max(24 * 60).default(30),
    ACCESS_LOG_BUCKET: z.string().optional(),
    QUICK_CREATE_LINK_KEY: linkSecret.optional(),
    STACK_EXECUTION_ROLE_ARN: z.string().regex(ROLE_ARN_PATTERN, 'an IAM role ARN').optional(),
    DELIVERY_QUEUE_URL: z.url().optional(),
    PUBLIC_BASE_URL: z
      .url({ protocol: /^https?$/ })
      .refine((u) => !/[?#]/.test(u), 'an origin and optional base path, without query or fragment')
      .transform((u) => u.replace(/\/+$/, ''))
      .optional(),
    ONBOARDING_LINK_KEY: linkSecret.optional(),
    ONBOARDING_TTL_HOURS: z.coerce.number().int().min(1).max(24 * 30).default(24 * 7),
    ONBOARDING_FRAME_ANCESTORS: z
      .string()
      .transform((s) => s.split(/\s+/).filter(Boolean))
      .pipe(z.array(z.string().regex(/^https:\/\/[a-z0-9.-]+(?::\d{1,5})?$/, 'space-separated https origins')).max(10))
      .default([]),
    REVERIFY_INTERVAL: isoInterval.prefault(DEFAULT_REVERIFY_INTERVAL),
  })
  .refine((e) => Boolean(e.AUTH_JWKS) !== Boolean(e.AUTH_JWKS_URL), {
    message: 'set exactly one of AUTH_JWKS (inline JWKS JSON) or AUTH_JWKS_URL',
    path: ['AUTH_JWKS'],
  });

/** The service's configuration, read once from the environment. */
export interface Config {
  localMode: boolean;
  region: string;
  endpoint: string | undefined;
  tableName: string;
  idempotencyTableName: string;
  serviceAccountId: string;
  templatesBucketPrefix: string;
  stackEventsTopicName: string;
  registrationTopicName: string;
  vendor: { accountId: string; name: string };
  supportedRegions: string[];
  auth: { issuer: string; audience: string; jwks: string | undefined; jwksUrl: string | undefined; tenantClaim: string };
  quickCreateTtlHours: number;
  statusDeadlineMinutes: number;
  accessLogBucket: string | null;
  /** Secret from which quick-create registration tokens are derived; quick-create is off without it. */
  quickCreateLinkKey: string | null;
  /** CloudFormation service role for stacks launched in the vendor's own account (least privilege for the API). */
  stackExecutionRoleArn: string | null;
  /** The webhook delivery queue (SQS FIFO); without it webhooks are sent by the function that made them. */
  deliveryQueueUrl: string | null;
  /** The API's public origin (and base path) for absolute links; the onboarding page is off without it. */
  publicBaseUrl: string | null;
  /** Secret under which onboarding page links are signed; the page is off without it. */
  onboardingLinkKey: string | null;
  /** How long an onboarding page link stays valid after the read that issued it. */
  onboardingTtlHours: number;
  /** Origins (the vendor's portal) allowed to embed the onboarding page; none when empty. */
  onboardingFrameAncestors: string[];
  /** How often every READY request is verified again (REVERIFY_INTERVAL; DEGRADED ones more often, see reverify-schedule.ts). */
  reverifyIntervalMs: number;
}

/** Thrown at cold start naming every bad variable. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Parses an environment into Config; every bad variable is named in one error. */
export const parseConfig = (env: Record<string, string | undefined>): Config => {
  // An empty variable means unset: serverless.yml renders absent optional values as ''.
  const parsed = EnvSchema.safeParse(Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== '')));
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.') || '(env)'}: ${i.message}`);
    throw new ConfigError(`Invalid configuration: ${problems.join('; ')}`);
  }
  const e = parsed.data;
  return {
    localMode: e.LOCAL_MODE,
    region: e.AWS_REGION,
    endpoint: e.AWS_ENDPOINT_URL,
    tableName: e.TABLE_NAME,
    idempotencyTableName: e.IDEMPOTENCY_TABLE_NAME,
    serviceAccountId: e.SERVICE_ACCOUNT_ID,
    templatesBucketPrefix: e.TEMPLATES_BUCKET_PREFIX,
    stackEventsTopicName: e.STACK_EVENTS_TOPIC_NAME,
    registrationTopicName: e.REGISTRATION_TOPIC_NAME,
    vendor: { accountId: e.VENDOR_ACCOUNT_ID, name: e.VENDOR_NAME },
    supportedRegions: e.SUPPORTED_REGIONS,
    auth: {
      issuer: e.AUTH_ISSUER,
      audience: e.AUTH_AUDIENCE,
      jwks: e.AUTH_JWKS,
      jwksUrl: e.AUTH_JWKS_URL,
      tenantClaim: e.AUTH_TENANT_CLAIM,
    },
    quickCreateTtlHours: e.QUICK_CREATE_TTL_HOURS,
    statusDeadlineMinutes: e.STATUS_DEADLINE_MINUTES,
    accessLogBucket: e.ACCESS_LOG_BUCKET ?? null,
    quickCreateLinkKey: e.QUICK_CREATE_LINK_KEY ?? null,
    stackExecutionRoleArn: e.STACK_EXECUTION_ROLE_ARN ?? null,
    deliveryQueueUrl: e.DELIVERY_QUEUE_URL ?? null,
    publicBaseUrl: e.PUBLIC_BASE_URL ?? null,
    onboardingLinkKey: e.ONBOARDING_LINK_KEY ?? null,
    onboardingTtlHours: e.ONBOARDING_TTL_HOURS,
    onboardingFrameAncestors: e.ONBOARDING_FRAME_ANCESTORS,
    reverifyIntervalMs: e.REVERIFY_INTERVAL,
  };
};

/** The process's configuration (the only reader of process.env). */
export const config = /* @__PURE__ */ once((): Config => parseConfig(process.env));

/** Templates bucket for a region: the quick-create console must read the template from the stack's region. */
export const templatesBucketFor = (c: Config, region: string): string => `${c.templatesBucketPrefix}-${region}`;

/** SNS topic ARN that receives CloudFormation stack notifications for stacks in `region`. */
export const stackEventsTopicArn = (c: Config, region: string): string =>
  `arn:aws:sns:${region}:${c.serviceAccountId}:${c.stackEventsTopicName}`;

/** SNS topic ARN used as ServiceToken by quick-create custom resources in `region` (same region as the stack). */
export const registrationTopicArn = (c: Config, region: string): string =>
  `arn:aws:sns:${region}:${c.serviceAccountId}:${c.registrationTopicName}`;
