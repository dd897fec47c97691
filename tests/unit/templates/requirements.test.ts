/**
 * The requirement matrix: each requirement of the design and each line of the seed documents'
 * policies and CORS rules is one named assertion on a rendered template.
 */
import { describe, expect, it, test } from 'vitest';
import { getAtt, join, pseudo, ref, serializeTemplate, sub, type CfnTemplate } from '../../../templates/cfn.js';
import { kmsAliasName, LOGICAL_IDS, REGISTRATION_RESOURCE_TYPE, renderByobTemplate } from '../../../templates/render-byob.js';
import type {
  IamRoleProperties,
  KmsAliasProperties,
  KmsKeyProperties,
  RegistrationProperties,
  S3BucketPolicyProperties,
  S3BucketProperties,
} from '../../../templates/resource-types.js';
import { OUTPUT_NAMES, REGISTRATION_TOKEN_PARAMETER, type ByobTemplateSpec } from '../../../templates/spec.js';
import {
  CUSTOMER_KEY_ARN,
  ENCRYPTIONS,
  EXTERNAL_ID,
  REGISTRATION_TOPIC,
  SEED_000_CORS,
  SEED_003_CORS,
  SEED_004_CORS,
  VENDOR_ROLE,
  VENDOR_ROOT,
  baseSpec,
  fullSpec,
} from './fixtures.js';
import { actionsOf, allowedActions, dependenciesOf, resourceOf, resourcesOf, statementBySid } from './inspect.js';

const render = (overrides: Partial<ByobTemplateSpec> = {}): CfnTemplate => renderByobTemplate(baseSpec(overrides));
const renderFull = (overrides: Partial<ByobTemplateSpec> = {}): CfnTemplate => renderByobTemplate(fullSpec(overrides));

const bucketOf = (t: CfnTemplate) => resourceOf<S3BucketProperties>(t, LOGICAL_IDS.bucket);
const keyOf = (t: CfnTemplate) => resourceOf<KmsKeyProperties>(t, LOGICAL_IDS.key);
const policyOf = (t: CfnTemplate) => resourceOf<S3BucketPolicyProperties>(t, LOGICAL_IDS.bucketPolicy).Properties.PolicyDocument;
const roleOf = (t: CfnTemplate) => resourceOf<IamRoleProperties>(t, LOGICAL_IDS.accessRole);
const rolePolicyOf = (t: CfnTemplate) => {
  const [inline] = roleOf(t).Properties.Policies;
  if (inline === undefined) throw new Error('role has no inline policy');
  return inline.PolicyDocument;
};
const registrationOf = (t: CfnTemplate, id: string) => resourceOf<RegistrationProperties>(t, id);
const sseOf = (t: CfnTemplate) => bucketOf(t).Properties.BucketEncryption.ServerSideEncryptionConfiguration[0];
const corsOf = (t: CfnTemplate) => bucketOf(t).Properties.CorsConfiguration?.CorsRules ?? [];

const bucketArn = getAtt(LOGICAL_IDS.bucket, 'Arn');
const objectsArn = join([bucketArn, '/*']);
const createdKeyArn = getAtt(LOGICAL_IDS.key, 'Arn');

/** Seed 000/003's 11 actions, copied from the seed text. */
const SEED_BUCKET_ACTIONS = [
  's3:GetObject*',
  's3:GetEncryptionConfiguration',
  's3:ListBucket',
  's3:ListBucketMultipartUploads',
  's3:ListBucketVersions',
  's3:AbortMultipartUpload',
  's3:DeleteObject',
  's3:PutObject',
  's3:GetBucketCORS',
  's3:GetBucketLocation',
  's3:GetBucketVersioning',
];
/** Seed 003's "External" key-policy actions. */
const SEED_EXTERNAL_KEY_ACTIONS = ['kms:Decrypt', 'kms:Describe*', 'kms:Encrypt', 'kms:ReEncrypt*', 'kms:GenerateDataKey*'];
/** Seed 004's multipart-role actions. */
const SEED_MULTIPART_ACTIONS = [
  's3:AbortMultipartUpload',
  's3:GetObject',
  's3:ListBucket',
  's3:ListBucketMultipartUploads',
  's3:ListBucketVersions',
  's3:ListMultipartUploadParts',
  's3:PutObject',
];
/** What a principal needs to use an SSE-KMS key. */
const KEY_USE_ACTIONS = ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey*', 'kms:ReEncrypt*', 'kms:DescribeKey'];

describe('KMS key (seed 003)', () => {
  test.each([
    ['new KMS key', true],
    ['customer KMS key', false],
    ['SSE-S3', false],
  ] as const)('with %s, the template creates a key and alias: %s', (kind, created) => {
    const t = render({ encryption: ENCRYPTIONS[kind] });
    expect(LOGICAL_IDS.key in t.Resources).toBe(created);
    expect(LOGICAL_IDS.keyAlias in t.Resources).toBe(created);
  });

  it('key usage is ENCRYPT_DECRYPT', () => {
    expect(keyOf(render()).Properties.KeyUsage).toBe('ENCRYPT_DECRYPT');
  });

  it('key rotation is enabled', () => {
    expect(keyOf(render()).Properties.EnableKeyRotation).toBe(true);
  });

  it('key policy statement "Internal" allows the stack account root, via an intrinsic', () => {
    const internal = statementBySid(keyOf(render()).Properties.KeyPolicy, 'Internal');
    expect(internal.Effect).toBe('Allow');
    expect(internal.Principal).toEqual({ AWS: sub('arn:${AWS::Partition}:iam::${AWS::AccountId}:root') });
  });

  it('key policy statement "Internal" allows kms:* on the key (Resource *)', () => {
    const internal = statementBySid(keyOf(render()).Properties.KeyPolicy, 'Internal');
    expect(actionsOf(internal)).toEqual(['kms:*']);
    expect(internal.Resource).toBe('*');
  });

  it('key policy statement "External" names the vendor root principal', () => {
    const external = statementBySid(keyOf(render()).Properties.KeyPolicy, 'External');
    expect(external.Effect).toBe('Allow');
    expect(external.Principal).toEqual({ AWS: VENDOR_ROOT });
    expect(external.Resource).toBe('*');
  });

  test.each(SEED_EXTERNAL_KEY_ACTIONS)('key policy statement "External" grants the vendor %s', (action) => {
    expect(actionsOf(statementBySid(keyOf(render()).Properties.KeyPolicy, 'External'))).toContain(action);
  });

  it('key policy statement "External" grants nothing beyond seed 003', () => {
    expect(actionsOf(statementBySid(keyOf(render()).Properties.KeyPolicy, 'External')).sort()).toEqual([...SEED_EXTERNAL_KEY_ACTIONS].sort());
  });

  it('key policy has the two statements of seed 003 plus only the verifier\'s rotation-status read', () => {
    const statements = keyOf(render()).Properties.KeyPolicy.Statement;
    expect(statements.map((s) => s.Sid)).toEqual(['Internal', 'External', 'ExternalVerification']);
    const verification = statementBySid(keyOf(render()).Properties.KeyPolicy, 'ExternalVerification');
    expect(verification.Principal).toEqual({ AWS: 'arn:aws:iam::830241207209:root' });
    expect(actionsOf(verification)).toEqual(['kms:GetKeyRotationStatus']);
  });

  it('an alias points at the key', () => {
    const alias = resourceOf<KmsAliasProperties>(render(), LOGICAL_IDS.keyAlias);
    expect(alias.Properties.TargetKeyId).toEqual(ref(LOGICAL_IDS.key));
    expect(alias.Properties.AliasName).toMatch(/^alias\/[A-Za-z0-9/_-]+$/);
    expect(alias.Properties.AliasName).not.toMatch(/^alias\/aws\//);
  });

  it('the alias names the bucket and the request, so an alias retained by an earlier request never blocks a new stack', () => {
    const first = resourceOf<KmsAliasProperties>(render(), LOGICAL_IDS.keyAlias).Properties.AliasName;
    const again = resourceOf<KmsAliasProperties>(render({ requestId: 'byob_01JBBBBBBBBBBBBBBBBBBBBBBB' }), LOGICAL_IDS.keyAlias).Properties.AliasName;
    expect(first).toBe('alias/byob/acme-omega-artifacts/01JAAAAAAAAAAAAAAAAAAAAAAA');
    expect(again).toBe('alias/byob/acme-omega-artifacts/01JBBBBBBBBBBBBBBBBBBBBBBB');
  });

  it('the alias stays within the alias character rules and length for the longest bucket name, dots included', () => {
    const name = kmsAliasName(`${'a'.repeat(30)}.${'b'.repeat(32)}`, 'byob_01JAAAAAAAAAAAAAAAAAAAAAAA');
    expect(name).toMatch(/^alias\/[A-Za-z0-9/_-]+$/);
    expect(name.length).toBeLessThanOrEqual(256);
  });

  test.each([
    [LOGICAL_IDS.key, 'DeletionPolicy'],
    [LOGICAL_IDS.key, 'UpdateReplacePolicy'],
    [LOGICAL_IDS.keyAlias, 'DeletionPolicy'],
    [LOGICAL_IDS.keyAlias, 'UpdateReplacePolicy'],
  ] as const)('%s has %s Retain', (id, policy) => {
    expect(resourceOf(render(), id)[policy]).toBe('Retain');
  });
});

describe('bucket', () => {
  it('BucketName is the spec bucket name', () => {
    expect(bucketOf(render()).Properties.BucketName).toBe('acme-omega-artifacts');
  });

  it('versioning is enabled', () => {
    expect(bucketOf(render()).Properties.VersioningConfiguration).toEqual({ Status: 'Enabled' });
  });

  it('with a new key, default encryption is SSE-KMS with that key', () => {
    expect(sseOf(render())?.ServerSideEncryptionByDefault).toEqual({ SSEAlgorithm: 'aws:kms', KMSMasterKeyID: createdKeyArn });
  });

  it("with a customer key, default encryption is SSE-KMS with the customer's key ARN", () => {
    expect(sseOf(render({ encryption: ENCRYPTIONS['customer KMS key'] }))?.ServerSideEncryptionByDefault).toEqual({
      SSEAlgorithm: 'aws:kms',
      KMSMasterKeyID: CUSTOMER_KEY_ARN,
    });
  });

  test.each(['new KMS key', 'customer KMS key'] as const)('with a %s, the S3 bucket key is enabled', (kind) => {
    expect(sseOf(render({ encryption: ENCRYPTIONS[kind] }))?.BucketKeyEnabled).toBe(true);
  });

  it('with SSE-S3 (seed 000), default encryption is AES256 and no key is configured', () => {
    const sse = sseOf(render({ encryption: ENCRYPTIONS['SSE-S3'] }));
    expect(sse).toEqual({ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } });
  });

  test.each(['BlockPublicAcls', 'BlockPublicPolicy', 'IgnorePublicAcls', 'RestrictPublicBuckets'] as const)('public access block %s is true', (setting) => {
    expect(bucketOf(render()).Properties.PublicAccessBlockConfiguration[setting]).toBe(true);
  });

  it('object ownership is BucketOwnerEnforced (ACLs off)', () => {
    expect(bucketOf(render()).Properties.OwnershipControls).toEqual({ Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] });
  });

  it('incomplete multipart uploads are aborted after 7 days', () => {
    const rules = bucketOf(render()).Properties.LifecycleConfiguration.Rules;
    expect(rules).toContainEqual(expect.objectContaining({ Status: 'Enabled', AbortIncompleteMultipartUpload: { DaysAfterInitiation: 7 } }));
  });

  it('with an access-log bucket, server access logging targets it', () => {
    const bucket = bucketOf(render({ accessLogBucket: 'acme-logs' }));
    expect(bucket.Properties.LoggingConfiguration).toEqual({ DestinationBucketName: 'acme-logs', LogFilePrefix: 'acme-omega-artifacts/' });
    expect(bucket.Metadata).toBeUndefined();
  });

  it('without an access-log bucket, CKV_AWS_18 is skipped in the bucket Metadata with a reason', () => {
    const bucket = bucketOf(render({ accessLogBucket: null }));
    expect(bucket.Properties.LoggingConfiguration).toBeUndefined();
    const skips = bucket.Metadata?.checkov?.skip ?? [];
    expect(skips.map((s) => s.id)).toEqual(['CKV_AWS_18']);
    expect(skips[0]?.comment.length).toBeGreaterThan(20);
  });

  test.each([
    ['byob:tenant', 'tenant-acme'],
    ['byob:team', 'omega'],
    ['byob:request', 'byob_01JAAAAAAAAAAAAAAAAAAAAAAA'],
    ['byob:scope', 'team'],
    ['cost-center', 'ml'],
  ])('bucket tag %s is %s', (key, value) => {
    expect(bucketOf(render()).Properties.Tags).toContainEqual({ Key: key, Value: value });
  });

  it('an instance-scoped bucket is tagged byob:team "instance"', () => {
    const tags = bucketOf(render({ scope: 'instance', team: null })).Properties.Tags;
    expect(tags).toContainEqual({ Key: 'byob:team', Value: 'instance' });
    expect(tags).toContainEqual({ Key: 'byob:scope', Value: 'instance' });
  });

  it('a request tag cannot override a byob:* tag, and every tag key appears once', () => {
    const tags = bucketOf(render({ tags: { 'byob:tenant': 'someone-else', 'BYOB:team': 'x', 'aws:foo': 'y', ok: 'z' } })).Properties.Tags;
    expect(tags.filter((t) => t.Key.toLowerCase() === 'byob:tenant')).toEqual([{ Key: 'byob:tenant', Value: 'tenant-acme' }]);
    expect(tags.map((t) => t.Key.toLowerCase()).filter((k) => k.startsWith('aws:'))).toEqual([]);
    expect(new Set(tags.map((t) => t.Key.toLowerCase())).size).toBe(tags.length);
    expect(tags).toContainEqual({ Key: 'ok', Value: 'z' });
  });

  test.each(['DeletionPolicy', 'UpdateReplacePolicy'] as const)('bucket has %s Retain', (policy) => {
    expect(bucketOf(render())[policy]).toBe('Retain');
  });
});

describe('CORS rules from the seeds, line by line', () => {
  test.each([
    ['seed 000 XML', SEED_000_CORS, 0, 'AllowedOrigins', ['*']],
    ['seed 000 XML', SEED_000_CORS, 0, 'AllowedMethods', ['GET', 'HEAD', 'PUT']],
    ['seed 000 XML', SEED_000_CORS, 0, 'AllowedHeaders', ['*']],
    ['seed 000 XML', SEED_000_CORS, 0, 'ExposedHeaders', ['ETag']],
    ['seed 000 XML', SEED_000_CORS, 0, 'MaxAge', 3000],
    ['seed 003 JSON', SEED_003_CORS, 0, 'AllowedHeaders', ['*']],
    ['seed 003 JSON', SEED_003_CORS, 0, 'AllowedMethods', ['GET', 'HEAD', 'PUT']],
    ['seed 003 JSON', SEED_003_CORS, 0, 'AllowedOrigins', ['*']],
    ['seed 003 JSON', SEED_003_CORS, 0, 'ExposedHeaders', ['ETag']],
    ['seed 003 JSON', SEED_003_CORS, 0, 'MaxAge', 3600],
    ['seed 004 JSON', SEED_004_CORS, 0, 'AllowedHeaders', ['Authorization']],
    ['seed 004 JSON', SEED_004_CORS, 0, 'AllowedMethods', ['GET']],
    ['seed 004 JSON', SEED_004_CORS, 0, 'AllowedOrigins', ['*']],
    ['seed 004 JSON', SEED_004_CORS, 0, 'ExposedHeaders', undefined],
    ['seed 004 JSON', SEED_004_CORS, 0, 'MaxAge', 3000],
    ['seed 004 JSON', SEED_004_CORS, 1, 'AllowedHeaders', ['Authorization']],
    ['seed 004 JSON', SEED_004_CORS, 1, 'AllowedMethods', ['POST']],
    ['seed 004 JSON', SEED_004_CORS, 1, 'AllowedOrigins', ['https://app.valohai.com']],
    ['seed 004 JSON', SEED_004_CORS, 1, 'ExposedHeaders', undefined],
    ['seed 004 JSON', SEED_004_CORS, 1, 'MaxAge', 3000],
  ] as const)('%s rule %i: %s is %j', (_seed, rules, index, property, expected) => {
    expect(corsOf(render({ corsRules: [...rules] }))[index]?.[property]).toEqual(expected);
  });

  test.each([
    ['seed 000 XML', SEED_000_CORS],
    ['seed 003 JSON', SEED_003_CORS],
    ['seed 004 JSON', SEED_004_CORS],
  ] as const)('%s renders exactly its number of rules, in order', (_seed, rules) => {
    expect(corsOf(render({ corsRules: [...rules] })).map((r) => r.AllowedMethods)).toEqual(rules.map((r) => r.allowedMethods));
  });

  it('a spec without CORS rules renders no CorsConfiguration', () => {
    expect(bucketOf(render({ corsRules: [] })).Properties.CorsConfiguration).toBeUndefined();
  });
});

describe('bucket policy (seeds 000 and 003)', () => {
  const vendorStatement = () => statementBySid(policyOf(render()), 'VendorAccountAccess');

  it('targets the bucket', () => {
    expect(resourceOf<S3BucketPolicyProperties>(render(), LOGICAL_IDS.bucketPolicy).Properties.Bucket).toEqual(ref(LOGICAL_IDS.bucket));
  });

  it('the vendor statement allows the vendor root principal', () => {
    expect(vendorStatement().Effect).toBe('Allow');
    expect(vendorStatement().Principal).toEqual({ AWS: VENDOR_ROOT });
  });

  test.each(SEED_BUCKET_ACTIONS)('bucket policy grants vendor %s', (action) => {
    expect(actionsOf(vendorStatement())).toContain(action);
  });

  it('bucket policy grants the vendor exactly the 11 seed actions', () => {
    expect(actionsOf(vendorStatement())).toEqual(SEED_BUCKET_ACTIONS);
  });

  test.each([
    ['the bucket ARN', bucketArn],
    ['the bucket objects ARN (bucket/*)', objectsArn],
  ])('the vendor statement applies to %s', (_name, arn) => {
    expect(resourcesOf(vendorStatement())).toContainEqual(arn);
  });

  it('the vendor statement applies to nothing else', () => {
    expect(resourcesOf(vendorStatement())).toHaveLength(2);
  });

  it('denies every s3:* request made without TLS', () => {
    const deny = statementBySid(policyOf(render()), 'DenyInsecureTransport');
    expect(deny).toEqual({
      Sid: 'DenyInsecureTransport',
      Effect: 'Deny',
      Principal: '*',
      Action: 's3:*',
      Resource: [bucketArn, objectsArn],
      Condition: { Bool: { 'aws:SecureTransport': 'false' } },
    });
  });

  it('denies every s3:* request over a TLS version older than 1.2 (AWS S3 security best practices)', () => {
    expect(statementBySid(policyOf(render()), 'DenyOutdatedTls')).toEqual({
      Sid: 'DenyOutdatedTls',
      Effect: 'Deny',
      Principal: '*',
      Action: 's3:*',
      Resource: [bucketArn, objectsArn],
      Condition: { NumericLessThan: { 's3:TlsVersion': 1.2 } },
    });
  });

  it('has no other Allow statement than the vendor\'s, and the verifier\'s narrow reads (no public or wildcard principal grant)', () => {
    const allows = policyOf(render()).Statement.filter((s) => s.Effect === 'Allow');
    expect(allows.map((s) => s.Sid)).toEqual(['VendorAccountAccess', 'VendorVerification', 'VendorVerificationProbeCleanup']);
    for (const s of allows) expect(s.Principal).toEqual({ AWS: 'arn:aws:iam::830241207209:root' });
    expect(actionsOf(statementBySid(policyOf(render()), 'VendorVerification')).sort()).toEqual(['s3:GetBucketOwnershipControls', 's3:GetBucketPublicAccessBlock']);
    const cleanup = statementBySid(policyOf(render()), 'VendorVerificationProbeCleanup');
    expect(actionsOf(cleanup)).toEqual(['s3:DeleteObjectVersion']);
    expect(JSON.stringify(cleanup.Resource)).toContain('/.byob-verify/*');
  });
});

describe('vendor access role (seed 004, done safely)', () => {
  it('is absent without spec.accessRole', () => {
    expect(LOGICAL_IDS.accessRole in render({ accessRole: null }).Resources).toBe(false);
  });

  it('trusts the vendor account root with sts:AssumeRole', () => {
    const [trust, ...others] = roleOf(renderFull()).Properties.AssumeRolePolicyDocument.Statement;
    expect(others).toEqual([]);
    expect(trust?.Effect).toBe('Allow');
    expect(trust?.Principal).toEqual({ AWS: VENDOR_ROOT });
    expect(trust?.Action).toBe('sts:AssumeRole');
  });

  it('requires sts:ExternalId to equal the spec external id', () => {
    const [trust] = roleOf(renderFull()).Properties.AssumeRolePolicyDocument.Statement;
    expect(trust?.Condition).toEqual({ StringEquals: { 'sts:ExternalId': EXTERNAL_ID } });
  });

  test.each(SEED_MULTIPART_ACTIONS)('the role may %s', (action) => {
    expect(allowedActions(rolePolicyOf(renderFull()))).toContain(action);
  });

  it('the role has no S3 action beyond seed 004', () => {
    const s3 = allowedActions(rolePolicyOf(renderFull())).filter((a) => a.startsWith('s3:'));
    expect(s3.sort()).toEqual([...SEED_MULTIPART_ACTIONS].sort());
  });

  it('S3 permissions are scoped to the bucket and its objects only', () => {
    const s3Statements = rolePolicyOf(renderFull()).Statement.filter((s) => actionsOf(s).some((a) => a.startsWith('s3:')));
    for (const statement of s3Statements) {
      for (const resource of resourcesOf(statement)) expect([bucketArn, objectsArn]).toContainEqual(resource);
    }
  });

  test.each(KEY_USE_ACTIONS)('the role may %s on the bucket key', (action) => {
    expect(allowedActions(rolePolicyOf(renderFull()))).toContain(action);
  });

  test.each([
    ['new KMS key', createdKeyArn],
    ['customer KMS key', CUSTOMER_KEY_ARN],
  ] as const)('with a %s, KMS permissions apply to that key only', (kind, keyArn) => {
    const kms = rolePolicyOf(renderFull({ encryption: ENCRYPTIONS[kind] })).Statement.filter((s) => actionsOf(s).some((a) => a.startsWith('kms:')));
    expect(kms.flatMap(actionsOf).sort()).toEqual([...KEY_USE_ACTIONS].sort());
    expect(kms.flatMap(resourcesOf)).toEqual([keyArn]);
  });

  it('with SSE-S3, the role has no KMS permission', () => {
    expect(allowedActions(rolePolicyOf(renderFull({ encryption: ENCRYPTIONS['SSE-S3'] }))).filter((a) => a.startsWith('kms:'))).toEqual([]);
  });

  it('no statement uses a wildcard resource', () => {
    expect(rolePolicyOf(renderFull()).Statement.flatMap(resourcesOf)).not.toContain('*');
  });

  it('has no RoleName (CloudFormation names it: CAPABILITY_IAM, not CAPABILITY_NAMED_IAM)', () => {
    expect('RoleName' in roleOf(renderFull()).Properties).toBe(false);
  });

  it('has no managed policies', () => {
    expect('ManagedPolicyArns' in roleOf(renderFull()).Properties).toBe(false);
  });
});

describe('quick-create registration', () => {
  it('declares the registration token as a plain String parameter', () => {
    const parameter = renderFull().Parameters?.[REGISTRATION_TOKEN_PARAMETER];
    expect(parameter?.Type).toBe('String');
    expect(parameter?.NoEcho).toBeUndefined();
  });

  it('the token parameter has an AllowedPattern and a Description', () => {
    const parameter = renderFull().Parameters?.[REGISTRATION_TOKEN_PARAMETER];
    expect(parameter?.AllowedPattern).toBeTruthy();
    expect(new RegExp(parameter?.AllowedPattern ?? '').test('dG9rZW4tZm9yLXRlc3RzLTAxMjM0NTY3ODk')).toBe(true);
    expect(parameter?.Description).toBeTruthy();
  });

  it('without quickCreate there is no parameter and no registration resource', () => {
    const t = render({ quickCreate: null });
    expect(t.Parameters).toBeUndefined();
    expect(Object.values(t.Resources).filter((r) => r.Type === REGISTRATION_RESOURCE_TYPE)).toEqual([]);
  });

  test.each([LOGICAL_IDS.started, LOGICAL_IDS.ready])('%s is a Custom::ByobRegistration served by the registration topic', (id) => {
    const resource = registrationOf(renderFull(), id);
    expect(resource.Type).toBe('Custom::ByobRegistration');
    expect(resource.Properties.ServiceToken).toBe(REGISTRATION_TOPIC);
  });

  test.each([LOGICAL_IDS.started, LOGICAL_IDS.ready])('%s carries the request id and a Ref to the token', (id) => {
    const { Properties } = registrationOf(renderFull(), id);
    expect(Properties.RequestId).toBe('byob_01JAAAAAAAAAAAAAAAAAAAAAAA');
    expect(Properties.Token).toEqual(ref(REGISTRATION_TOKEN_PARAMETER));
  });

  test.each([LOGICAL_IDS.started, LOGICAL_IDS.ready])('%s carries the template version, so a new version sends it an Update', (id) => {
    expect(registrationOf(renderFull({ templateVersion: '2027-01-05.1' }), id).Properties.TemplateVersion).toBe('2027-01-05.1');
  });

  test.each([LOGICAL_IDS.started, LOGICAL_IDS.ready])('%s names the update a template applies to the stack (none in the template it is created with)', (id) => {
    const spec = fullSpec();
    const update = renderByobTemplate({ ...spec, quickCreate: { ...spec.quickCreate!, updateId: 'upd-01JQC00000000000000000UPD1' } });
    expect(registrationOf(update, id).Properties.UpdateId).toBe('upd-01JQC00000000000000000UPD1');
    expect(registrationOf(renderFull(), id).Properties).not.toHaveProperty('UpdateId');
  });

  it('ByobStarted has phase "started" and no dependencies', () => {
    const t = renderFull();
    expect(registrationOf(t, LOGICAL_IDS.started).Properties.Phase).toBe('started');
    expect(dependenciesOf(t, LOGICAL_IDS.started)).toEqual(new Set());
  });

  it('ByobReady has phase "ready"', () => {
    expect(registrationOf(renderFull(), LOGICAL_IDS.ready).Properties.Phase).toBe('ready');
  });

  test.each(Object.keys(ENCRYPTIONS) as Array<keyof typeof ENCRYPTIONS>)('with a %s, ByobReady waits for every other resource', (kind) => {
    const t = renderFull({ encryption: ENCRYPTIONS[kind] });
    const others = Object.keys(t.Resources).filter((id) => id !== LOGICAL_IDS.ready);
    expect(dependenciesOf(t, LOGICAL_IDS.ready)).toEqual(new Set(others));
  });

  test.each([
    ['BucketName', ref(LOGICAL_IDS.bucket)],
    ['BucketArn', bucketArn],
    ['KmsKeyArn', createdKeyArn],
    ['RoleArn', getAtt(LOGICAL_IDS.accessRole, 'Arn')],
    ['Region', ref('AWS::Region')],
    ['AccountId', ref('AWS::AccountId')],
  ] as const)('ByobReady reports %s', (property, value) => {
    expect(registrationOf(renderFull(), LOGICAL_IDS.ready).Properties[property]).toEqual(value);
  });

  it('ByobReady reports the customer key ARN for a customer key', () => {
    expect(registrationOf(renderFull({ encryption: ENCRYPTIONS['customer KMS key'] }), LOGICAL_IDS.ready).Properties.KmsKeyArn).toBe(CUSTOMER_KEY_ARN);
  });

  it('ByobReady omits KmsKeyArn for SSE-S3 and RoleArn without a role', () => {
    const { Properties } = registrationOf(renderFull({ encryption: ENCRYPTIONS['SSE-S3'], accessRole: null }), LOGICAL_IDS.ready);
    expect('KmsKeyArn' in Properties).toBe(false);
    expect('RoleArn' in Properties).toBe(false);
  });
});

describe('outputs', () => {
  test.each([
    ['new KMS key, role', ENCRYPTIONS['new KMS key'], true, ['BucketName', 'BucketArn', 'KmsKeyArn', 'Region', 'RoleArn']],
    ['customer KMS key, no role', ENCRYPTIONS['customer KMS key'], false, ['BucketName', 'BucketArn', 'KmsKeyArn', 'Region']],
    ['SSE-S3, role', ENCRYPTIONS['SSE-S3'], true, ['BucketName', 'BucketArn', 'Region', 'RoleArn']],
    ['SSE-S3, no role', ENCRYPTIONS['SSE-S3'], false, ['BucketName', 'BucketArn', 'Region']],
  ] as const)('%s: outputs are %j', (_name, encryption, withRole, names) => {
    const t = render({ encryption, accessRole: withRole ? { externalId: EXTERNAL_ID } : null });
    expect(Object.keys(t.Outputs ?? {})).toEqual(names);
  });

  it('every output name is one of OUTPUT_NAMES', () => {
    for (const name of Object.keys(renderFull().Outputs ?? {})) expect(OUTPUT_NAMES).toContain(name);
  });

  test.each([
    ['BucketName', ref(LOGICAL_IDS.bucket)],
    ['BucketArn', bucketArn],
    ['KmsKeyArn', createdKeyArn],
    ['Region', ref('AWS::Region')],
    ['RoleArn', getAtt(LOGICAL_IDS.accessRole, 'Arn')],
  ] as const)('output %s has the right value', (name, value) => {
    expect(renderFull().Outputs?.[name]?.Value).toEqual(value);
  });

  it("output KmsKeyArn is the customer's ARN for a customer key", () => {
    expect(render({ encryption: ENCRYPTIONS['customer KMS key'] }).Outputs?.KmsKeyArn?.Value).toBe(CUSTOMER_KEY_ARN);
  });
});

describe('description and metadata', () => {
  it('names the vendor and the template version', () => {
    const description = render().Description ?? '';
    expect(description).toContain('Weights & Biases');
    expect(description).toContain('1.0.0');
  });

  test.each(Object.keys(ENCRYPTIONS) as Array<keyof typeof ENCRYPTIONS>)('with a %s, it is at most 1024 characters', (kind) => {
    expect((renderFull({ encryption: ENCRYPTIONS[kind] }).Description ?? '').length).toBeLessThanOrEqual(1024);
  });

  test.each([...KEY_USE_ACTIONS, VENDOR_ROOT])('for a customer key, it states the vendor needs %s', (text) => {
    expect(render({ encryption: ENCRYPTIONS['customer KMS key'] }).Description).toContain(text);
  });

  it('an over-long description is refused, not truncated', () => {
    expect(() => render({ vendor: { accountId: '830241207209', name: 'V'.repeat(1100), principalArn: VENDOR_ROOT } })).toThrow(RangeError);
  });

  it('template Metadata carries the request id and template version', () => {
    expect(render().Metadata?.Byob).toEqual({ RequestId: 'byob_01JAAAAAAAAAAAAAAAAAAAAAAA', TemplateVersion: '1.0.0' });
  });
});

describe('tags on the other resources', () => {
  it('the key carries the system tags and the request tags', () => {
    const tags = keyOf(render()).Properties.Tags;
    expect(tags).toContainEqual({ Key: 'byob:request', Value: 'byob_01JAAAAAAAAAAAAAAAAAAAAAAA' });
    expect(tags).toContainEqual({ Key: 'cost-center', Value: 'ml' });
  });

  it('the role carries the system tags only (it costs nothing; request tags would only add size)', () => {
    expect(roleOf(renderFull()).Properties.Tags.map((t) => t.Key)).toEqual(['byob:tenant', 'byob:team', 'byob:request', 'byob:scope']);
  });
});

describe('vendor principal (VENDOR_PRINCIPAL: the account root or one role of the vendor account)', () => {
  const withPrincipal = (principalArn: string, overrides: Partial<ByobTemplateSpec> = {}) =>
    renderFull({ vendor: { accountId: '830241207209', name: 'Weights & Biases', principalArn }, quickCreate: null, ...overrides });

  test.each([
    ['the account root', VENDOR_ROOT],
    ['a role', VENDOR_ROLE],
  ])('with %s, every bucket-policy Allow names exactly it', (_kind, principal) => {
    const allows = policyOf(withPrincipal(principal)).Statement.filter((s) => s.Effect === 'Allow');
    expect(allows).toHaveLength(3);
    for (const s of allows) expect(s.Principal).toEqual({ AWS: principal });
  });

  test.each([
    ['the account root', VENDOR_ROOT],
    ['a role', VENDOR_ROLE],
  ])('with %s, the key policy statements "External" and "ExternalVerification" name exactly it', (_kind, principal) => {
    const policy = keyOf(withPrincipal(principal)).Properties.KeyPolicy;
    expect(statementBySid(policy, 'External').Principal).toEqual({ AWS: principal });
    expect(statementBySid(policy, 'ExternalVerification').Principal).toEqual({ AWS: principal });
  });

  test.each([
    ['the account root', VENDOR_ROOT],
    ['a role', VENDOR_ROLE],
  ])("with %s, the access role's trust names exactly it, still with the external id", (_kind, principal) => {
    const [trust] = roleOf(withPrincipal(principal)).Properties.AssumeRolePolicyDocument.Statement;
    expect(trust?.Principal).toEqual({ AWS: principal });
    expect(trust?.Condition).toEqual({ StringEquals: { 'sts:ExternalId': EXTERNAL_ID } });
  });

  test.each(Object.keys(ENCRYPTIONS) as Array<keyof typeof ENCRYPTIONS>)('with a role and a %s, the account root is granted nowhere', (kind) => {
    expect(serializeTemplate(withPrincipal(VENDOR_ROLE, { encryption: ENCRYPTIONS[kind] }))).not.toContain(VENDOR_ROOT);
  });

  it("the key policy keeps the stack account's own statement whatever the vendor principal", () => {
    expect(statementBySid(keyOf(withPrincipal(VENDOR_ROLE)).Properties.KeyPolicy, 'Internal').Principal).toEqual({ AWS: sub('arn:${AWS::Partition}:iam::${AWS::AccountId}:root') });
  });

  it('the description names the principal, and for a customer key asks its key policy to allow that principal', () => {
    expect(withPrincipal(VENDOR_ROLE).Description).toContain(`shared with ${VENDOR_ROLE}`);
    expect(withPrincipal(VENDOR_ROLE, { encryption: ENCRYPTIONS['customer KMS key'] }).Description).toContain(`Your KMS key must allow ${VENDOR_ROLE}`);
  });
});

describe('adopting a bucket an earlier request retained', () => {
  const RETAINED_KEY = 'arn:aws:kms:eu-west-1:123456789012:key/5a1e0b7e-0000-4000-8000-000000000001';
  const FROM = 'byob_01JZZZZZZZZZZZZZZZZZZZZZZZ';
  const adopting = (overrides: Partial<ByobTemplateSpec> = {}) =>
    renderFull({ quickCreate: null, adopted: { fromRequestId: FROM }, encryption: { type: 'sse-kms', kmsKeyArn: RETAINED_KEY }, ...overrides });
  const retainedBucketArn = join(['arn:', pseudo('AWS::Partition'), ':s3:::', 'acme-omega-artifacts']);
  const retainedObjectsArn = join([retainedBucketArn, '/*']);

  it('creates no bucket, key or alias: only the bucket policy and the access role', () => {
    expect(Object.keys(adopting().Resources).sort()).toEqual([LOGICAL_IDS.accessRole, LOGICAL_IDS.bucketPolicy].sort());
  });

  it('puts the bucket policy on the retained bucket by name, every statement on its ARN, with the same statements as a created bucket', () => {
    const policy = resourceOf<S3BucketPolicyProperties>(adopting(), LOGICAL_IDS.bucketPolicy).Properties;
    expect(policy.Bucket).toBe('acme-omega-artifacts');
    expect(policy.PolicyDocument.Statement.map((s) => s.Sid)).toEqual(policyOf(render()).Statement.map((s) => s.Sid));
    expect(resourcesOf(statementBySid(policy.PolicyDocument, 'VendorAccountAccess'))).toEqual([retainedBucketArn, retainedObjectsArn]);
    expect(statementBySid(policy.PolicyDocument, 'VendorAccountAccess').Principal).toEqual({ AWS: VENDOR_ROOT });
  });

  it('grants the access role the retained bucket and the retained key', () => {
    const statements = roleOf(adopting()).Properties.Policies[0]!.PolicyDocument.Statement;
    expect(statements.flatMap(resourcesOf)).toEqual([retainedBucketArn, retainedObjectsArn, RETAINED_KEY]);
  });

  it('reports the retained bucket and key as its outputs', () => {
    const outputs = adopting().Outputs ?? {};
    expect(Object.keys(outputs)).toEqual(['BucketName', 'BucketArn', 'KmsKeyArn', 'Region', 'RoleArn']);
    expect([outputs.BucketName?.Value, outputs.BucketArn?.Value, outputs.KmsKeyArn?.Value]).toEqual(['acme-omega-artifacts', retainedBucketArn, RETAINED_KEY]);
  });

  it('adopts an SSE-S3 bucket without any key', () => {
    const t = adopting({ encryption: { type: 'sse-s3' } });
    expect(t.Outputs?.KmsKeyArn).toBeUndefined();
    expect(JSON.stringify(t)).not.toContain('kms:');
  });

  it('says in its description and metadata that it adopts, and from which request', () => {
    const t = adopting();
    expect(t.Description).toContain(`the existing bucket acme-omega-artifacts, retained by request ${FROM}`);
    expect(t.Description).toContain('creates no bucket or key');
    expect(t.Metadata?.Byob).toEqual({ RequestId: 'byob_01JAAAAAAAAAAAAAAAAAAAAAAA', TemplateVersion: '1.0.0', AdoptedFromRequestId: FROM });
  });

  it('refuses to pair an adopted bucket with a new key', () => {
    expect(() => adopting({ encryption: { type: 'sse-kms' } })).toThrow(RangeError);
  });
});
