import * as z from 'zod/mini';
import { accountRootArn } from '../templates/grants.js';
import { TEMPLATE_VERSION } from '../templates/version.js';
import { once } from './wiring/once.js';
import { ACCOUNT_ID_PATTERN, AWS_REGIONS, ROLE_ARN_PATTERN } from './identifiers.js';
import { DEFAULT_REVERIFY_INTERVAL, MAX_REVERIFY_INTERVAL_MS, MIN_REVERIFY_INTERVAL_MS, parseIsoDuration } from './provisioning/reverify-schedule.js';
import './validation/messages.js';

const bool = z.pipe(
  z.enum(['true', 'false', '1', '0']),
  z.transform((v) => v === 'true' || v === '1'),
);

// Variables of the same kind share one schema (schemas are immutable and the variable's name comes from
// the object): fewer schemas to build at every cold start, the same checks and messages.
const region = z.enum(AWS_REGIONS);
const csvRegions = z.pipe(
  z.pipe(z.string(), z.transform((s) => s.split(',').map((r) => r.trim()).filter(Boolean))),
  z.array(region).check(z.minLength(1)),
);
const accountId = z.string().check(z.regex(ACCOUNT_ID_PATTERN, 'a 12-digit AWS account id'));
const tableName = z.string().check(z.minLength(3));
const topicName = z.string().check(z.minLength(1), z.maxLength(256));
const nonEmpty = z.string().check(z.minLength(1));
const optionalText = z.optional(z.string());
const optionalUrl = z.optional(z.url());

const wholeNumber = (max: number, fallback: number) => z._default(z.coerce.number().check(z.int(), z.gte(1), z.lte(max)), fallback);

const linkSecret = z.string().check(z.minLength(32, 'at least 32 characters of secret (e.g. openssl rand -base64 48)'));
const isoInterval = z.pipe(
  z.pipe(
    z.string(),
    z.transform((text, ctx) => {
      const ms = parseIsoDuration(text);
      if (ms === null) {
        ctx.issues.push({ code: 'custom', message: 'an ISO-8601 duration of weeks, days, hours, minutes or seconds, e.g. P1D, PT12H, PT30S', input: text });
        return z.NEVER;
      }
      return ms;
    }),
  ),
  z.number().check(z.gte(MIN_REVERIFY_INTERVAL_MS, 'at least PT10S'), z.lte(MAX_REVERIFY_INTERVAL_MS, 'at most P90D')),
);

const EnvSchema = z
  .object({
    LOCAL_MODE: z._default(bool, false),
    AWS_REGION: region,
    AWS_ENDPOINT_URL: optionalUrl,
    TABLE_NAME: tableName,
    IDEMPOTENCY_TABLE_NAME: tableName,
    SERVICE_ACCOUNT_ID: accountId,
    TEMPLATES_BUCKET_PREFIX: z.string().check(z.regex(/^[a-z0-9][a-z0-9-]{1,40}$/, 'lowercase letters, digits and hyphens')),
    STACK_EVENTS_TOPIC_NAME: topicName,
    REGISTRATION_TOPIC_NAME: topicName,
    VENDOR_ACCOUNT_ID: accountId,
    VENDOR_NAME: z._default(z.string().check(z.minLength(1), z.maxLength(80)), 'Example Vendor'),
    VENDOR_PRINCIPAL: z._default(
      z.string().check(z.refine((p) => p === 'root' || ROLE_ARN_PATTERN.test(p), '"root" or an IAM role ARN (arn:aws:iam::<VENDOR_ACCOUNT_ID>:role/<name>)')),
      'root',
    ),
    SUPPORTED_REGIONS: z._default(csvRegions, [...AWS_REGIONS]),
    AUTH_ISSUER: nonEmpty,
    AUTH_AUDIENCE: nonEmpty,
    AUTH_JWKS: optionalText,
    AUTH_JWKS_URL: optionalUrl,
    AUTH_TENANT_CLAIM: z._default(nonEmpty, 'tenant'),
    QUICK_CREATE_TTL_HOURS: wholeNumber(24 * 30, 72),
    STATUS_DEADLINE_MINUTES: wholeNumber(24 * 60, 30),
    ACCESS_LOG_BUCKET: optionalText,
    QUICK_CREATE_LINK_KEY: z.optional(linkSecret),
    STACK_EXECUTION_ROLE_ARN: z.optional(z.string().check(z.regex(ROLE_ARN_PATTERN, 'an IAM role ARN'))),
    DELIVERY_QUEUE_URL: optionalUrl,
    PUBLIC_BASE_URL: z.optional(
      z.pipe(
        z.url({ protocol: /^https?$/ }).check(z.refine((u) => !/[?#]/.test(u), 'an origin and optional base path, without query or fragment')),
        z.transform((u) => u.replace(/\/+$/, '')),
      ),
    ),
    ONBOARDING_LINK_KEY: z.optional(linkSecret),
    ONBOARDING_TTL_HOURS: wholeNumber(24 * 30, 24 * 7),
    ONBOARDING_FRAME_ANCESTORS: z._default(
      z.pipe(
        z.pipe(z.string(), z.transform((s) => s.split(/\s+/).filter(Boolean))),
        z.array(z.string().check(z.regex(/^https:\/\/[a-z0-9.-]+(?::\d{1,5})?$/, 'space-separated https origins'))).check(z.maxLength(10)),
      ),
      [],
    ),
    REVERIFY_INTERVAL: z.prefault(isoInterval, DEFAULT_REVERIFY_INTERVAL),
    TEMPLATE_VERSION: z._default(z.string().check(z.regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$/, 'up to 32 letters, digits, dots, hyphens or underscores, e.g. 2026-11-24.1')), TEMPLATE_VERSION),
  })
  .check(
    z.refine((e) => Boolean(e.AUTH_JWKS) !== Boolean(e.AUTH_JWKS_URL), {
      message: 'set exactly one of AUTH_JWKS (inline JWKS JSON) or AUTH_JWKS_URL',
      path: ['AUTH_JWKS'],
    }),
    // Every grant names the vendor's account; a role elsewhere would share each customer's bucket with a third account.
    z.refine((e) => e.VENDOR_PRINCIPAL === 'root' || ROLE_ARN_PATTERN.exec(e.VENDOR_PRINCIPAL)?.[1] === e.VENDOR_ACCOUNT_ID, {
      message: 'must be a role in the vendor account VENDOR_ACCOUNT_ID (or "root"): every bucket, key and role trust grants it',
      path: ['VENDOR_PRINCIPAL'],
    }),
  );

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
  /** `principalArn`: whom every bucket policy, key policy and role trust grants (VENDOR_PRINCIPAL). */
  vendor: { accountId: string; name: string; principalArn: string };
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
  /** The latest template version (TEMPLATE_VERSION; the renderer's own by default): new stacks and updates are rendered at it. */
  templateVersion: string;
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
    vendor: {
      accountId: e.VENDOR_ACCOUNT_ID,
      name: e.VENDOR_NAME,
      principalArn: e.VENDOR_PRINCIPAL === 'root' ? accountRootArn(e.VENDOR_ACCOUNT_ID) : e.VENDOR_PRINCIPAL,
    },
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
    templateVersion: e.TEMPLATE_VERSION,
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
