/**
 * fast-check arbitraries of valid template input: every value is one that the request schema and
 * configuration could produce, so a rendered template must deploy and pass the linters.
 */
import fc from 'fast-check';
import type { ByobTemplateSpec, CorsRule, EncryptionSpec } from '../../templates/spec.js';

/** A few real commercial-partition region codes (enough to vary ARNs; the full list is lib/regions). */
export const SAMPLE_REGIONS = ['us-east-1', 'us-west-2', 'eu-west-1', 'eu-central-1', 'ap-southeast-2', 'ap-northeast-1', 'sa-east-1', 'ca-central-1'] as const;

const LOWER_ALNUM = 'abcdefghijklmnopqrstuvwxyz0123456789';
const FORBIDDEN_PREFIXES = ['xn--', 'sthree-', 'amzn-s3-demo-'];
const FORBIDDEN_SUFFIXES = ['-s3alias', '--ol-s3', '--x-s3', '--table-s3'];

/** A region code from {@link SAMPLE_REGIONS}. */
export const regionArb = fc.constantFrom(...SAMPLE_REGIONS);

/** A 12-digit AWS account id. */
export const accountIdArb = fc.stringMatching(/^\d{12}$/);

/** An S3 general purpose bucket name as the API accepts it: 3–63 of [a-z0-9-], alphanumeric ends, no reserved affixes. */
export const bucketNameArb = fc
  .tuple(
    fc.constantFrom(...LOWER_ALNUM),
    fc.string({ unit: fc.constantFrom(...LOWER_ALNUM, '-'), minLength: 1, maxLength: 61 }),
    fc.constantFrom(...LOWER_ALNUM),
  )
  .map(([first, middle, last]) => `${first}${middle}${last}`)
  .filter((name) => !FORBIDDEN_PREFIXES.some((p) => name.startsWith(p)) && !FORBIDDEN_SUFFIXES.some((s) => name.endsWith(s)));

/** A BYOB request id: `byob_` and a ULID. */
export const requestIdArb = fc.stringMatching(/^[0-7][0-9A-HJKMNP-TV-Z]{25}$/).map((ulid) => `byob_${ulid}`);

/** A team name as the request schema allows it. */
export const teamArb = fc.stringMatching(/^[a-z0-9](?:[a-z0-9-]{0,46}[a-z0-9])?$/);

/** Characters of the AWS tag character set (letters, digits, spaces, `_ . : / = + - @`), a few non-ASCII. */
const TAG_CHARS = [...'abcxyzABCXYZ0189 _.:/=+-@', 'é', 'ß', 'Ω', '日', '本', '٣'];

/** A tag value in the AWS tag character set (0–256 characters). */
export const tagValueArb = fc.string({ unit: fc.constantFrom(...TAG_CHARS), maxLength: 256 });

/** A tag key in the AWS tag character set, 1–128 characters, not `aws:`/`byob:` (reserved). */
export const tagKeyArb = fc
  .string({ unit: fc.constantFrom(...TAG_CHARS), minLength: 1, maxLength: 128 })
  .filter((key) => !/^(aws|byob):/i.test(key));

/** A request's own tags: up to 8 of them. */
export const tagsArb = fc.dictionary(tagKeyArb, tagValueArb, { maxKeys: 8, noNullPrototype: true });

/** A tenant id as the authorizer supplies it (in the tag character set, since it becomes a tag). */
export const tenantArb = fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9_.:@-]{0,63}$/);

const dnsLabel = fc.stringMatching(/^[a-z0-9](?:[a-z0-9-]{0,20}[a-z0-9])?$/);

/** A CORS origin: `*` or an https origin (optional `*.` wildcard and port). */
export const originArb = fc.oneof(
  fc.constant('*'),
  fc
    .tuple(fc.boolean(), fc.array(dnsLabel, { minLength: 1, maxLength: 3 }), fc.constantFrom('com', 'io', 'example'), fc.option(fc.integer({ min: 1, max: 65_535 }), { nil: undefined }))
    .map(([wildcard, labels, tld, port]) => `https://${wildcard ? '*.' : ''}${[...labels, tld].join('.')}${port === undefined ? '' : `:${port}`}`),
);

const headerNameArb = fc.oneof(fc.constant('*'), fc.constantFrom('Authorization', 'Content-Type', 'Content-MD5', 'x-amz-meta-owner', 'Range'));

/** A normalised CORS rule (as the request schema hands it to the renderer). */
export const corsRuleArb: fc.Arbitrary<CorsRule> = fc.record({
  allowedOrigins: fc.uniqueArray(originArb, { minLength: 1, maxLength: 5 }),
  allowedMethods: fc.uniqueArray(fc.constantFrom<CorsRule['allowedMethods'][number]>('GET', 'HEAD', 'PUT', 'POST', 'DELETE'), { minLength: 1, maxLength: 5 }),
  allowedHeaders: fc.uniqueArray(headerNameArb, { maxLength: 3 }),
  exposedHeaders: fc.uniqueArray(fc.constantFrom('ETag', 'x-amz-version-id', 'Content-Length'), { maxLength: 3 }),
  maxAgeSeconds: fc.integer({ min: 0, max: 86_400 }),
});

/** A customer KMS key ARN (single- or multi-Region key) in `region`. */
export const kmsKeyArnArb = (region: string): fc.Arbitrary<string> =>
  fc
    .tuple(accountIdArb, fc.oneof(fc.uuid({ version: 4 }), fc.stringMatching(/^[0-9a-f]{32}$/).map((hex) => `mrk-${hex}`)))
    .map(([account, id]) => `arn:aws:kms:${region}:${account}:key/${id}`);

/** One of the three encryption kinds: a new key, the customer's key (in `region`), SSE-S3. */
export const encryptionArb = (region: string): fc.Arbitrary<EncryptionSpec> =>
  fc.oneof(
    fc.constant<EncryptionSpec>({ type: 'sse-kms' }),
    kmsKeyArnArb(region).map((kmsKeyArn): EncryptionSpec => ({ type: 'sse-kms', kmsKeyArn })),
    fc.constant<EncryptionSpec>({ type: 'sse-s3' }),
  );

/** An external id as lib/settings generates it (`byob-` + base64url). */
export const externalIdArb = fc.stringMatching(/^[A-Za-z0-9_-]{32}$/).map((token) => `byob-${token}`);

/** An IAM role name with an optional path, as IAM allows them (`[\w+=,.@-]`). */
const roleNameArb = fc.stringMatching(/^(?:[A-Za-z0-9]{1,8}\/){0,2}[\w+=,.@-]{1,64}$/);

/** The vendor, as configuration describes it: its account root or one role of its account as the principal (VENDOR_PRINCIPAL). */
export const vendorArb = fc
  .record({
    accountId: accountIdArb,
    name: fc.constantFrom('Weights & Biases', 'Valohai', 'Acme Data Platform', 'X'),
    role: fc.option(roleNameArb, { nil: null }),
  })
  .map(({ accountId, name, role }) => ({ accountId, name, principalArn: role === null ? `arn:aws:iam::${accountId}:root` : `arn:aws:iam::${accountId}:role/${role}` }));

/**
 * A valid {@link ByobTemplateSpec}: every optional part both present and absent, all encryption kinds,
 * both kinds of vendor principal. A direct-mode spec may adopt a retained bucket, which keeps its own
 * key (or SSE-S3), never a new one.
 */
export const byobTemplateSpecArb: fc.Arbitrary<ByobTemplateSpec> = fc
  .record({ region: regionArb, vendor: vendorArb, scopeTeam: fc.option(teamArb, { nil: null }) })
  .chain(({ region, vendor, scopeTeam }) =>
    fc
      .record({
        templateVersion: fc.constantFrom('1.0.0', '1.2.3', '2.0.0-rc.1'),
        requestId: requestIdArb,
        tenant: tenantArb,
        scope: fc.constant(scopeTeam === null ? ('instance' as const) : ('team' as const)),
        team: fc.constant(scopeTeam),
        bucketName: bucketNameArb,
        region: fc.constant(region),
        vendor: fc.constant(vendor),
        encryption: encryptionArb(region),
        corsRules: fc.array(corsRuleArb, { minLength: 1, maxLength: 3 }),
        accessRole: fc.option(externalIdArb.map((externalId) => ({ externalId })), { nil: null }),
        tags: tagsArb,
        quickCreate: fc.option(fc.constant({ registrationTopicArn: `arn:aws:sns:${region}:${vendor.accountId}:byob-registration` }), { nil: null }),
        accessLogBucket: fc.option(bucketNameArb, { nil: null }),
        adoptedFrom: fc.option(requestIdArb, { nil: null }),
      })
      .map(({ adoptedFrom, ...spec }): ByobTemplateSpec => {
        const adoptable = spec.quickCreate === null && !(spec.encryption.type === 'sse-kms' && spec.encryption.kmsKeyArn === undefined);
        return { ...spec, adopted: adoptable && adoptedFrom !== null ? { fromRequestId: adoptedFrom } : null };
      }),
  );
