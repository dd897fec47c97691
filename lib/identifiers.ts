import { isIPv4 } from 'node:net';
import * as z from 'zod/mini';
import './validation/messages.js';

// One schema per AWS identifier, used by every request body, the configuration and the registration
// handler alike, so that two places can never disagree on what a region, an ARN or an id is.
//
// Each is built by a call marked pure: a zod/mini `.check()` is a method call, which a bundler keeps
// even when nothing uses its schema, so without the marks every function would build them all at start-up.

/** A string schema that must match `pattern`. */
const matching = /* @__NO_SIDE_EFFECTS__ */ (pattern: RegExp, message: string) => z.string().check(z.regex(pattern, message));

/**
 * AWS commercial-partition region codes (partition `aws`) that offer S3, KMS and CloudFormation.
 * GovCloud and China are other partitions (other ARNs, other consoles) and are not offered.
 */
export const AWS_REGIONS = [
  'us-east-1', 'us-east-2', 'us-west-1', 'us-west-2',
  'af-south-1',
  'ap-east-1', 'ap-east-2', 'ap-south-1', 'ap-south-2',
  'ap-southeast-1', 'ap-southeast-2', 'ap-southeast-3', 'ap-southeast-4', 'ap-southeast-5', 'ap-southeast-6', 'ap-southeast-7',
  'ap-northeast-1', 'ap-northeast-2', 'ap-northeast-3',
  'ca-central-1', 'ca-west-1',
  'eu-central-1', 'eu-central-2', 'eu-west-1', 'eu-west-2', 'eu-west-3', 'eu-south-1', 'eu-south-2', 'eu-north-1',
  'il-central-1', 'me-south-1', 'me-central-1', 'mx-central-1', 'sa-east-1',
] as const;

/** One AWS region code. */
export type AwsRegion = (typeof AWS_REGIONS)[number];

/** An AWS region code of the commercial partition. */
export const Region = /* @__PURE__ */ z.enum(AWS_REGIONS, { error: 'must be an AWS region code such as eu-west-1' });

/** The pattern of an AWS account id. */
export const ACCOUNT_ID_PATTERN = /^\d{12}$/;

/** An AWS account id (12 digits). */
export const AccountId = matching(ACCOUNT_ID_PATTERN, 'must be a 12-digit AWS account id');

/** An IAM role ARN of the commercial partition; group 1 is the account. */
export const ROLE_ARN_PATTERN = /^arn:aws:iam::(\d{12}):role\/[\w+=,.@\/-]{1,512}$/;

/** An IAM role ARN. */
export const RoleArn = matching(ROLE_ARN_PATTERN, 'must be an IAM role ARN (arn:aws:iam::<account>:role/<name>)');

/**
 * A KMS key ARN (single- or multi-Region key) of the commercial partition; group 1 is the region,
 * group 2 the account. Aliases are not accepted because they can be re-pointed.
 */
export const KMS_KEY_ARN_PATTERN = /^arn:aws:kms:([a-z]{2}(?:-[a-z]+)+-\d):(\d{12}):key\/(?:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|mrk-[0-9a-f]{32})$/;

/** A KMS key ARN. */
export const KmsKeyArn = matching(KMS_KEY_ARN_PATTERN, 'must be a KMS key ARN (arn:aws:kms:<region>:<account>:key/<key-id>)');

/** The pattern of a BYOB request id: `byob_` and a ULID. */
export const REQUEST_ID_PATTERN = /^byob_[0-9A-HJKMNP-TV-Z]{26}$/;

/** A BYOB request id. */
export const RequestId = matching(REQUEST_ID_PATTERN, 'must be a BYOB request id (byob_ followed by 26 characters)');

/** Prefixes and suffixes AWS reserves for its own bucket kinds (access points, directory buckets, …). */
export const RESERVED_BUCKET_PREFIXES = ['xn--', 'sthree-', 'amzn-s3-demo-'] as const;
/** Suffixes AWS reserves for its own bucket kinds. */
export const RESERVED_BUCKET_SUFFIXES = ['-s3alias', '--ol-s3', '.mrap', '--x-s3', '--table-s3'] as const;

const BUCKET_CORE = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

/**
 * Why `name` is not a valid bucket name, or null when it is. `aws` adds the rules only AWS S3 has
 * (reserved prefixes and suffixes; S3-compatible stores share the core rules); `dots: false` is the
 * rule for buckets we create, because dots break TLS on virtual-hosted URLs.
 */
export const bucketNameProblem = (name: string, { aws = true, dots = true }: { aws?: boolean; dots?: boolean } = {}): string | null => {
  if (name.length < 3 || name.length > 63) return 'must be 3 to 63 characters long';
  if (!dots && name.includes('.')) return 'must not contain dots (they break TLS on virtual-hosted URLs): use lower-case letters, digits and hyphens';
  if (!BUCKET_CORE.test(name)) {
    return 'may contain only lower-case letters, digits, dots and hyphens, and must begin and end with a letter or digit';
  }
  if (name.includes('..')) return 'must not contain two adjacent dots';
  if (isIPv4(name)) return 'must not be formatted as an IP address';
  if (aws) {
    if (name.includes('.-') || name.includes('-.')) return 'must not contain a dot next to a hyphen';
    const prefix = RESERVED_BUCKET_PREFIXES.find((p) => name.startsWith(p));
    if (prefix) return `must not start with the reserved prefix "${prefix}"`;
    const suffix = RESERVED_BUCKET_SUFFIXES.find((s) => name.endsWith(s));
    if (suffix) return `must not end with the reserved suffix "${suffix}"`;
  }
  return null;
};

// Length and characters are declared as schema facets too, so the OpenAPI document shows them.
const bucketName = /* @__NO_SIDE_EFFECTS__ */ (rules: { dots: boolean }) =>
  z.string().check(
    z.minLength(3, 'must be 3 to 63 characters long'),
    z.maxLength(63, 'must be 3 to 63 characters long'),
    z.regex(rules.dots ? BUCKET_CORE : /^[a-z0-9][a-z0-9-]*[a-z0-9]$/, rules.dots
      ? 'may contain only lower-case letters, digits, dots and hyphens, and must begin and end with a letter or digit'
      : 'may contain only lower-case letters, digits and hyphens (no dots: they break TLS on virtual-hosted URLs), and must begin and end with a letter or digit'),
    z.superRefine((name, ctx) => {
      const problem = bucketNameProblem(name, rules);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    }),
  );

/** A name for a bucket we create: AWS's rules, without dots. */
export const NewBucketName = bucketName({ dots: false });

/** The name of an existing AWS bucket: AWS's rules (older buckets may contain dots). */
export const ExistingBucketName = bucketName({ dots: true });

const ORIGIN = /^https:\/\/(?:\*\.)?[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*(?::\d{1,5})?$/;

const origin = /* @__NO_SIDE_EFFECTS__ */ () =>
  z.string().check(z.maxLength(253), z.refine((o) => o === '*' || ORIGIN.test(o), 'must be "*" or an https origin such as https://app.example.com (no path)'));

/** A browser origin a bucket's CORS must allow: an https origin (scheme, host, optional port; one leading `*.`) or `*`. */
export const Origin = origin();
