import {
  GetBucketCorsCommand,
  GetBucketLocationCommand,
  GetBucketOwnershipControlsCommand,
  GetBucketPolicyCommand,
  GetBucketVersioningCommand,
  GetPublicAccessBlockCommand,
  HeadBucketCommand,
  type CORSRule,
} from '@aws-sdk/client-s3';
import { evaluateVendorAccess, globMatch, VENDOR_ACTIONS } from './bucket-policy.js';
import { bucketArnOf, type CheckId } from './checks.js';
import { CallError, failed, passed, warning, type Check, type CheckContext, type Outcome } from './check-context.js';
import {
  bucketPolicyCommands,
  corsCommands,
  corsMaxAgeCommands,
  ownershipCommands,
  publicAccessBlockCommands,
  recreateBucketCommands,
  versioningCommands,
} from './cli-commands.js';
import { isMissingBucket } from '../aws/missing-bucket.js';
import { bucketPolicyRemediation, corsRemediation, errorName, httpStatusOf, ownershipRemediation, publicAccessBlockRemediation, recreateBucketRemediation } from './remediation.js';

/** The region GetBucketLocation's LocationConstraint stands for: null or "" is us-east-1, "EU" is eu-west-1. */
export const regionFromLocationConstraint = (constraint: string | null | undefined): string => {
  if (constraint === undefined || constraint === null || constraint === '') return 'us-east-1';
  if (constraint === 'EU') return 'eu-west-1';
  return constraint;
};

const checkExists = async (ctx: CheckContext): Promise<Outcome> => {
  const { exp, deps } = ctx;
  try {
    await ctx.call('HeadBucket', (o) => deps.s3.send(new HeadBucketCommand({ Bucket: exp.bucketName }), o));
    return passed(`Bucket ${exp.bucketName} exists.`);
  } catch (error) {
    if (!(error instanceof CallError)) throw error;
    const status = httpStatusOf(error.cause);
    if (isMissingBucket(status, errorName(error.cause))) {
      return failed(`Bucket ${exp.bucketName} does not exist: it was deleted, and the data in it with it.`, recreateBucketRemediation(exp), recreateBucketCommands(exp));
    }
    // S3 answers 403 (no access) or a redirect (another region) only for a bucket that exists; the
    // checks below say what is wrong with it.
    if (status === 403 || status === 301 || status === 307 || status === 400) return passed(`Bucket ${exp.bucketName} exists (HeadBucket answered HTTP ${status}).`);
    throw error;
  }
};

const checkLocation = async (ctx: CheckContext): Promise<Outcome> => {
  const { exp, deps } = ctx;
  const out = await ctx.call('GetBucketLocation', (o) => deps.s3.send(new GetBucketLocationCommand({ Bucket: exp.bucketName }), o));
  const actual = regionFromLocationConstraint(out.LocationConstraint);
  if (actual === exp.region) return passed(`Bucket ${exp.bucketName} is in ${actual}.`);
  return failed(
    `Bucket ${exp.bucketName} is in ${actual}, expected ${exp.region}.`,
    `Register the bucket with region ${actual}, or create a bucket in ${exp.region} and use that one.`,
  );
};

const checkVersioning = async (ctx: CheckContext): Promise<Outcome> => {
  const { exp, deps } = ctx;
  const out = await ctx.call('GetBucketVersioning', (o) => deps.s3.send(new GetBucketVersioningCommand({ Bucket: exp.bucketName }), o));
  if (out.Status === 'Enabled') return passed('Versioning is enabled.');
  const remediation = `Enable versioning: aws s3api put-bucket-versioning --bucket ${exp.bucketName} --versioning-configuration Status=Enabled`;
  if (out.Status === 'Suspended') return failed('Versioning is suspended.', remediation, versioningCommands(exp));
  return failed('Versioning has never been enabled.', remediation, versioningCommands(exp));
};
const CORS_METHODS = ['GET', 'HEAD', 'PUT'] as const;

/** S3 origin patterns allow one "*" wildcard; matching is case-insensitive here. */
const originMatches = (pattern: string, origin: string) => pattern === '*' || globMatch(pattern.toLowerCase(), origin.toLowerCase());

/** The rule S3 uses for a request from `origin` with `method`: the first whose origins and methods match. */
const ruleFor = (rules: CORSRule[], origin: string, method: string) =>
  rules.find((r) => (r.AllowedOrigins ?? []).some((p) => originMatches(p, origin)) && (r.AllowedMethods ?? []).some((m) => m.toUpperCase() === method));

/**
 * For each origin and method, the rule S3 would use (the first whose origins and methods match) must
 * exist and expose ETag. Allowed request headers are not checked.
 */
export const corsGaps = (rules: CORSRule[], origins: string[]): { notAllowed: string[]; etagHidden: string[] } => {
  const notAllowed: string[] = [];
  const etagHidden: string[] = [];
  for (const origin of origins) {
    for (const method of CORS_METHODS) {
      const rule = ruleFor(rules, origin, method);
      if (!rule) notAllowed.push(`${method} from ${origin}`);
      else if (!(rule.ExposeHeaders ?? []).some((h) => h.toLowerCase() === 'etag' || h === '*')) etagHidden.push(`${method} from ${origin}`);
    }
  }
  return { notAllowed, etagHidden };
};

const checkCors = async (ctx: CheckContext): Promise<Outcome> => {
  const { exp, deps } = ctx;
  const out = await ctx.call('GetBucketCors', (o) => deps.s3.send(new GetBucketCorsCommand({ Bucket: exp.bucketName }), o));
  const rules = out.CORSRules ?? [];
  const { notAllowed, etagHidden } = corsGaps(rules, exp.requiredOrigins);
  const problems = [
    ...(notAllowed.length ? [`no rule allows ${notAllowed.join(', ')}`] : []),
    ...(etagHidden.length ? [`the rule for ${etagHidden.join(', ')} does not expose ETag`] : []),
  ];
  if (problems.length) {
    const lacking = exp.requiredOrigins.filter((o) => {
      const gaps = corsGaps(rules, [o]);
      return gaps.notAllowed.length + gaps.etagHidden.length > 0;
    });
    return failed(`CORS: ${problems.join('; ')}.`, corsRemediation(exp), corsCommands(exp, rules, lacking));
  }
  const wanted = exp.corsMaxAgeSeconds;
  const short = new Set(wanted === undefined ? [] : exp.requiredOrigins.map((o) => ruleFor(rules, o, 'PUT')!).filter((r) => (r.MaxAgeSeconds ?? 0) < wanted));
  if (short.size) {
    const ages = [...short].map((r) => r.MaxAgeSeconds ?? 0).join(', ');
    return warning(
      `CORS allows GET, HEAD and PUT from ${exp.requiredOrigins.join(', ')} and exposes ETag, but caches preflights for ${ages} s instead of ${wanted} s: browsers send more OPTIONS requests.`,
      `Set MaxAgeSeconds to ${wanted} on the rule(s) serving ${exp.requiredOrigins.join(', ')}.`,
      corsMaxAgeCommands(exp, rules, short),
    );
  }
  return passed(`CORS allows GET, HEAD and PUT from ${exp.requiredOrigins.join(', ')} and exposes ETag.`);
};

const checkPublicAccessBlock = async (ctx: CheckContext): Promise<Outcome> => {
  const { exp, deps } = ctx;
  const out = await ctx.call('GetPublicAccessBlock', (o) => deps.s3.send(new GetPublicAccessBlockCommand({ Bucket: exp.bucketName }), o));
  const config = out.PublicAccessBlockConfiguration ?? {};
  const off = (['BlockPublicAcls', 'IgnorePublicAcls', 'BlockPublicPolicy', 'RestrictPublicBuckets'] as const).filter((k) => config[k] !== true);
  if (off.length) {
    return failed(`Public access is not fully blocked: ${off.join(', ')} ${off.length === 1 ? 'is' : 'are'} off.`, publicAccessBlockRemediation(exp), publicAccessBlockCommands(exp));
  }
  return passed('All four public access block settings are on.');
};

const checkOwnership = async (ctx: CheckContext): Promise<Outcome> => {
  const { exp, deps } = ctx;
  const out = await ctx.call('GetBucketOwnershipControls', (o) => deps.s3.send(new GetBucketOwnershipControlsCommand({ Bucket: exp.bucketName }), o));
  const ownership = out.OwnershipControls?.Rules?.[0]?.ObjectOwnership;
  if (ownership === 'BucketOwnerEnforced') return passed('Object ownership is BucketOwnerEnforced (ACLs disabled).');
  return failed(
    `Object ownership is ${ownership ?? 'not set'}, expected BucketOwnerEnforced: objects the vendor writes could belong to the vendor.`,
    ownershipRemediation(exp),
    ownershipCommands(exp),
  );
};

const checkBucketPolicy = async (ctx: CheckContext): Promise<Outcome> => {
  const { exp, deps } = ctx;
  const out = await ctx.call('GetBucketPolicy', (o) => deps.s3.send(new GetBucketPolicyCommand({ Bucket: exp.bucketName }), o));
  let policy: unknown;
  try {
    policy = JSON.parse(out.Policy ?? '');
  } catch {
    return failed('The bucket policy is not valid JSON.', bucketPolicyRemediation(exp), bucketPolicyCommands(exp, null));
  }
  const access = evaluateVendorAccess(policy, exp.bucketName, exp.vendorPrincipalArn);
  const vendor = exp.vendorPrincipalArn;
  if (access.denied.length) {
    return failed(
      `A Deny statement blocks ${vendor}: ${access.denied.join('; ')}.`,
      `Remove or narrow the Deny statement so it does not apply to ${vendor} (a deny of requests without TLS is fine).`,
      bucketPolicyCommands(exp, policy),
    );
  }
  if (access.missing.length) {
    return failed(`The bucket policy does not allow ${vendor}: ${access.missing.join('; ')}.`, bucketPolicyRemediation(exp), bucketPolicyCommands(exp, policy));
  }
  if (access.conditional.length || access.conditionallyDenied.length) {
    const parts = [
      ...(access.conditional.length ? [`allowed only under a Condition: ${access.conditional.join('; ')}`] : []),
      ...(access.conditionallyDenied.length ? [`denied under a Condition: ${access.conditionallyDenied.join('; ')}`] : []),
    ];
    return warning(`The vendor's access depends on conditions (${parts.join('; ')}).`, `Make sure the conditions hold for requests from ${vendor} and from browsers using its pre-signed URLs, or drop them.`);
  }
  return passed(`The bucket policy allows ${vendor} all ${VENDOR_ACTIONS.length} actions on ${bucketArnOf(exp)} and ${bucketArnOf(exp)}/*, and no Deny applies.`);
};

/** The checks that each read one bucket setting and compare it with the expectation. */
export const BUCKET_CHECKS = {
  'bucket-exists': checkExists,
  'bucket-location': checkLocation,
  versioning: checkVersioning,
  cors: checkCors,
  'public-access-block': checkPublicAccessBlock,
  ownership: checkOwnership,
  'bucket-policy': checkBucketPolicy,
} satisfies Partial<Record<CheckId, Check>>;
