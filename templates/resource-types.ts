/**
 * Property shapes of the AWS resource types the BYOB template uses: only the properties we set,
 * named and typed as the CloudFormation resource specification names them.
 */
import type { CfnString, PolicyDocument, RefFn, Tag } from './cfn.js';

/** AWS::KMS::Key properties. */
export interface KmsKeyProperties {
  readonly Description: string;
  readonly KeyUsage: 'ENCRYPT_DECRYPT';
  readonly KeySpec: 'SYMMETRIC_DEFAULT';
  readonly EnableKeyRotation: true;
  readonly KeyPolicy: PolicyDocument;
  readonly Tags: readonly Tag[];
}

/** AWS::KMS::Alias properties. */
export interface KmsAliasProperties {
  readonly AliasName: string;
  readonly TargetKeyId: CfnString;
}

/** One S3 CORS rule as CloudFormation spells it (MaxAge, ExposedHeaders). */
export interface S3CorsRule {
  readonly AllowedOrigins: readonly string[];
  readonly AllowedMethods: readonly string[];
  readonly AllowedHeaders?: readonly string[];
  readonly ExposedHeaders?: readonly string[];
  readonly MaxAge: number;
}

/** Default encryption of a bucket: SSE-KMS with a key, or SSE-S3. */
export type S3ServerSideEncryptionByDefault =
  | { readonly SSEAlgorithm: 'aws:kms'; readonly KMSMasterKeyID: CfnString }
  | { readonly SSEAlgorithm: 'AES256' };

/** AWS::S3::Bucket properties. */
export interface S3BucketProperties {
  readonly BucketName: string;
  readonly VersioningConfiguration: { readonly Status: 'Enabled' };
  readonly BucketEncryption: {
    readonly ServerSideEncryptionConfiguration: readonly {
      readonly ServerSideEncryptionByDefault: S3ServerSideEncryptionByDefault;
      readonly BucketKeyEnabled?: boolean;
    }[];
  };
  readonly CorsConfiguration?: { readonly CorsRules: readonly S3CorsRule[] };
  readonly PublicAccessBlockConfiguration: {
    readonly BlockPublicAcls: true;
    readonly BlockPublicPolicy: true;
    readonly IgnorePublicAcls: true;
    readonly RestrictPublicBuckets: true;
  };
  readonly OwnershipControls: { readonly Rules: readonly { readonly ObjectOwnership: 'BucketOwnerEnforced' }[] };
  readonly LifecycleConfiguration: {
    readonly Rules: readonly {
      readonly Id: string;
      readonly Status: 'Enabled';
      readonly AbortIncompleteMultipartUpload: { readonly DaysAfterInitiation: number };
    }[];
  };
  readonly LoggingConfiguration?: { readonly DestinationBucketName: string; readonly LogFilePrefix: string };
  readonly Tags: readonly Tag[];
}

/** AWS::S3::BucketPolicy properties: `Bucket` is the stack's bucket (Ref) or an adopted bucket's name. */
export interface S3BucketPolicyProperties {
  readonly Bucket: CfnString;
  readonly PolicyDocument: PolicyDocument;
}

/** AWS::IAM::Role properties (no RoleName: CloudFormation names it, so CAPABILITY_IAM suffices). */
export interface IamRoleProperties {
  readonly Description: string;
  readonly AssumeRolePolicyDocument: PolicyDocument;
  readonly Policies: readonly { readonly PolicyName: string; readonly PolicyDocument: PolicyDocument }[];
  readonly Tags: readonly Tag[];
}

/** Custom::ByobRegistration properties: what the vendor's registration handler receives. */
export interface RegistrationProperties {
  readonly ServiceToken: string;
  readonly RequestId: string;
  readonly Token: RefFn;
  readonly Phase: 'started' | 'ready';
  /**
   * The template version: a new version changes the properties, so applying it sends both resources an
   * Update (CloudFormation sends none to a custom resource whose properties are unchanged).
   */
  readonly TemplateVersion: string;
  /** The update offered to the customer that this template applies; absent from the template a stack was created with. */
  readonly UpdateId?: string;
  readonly BucketName?: CfnString;
  readonly BucketArn?: CfnString;
  readonly KmsKeyArn?: CfnString;
  readonly RoleArn?: CfnString;
  readonly Region?: CfnString;
  readonly AccountId?: CfnString;
}
