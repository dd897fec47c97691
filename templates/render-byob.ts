/**
 * The BYOB template: bucket, key, bucket policy, optional vendor access role and, for quick-create,
 * the registration custom resources. Every request-derived string is placed as a plain JSON string
 * value (or a part of Fn::Join); Fn::Sub only ever receives the renderer's own literals.
 */
import {
  MAX_DESCRIPTION_LENGTH,
  getAtt,
  join,
  pseudo,
  ref,
  referencedLogicalIds,
  sub,
  type CfnString,
  type CfnTemplate,
  type Output,
  type Parameter,
  type PolicyDocument,
  type PolicyStatement,
  type Resource,
  type Tag,
} from './cfn.js';
import { assertNoDynamicReferences } from './dynamic-references.js';
import {
  ACCESS_ROLE_S3_ACTIONS,
  KEY_USER_ACTIONS,
  BUCKET_POLICY_ID,
  VENDOR_VERIFY_KEY_ACTIONS,
  VERIFY_PROBE_PREFIX,
  VENDOR_KEY_POLICY_ACTIONS,
  bucketPolicyStatements,
} from './grants.js';
import type {
  IamRoleProperties,
  KmsAliasProperties,
  KmsKeyProperties,
  RegistrationProperties,
  S3BucketPolicyProperties,
  S3BucketProperties,
  S3CorsRule,
} from './resource-types.js';
import { REGISTRATION_TOKEN_PARAMETER, type ByobTemplateSpec, type CorsRule } from './spec.js';

/** Logical ids of the resources a BYOB template may contain. */
export const LOGICAL_IDS = {
  key: 'ByobKmsKey',
  keyAlias: 'ByobKmsKeyAlias',
  bucket: 'ByobBucket',
  bucketPolicy: 'ByobBucketPolicy',
  accessRole: 'ByobAccessRole',
  started: 'ByobStarted',
  ready: 'ByobReady',
} as const;

/** Resource type of the quick-create registration custom resources. */
export const REGISTRATION_RESOURCE_TYPE = 'Custom::ByobRegistration';

/** What the registration token parameter accepts: base64url tokens, as lib/ids makes them. */
export const REGISTRATION_TOKEN_PATTERN = '^[A-Za-z0-9_-]{16,256}$';

/** Days after which S3 aborts an incomplete multipart upload (its parts cost storage until then). */
export const ABORT_INCOMPLETE_MULTIPART_DAYS = 7;

/** Why CKV_AWS_18 (server access logging) is skipped when no log bucket is configured. */
export const ACCESS_LOGGING_SKIP_REASON =
  'Server access logs need a separate target bucket; the vendor configured none for this template. ' +
  'Object-level access can be audited with CloudTrail data events, and the customer may add logging later without replacing the bucket.';

const RETAIN = { DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' } as const;

/** The stack account's root principal; an intrinsic, since the template does not know the account. */
const STACK_ACCOUNT_ROOT = sub('arn:${AWS::Partition}:iam::${AWS::AccountId}:root');

/** How the bucket's key is referred to: the stack's own key, the customer's key ARN, or none (SSE-S3). */
const keyArnOf = (spec: ByobTemplateSpec): CfnString | null => {
  if (spec.encryption.type === 'sse-s3') return null;
  return spec.encryption.kmsKeyArn ?? getAtt(LOGICAL_IDS.key, 'Arn');
};

const createsKey = (spec: ByobTemplateSpec): boolean => spec.encryption.type === 'sse-kms' && spec.encryption.kmsKeyArn === undefined;

/**
 * The bucket's name and ARNs: the stack's own bucket, or the bucket an earlier request retained, which
 * the template only names (its ARN built with the partition, as GetAtt would answer it).
 */
const bucketRefsOf = (spec: ByobTemplateSpec): { name: CfnString; arn: CfnString; objects: CfnString } => {
  const arn = spec.adopted === null ? getAtt(LOGICAL_IDS.bucket, 'Arn') : join(['arn:', pseudo('AWS::Partition'), ':s3:::', spec.bucketName]);
  return { name: spec.adopted === null ? ref(LOGICAL_IDS.bucket) : spec.bucketName, arn, objects: join([arn, '/*']) };
};

/** The tags that identify a BYOB resource: on every resource. */
const systemTagsOf = (spec: ByobTemplateSpec): Tag[] => [
  { Key: 'byob:tenant', Value: spec.tenant },
  { Key: 'byob:team', Value: spec.team ?? 'instance' },
  { Key: 'byob:request', Value: spec.requestId },
  { Key: 'byob:scope', Value: spec.scope },
];

/**
 * System tags plus the request's own, on the resources that cost money (bucket, key). System tags
 * are authoritative: a request tag cannot shadow byob:* (nor use aws:*, which AWS reserves).
 */
const tagsOf = (spec: ByobTemplateSpec): Tag[] => {
  const own = Object.entries(spec.tags)
    .filter(([key]) => !/^(byob|aws):/i.test(key))
    .map(([Key, Value]) => ({ Key, Value }));
  return [...systemTagsOf(spec), ...own];
};

const kmsKey = (spec: ByobTemplateSpec): Resource<KmsKeyProperties> => ({
  Type: 'AWS::KMS::Key',
  ...RETAIN,
  Properties: {
    Description: `${spec.vendor.name} BYOB key for bucket ${spec.bucketName}`,
    KeyUsage: 'ENCRYPT_DECRYPT',
    KeySpec: 'SYMMETRIC_DEFAULT',
    EnableKeyRotation: true,
    KeyPolicy: {
      Version: '2012-10-17',
      Statement: [
        // A key policy's Resource "*" means "this key"; the account statement keeps the key manageable.
        { Sid: 'Internal', Effect: 'Allow', Principal: { AWS: STACK_ACCOUNT_ROOT }, Action: 'kms:*', Resource: '*' },
        {
          Sid: 'External',
          Effect: 'Allow',
          Principal: { AWS: spec.vendor.principalArn },
          Action: [...VENDOR_KEY_POLICY_ACTIONS],
          Resource: '*',
        },
        {
          Sid: 'ExternalVerification',
          Effect: 'Allow',
          Principal: { AWS: spec.vendor.principalArn },
          Action: [...VENDOR_VERIFY_KEY_ACTIONS],
          Resource: '*',
        },
      ],
    },
    Tags: tagsOf(spec),
  },
});

/**
 * `alias/byob/<bucket>/<request ULID>`: unique per request, so an alias retained with an earlier
 * request's key never blocks a new stack for the same bucket name, and a key's aliases still group by
 * bucket. Alias names allow only [A-Za-z0-9/_-] (bucket names may also hold dots); at most
 * 11 + 63 + 1 + 26 of the 256 characters allowed.
 */
export const kmsAliasName = (bucketName: string, requestId: string): string => {
  const safe = (text: string) => text.replace(/[^A-Za-z0-9_-]/g, '-');
  return `alias/byob/${safe(bucketName)}/${safe(requestId.replace(/^byob_/, ''))}`;
};

const kmsAlias = (spec: ByobTemplateSpec): Resource<KmsAliasProperties> => ({
  Type: 'AWS::KMS::Alias',
  // Retained with the key, so a retained key stays recognisable after the stack is gone.
  ...RETAIN,
  Properties: { AliasName: kmsAliasName(spec.bucketName, spec.requestId), TargetKeyId: ref(LOGICAL_IDS.key) },
});

const corsRuleOf = (rule: CorsRule): S3CorsRule => ({
  AllowedOrigins: [...rule.allowedOrigins],
  AllowedMethods: [...rule.allowedMethods],
  ...(rule.allowedHeaders.length > 0 ? { AllowedHeaders: [...rule.allowedHeaders] } : {}),
  ...(rule.exposedHeaders.length > 0 ? { ExposedHeaders: [...rule.exposedHeaders] } : {}),
  MaxAge: rule.maxAgeSeconds,
});

const encryptionOf = (spec: ByobTemplateSpec): S3BucketProperties['BucketEncryption'] => {
  const keyArn = keyArnOf(spec);
  return {
    ServerSideEncryptionConfiguration: [
      keyArn === null
        ? { ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }
        : // The bucket key cuts KMS requests (and their cost and throttling) by orders of magnitude.
          { ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: keyArn }, BucketKeyEnabled: true },
    ],
  };
};

const bucket = (spec: ByobTemplateSpec): Resource<S3BucketProperties> => ({
  Type: 'AWS::S3::Bucket',
  ...RETAIN,
  ...(spec.accessLogBucket === null
    ? { Metadata: { checkov: { skip: [{ id: 'CKV_AWS_18', comment: ACCESS_LOGGING_SKIP_REASON }] } } }
    : {}),
  Properties: {
    BucketName: spec.bucketName,
    VersioningConfiguration: { Status: 'Enabled' },
    BucketEncryption: encryptionOf(spec),
    ...(spec.corsRules.length > 0 ? { CorsConfiguration: { CorsRules: spec.corsRules.map(corsRuleOf) } } : {}),
    PublicAccessBlockConfiguration: {
      BlockPublicAcls: true,
      BlockPublicPolicy: true,
      IgnorePublicAcls: true,
      RestrictPublicBuckets: true,
    },
    OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
    LifecycleConfiguration: {
      Rules: [
        {
          Id: 'abort-incomplete-multipart-uploads',
          Status: 'Enabled',
          AbortIncompleteMultipartUpload: { DaysAfterInitiation: ABORT_INCOMPLETE_MULTIPART_DAYS },
        },
      ],
    },
    ...(spec.accessLogBucket === null
      ? {}
      : { LoggingConfiguration: { DestinationBucketName: spec.accessLogBucket, LogFilePrefix: `${spec.bucketName}/` } }),
    Tags: tagsOf(spec),
  },
});

const bucketPolicy = (spec: ByobTemplateSpec): Resource<S3BucketPolicyProperties> => {
  const bucket = bucketRefsOf(spec);
  return {
    Type: 'AWS::S3::BucketPolicy',
    Properties: {
      Bucket: bucket.name,
      PolicyDocument: {
        Version: '2012-10-17',
        Id: BUCKET_POLICY_ID,
        Statement: bucketPolicyStatements<CfnString>(spec.vendor.principalArn, {
          bucket: bucket.arn,
          objects: bucket.objects,
          probe: join([bucket.arn, `/${VERIFY_PROBE_PREFIX}*`]),
        }),
      },
    },
  };
};

const accessRole = (spec: ByobTemplateSpec, externalId: string): Resource<IamRoleProperties> => {
  const keyArn = keyArnOf(spec);
  const bucket = bucketRefsOf(spec);
  const bucketActions = ['s3:ListBucket', 's3:ListBucketMultipartUploads', 's3:ListBucketVersions'];
  // Seed 004's set, split so bucket-level actions apply to the bucket and object-level ones to its objects.
  const statements: PolicyStatement[] = [
    { Sid: 'BucketLevel', Effect: 'Allow', Action: ACCESS_ROLE_S3_ACTIONS.filter((a) => bucketActions.includes(a)), Resource: bucket.arn },
    {
      Sid: 'ObjectLevel',
      Effect: 'Allow',
      Action: ACCESS_ROLE_S3_ACTIONS.filter((a) => !bucketActions.includes(a)),
      Resource: bucket.objects,
    },
    ...(keyArn === null ? [] : [{ Sid: 'UseBucketKey', Effect: 'Allow' as const, Action: [...KEY_USER_ACTIONS], Resource: keyArn }]),
  ];
  const trust: PolicyDocument = {
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Principal: { AWS: spec.vendor.principalArn },
        Action: 'sts:AssumeRole',
        Condition: { StringEquals: { 'sts:ExternalId': externalId } },
      },
    ],
  };
  return {
    Type: 'AWS::IAM::Role',
    Properties: {
      Description: `Lets ${spec.vendor.name} read and write the BYOB bucket (assumed with an external id).`,
      AssumeRolePolicyDocument: trust,
      Policies: [{ PolicyName: 'byob-bucket-access', PolicyDocument: { Version: '2012-10-17', Statement: statements } }],
      // A role costs nothing, so cost tags add only size: 40 request tags on three resources pass 51,200 bytes.
      Tags: systemTagsOf(spec),
    },
  };
};

/** The ARNs the stack hands back to the vendor, present only when they apply. */
const resultValues = (spec: ByobTemplateSpec): { BucketName: CfnString; BucketArn: CfnString; KmsKeyArn?: CfnString; RoleArn?: CfnString } => {
  const keyArn = keyArnOf(spec);
  const bucket = bucketRefsOf(spec);
  return {
    BucketName: bucket.name,
    BucketArn: bucket.arn,
    ...(keyArn === null ? {} : { KmsKeyArn: keyArn }),
    ...(spec.accessRole === null ? {} : { RoleArn: getAtt(LOGICAL_IDS.accessRole, 'Arn') }),
  };
};

const registration = (
  spec: ByobTemplateSpec,
  topicArn: string,
  phase: 'started' | 'ready',
  extra: Partial<RegistrationProperties>,
  dependsOn: readonly string[],
): Resource<RegistrationProperties> => ({
  Type: REGISTRATION_RESOURCE_TYPE,
  ...(dependsOn.length > 0 ? { DependsOn: dependsOn } : {}),
  Properties: {
    ServiceToken: topicArn,
    RequestId: spec.requestId,
    Token: ref(REGISTRATION_TOKEN_PARAMETER),
    Phase: phase,
    TemplateVersion: spec.templateVersion,
    ...(spec.quickCreate?.updateId === undefined ? {} : { UpdateId: spec.quickCreate.updateId }),
    ...extra,
  },
});

const tokenParameter: Parameter = {
  Type: 'String',
  Description: 'Filled in by the quick-create link: ties this stack to its BYOB request. Do not change it.',
  AllowedPattern: REGISTRATION_TOKEN_PATTERN,
  ConstraintDescription: 'must be the registration token from the quick-create link',
};

const description = (spec: ByobTemplateSpec): string => {
  const vendor = spec.vendor.principalArn;
  const role = spec.accessRole === null ? '' : ' and an IAM role it assumes with an external id';
  const parts =
    spec.adopted === null
      ? [
          `${spec.vendor.name} bring-your-own-bucket storage (template ${spec.templateVersion}):`,
          createsKey(spec) ? 'a versioned, private S3 bucket encrypted with a new KMS key,' : 'a versioned, private, encrypted S3 bucket,',
          `shared with ${vendor}${role}.`,
          createsKey(spec) ? 'The bucket and key are retained when the stack is deleted.' : 'The bucket is retained when the stack is deleted.',
        ]
      : [
          `${spec.vendor.name} bring-your-own-bucket storage (template ${spec.templateVersion}):`,
          `shares the existing bucket ${spec.bucketName}, retained by request ${spec.adopted.fromRequestId}, with ${vendor}${role}.`,
          'The stack creates no bucket or key, and deleting it leaves both in place.',
        ];
  if (spec.adopted === null && spec.encryption.type === 'sse-kms' && spec.encryption.kmsKeyArn !== undefined) {
    parts.push(`Your KMS key must allow ${vendor} ${KEY_USER_ACTIONS.join(', ')} in its key policy.`);
  }
  const text = parts.join(' ');
  if (text.length > MAX_DESCRIPTION_LENGTH) {
    throw new RangeError(`Template description is ${text.length} characters (max ${MAX_DESCRIPTION_LENGTH}); shorten the vendor name or template version.`);
  }
  return text;
};

const outputs = (spec: ByobTemplateSpec): Record<string, Output> => {
  const values = resultValues(spec);
  return {
    BucketName: { Description: 'Name of the BYOB bucket', Value: values.BucketName },
    BucketArn: { Description: 'ARN of the BYOB bucket', Value: values.BucketArn },
    ...(values.KmsKeyArn === undefined ? {} : { KmsKeyArn: { Description: 'ARN of the KMS key that encrypts the bucket', Value: values.KmsKeyArn } }),
    Region: { Description: 'Region of the bucket', Value: pseudo('AWS::Region') },
    ...(values.RoleArn === undefined ? {} : { RoleArn: { Description: 'ARN of the role the vendor assumes', Value: values.RoleArn } }),
  };
};

/**
 * Renders the BYOB CloudFormation template for a validated spec; pure (same spec, same template).
 * Throws DynamicReferenceError if a spec string contains `{{resolve:` (the one thing JSON cannot make inert),
 * and RangeError for an adopted bucket given a new key.
 */
export const renderByobTemplate = (spec: ByobTemplateSpec): CfnTemplate => {
  assertNoDynamicReferences(spec);
  if (spec.adopted !== null && createsKey(spec)) {
    throw new RangeError('An adopted bucket keeps its own encryption: give encryption.kmsKeyArn (its key) or SSE-S3, never a new key.');
  }
  const resources: Record<string, Resource<object>> = {
    ...(createsKey(spec) ? { [LOGICAL_IDS.key]: kmsKey(spec), [LOGICAL_IDS.keyAlias]: kmsAlias(spec) } : {}),
    ...(spec.adopted === null ? { [LOGICAL_IDS.bucket]: bucket(spec) } : {}),
    [LOGICAL_IDS.bucketPolicy]: bucketPolicy(spec),
    ...(spec.accessRole === null ? {} : { [LOGICAL_IDS.accessRole]: accessRole(spec, spec.accessRole.externalId) }),
  };
  const quick = spec.quickCreate;
  if (quick !== null) {
    // Nothing is created before the stack has registered: a refused link (bad token, another account,
    // expired) creates nothing, and any later failure rolls back through ByobStarted's Delete, which
    // reports it. Only resources with no other dependency need the edge (more would be cfn-lint W3005).
    for (const [id, resource] of Object.entries(resources)) {
      if (![...referencedLogicalIds(resource.Properties)].some((dep) => dep in resources)) {
        resources[id] = { ...resource, DependsOn: [...(resource.DependsOn ?? []), LOGICAL_IDS.started] };
      }
    }
    resources[LOGICAL_IDS.started] = registration(spec, quick.registrationTopicArn, 'started', {}, []);
    const ready: Partial<RegistrationProperties> = {
      ...resultValues(spec),
      Region: pseudo('AWS::Region'),
      AccountId: pseudo('AWS::AccountId'),
    };
    // Resources already referenced by Ref/GetAtt are implicit dependencies; listing them again is a cfn-lint warning.
    const implicit = referencedLogicalIds(ready);
    const dependsOn = Object.keys(resources).filter((id) => !implicit.has(id));
    resources[LOGICAL_IDS.ready] = registration(spec, quick.registrationTopicArn, 'ready', ready, dependsOn);
  }
  return {
    AWSTemplateFormatVersion: '2010-09-09',
    Description: description(spec),
    Metadata: {
      Byob: {
        RequestId: spec.requestId,
        TemplateVersion: spec.templateVersion,
        ...(spec.adopted === null ? {} : { AdoptedFromRequestId: spec.adopted.fromRequestId }),
      },
      ...(quick === null
        ? {}
        : {
            'AWS::CloudFormation::Interface': {
              ParameterLabels: { [REGISTRATION_TOKEN_PARAMETER]: { default: 'Registration token (from the link)' } },
            },
          }),
    },
    ...(quick === null ? {} : { Parameters: { [REGISTRATION_TOKEN_PARAMETER]: tokenParameter } }),
    Resources: resources,
    Outputs: outputs(spec),
  };
};
