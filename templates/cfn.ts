/**
 * Typed CloudFormation: the template envelope, policy documents and the intrinsic functions the
 * renderers use. Templates are plain objects serialised with JSON.stringify, never string templates.
 */

/** `{ "Ref": name }`: a parameter, resource or pseudo parameter. */
export interface RefFn {
  readonly Ref: string;
}

/** `{ "Fn::GetAtt": [logicalId, attribute] }`. */
export interface GetAttFn {
  readonly 'Fn::GetAtt': readonly [string, string];
}

/** `{ "Fn::Sub": template }`; only ever built from literals of the renderer (see {@link sub}). */
export interface SubFn {
  readonly 'Fn::Sub': string;
}

/** `{ "Fn::Join": [delimiter, parts] }`: concatenation that keeps every part an inert literal. */
export interface JoinFn {
  readonly 'Fn::Join': readonly [string, readonly CfnString[]];
}

/** Any intrinsic function the renderers emit. */
export type Intrinsic = RefFn | GetAttFn | SubFn | JoinFn;

/** A string-valued property: a literal or an intrinsic that resolves to a string. */
export type CfnString = string | Intrinsic;

/** The pseudo parameters the renderers refer to. */
export type PseudoParameter = 'AWS::AccountId' | 'AWS::Region' | 'AWS::Partition' | 'AWS::StackName' | 'AWS::StackId';

/** `Ref` of a logical id, parameter or pseudo parameter. */
export const ref = (name: string): RefFn => ({ Ref: name });

/** `Fn::GetAtt` of a resource attribute. */
export const getAtt = (logicalId: string, attribute: string): GetAttFn => ({ 'Fn::GetAtt': [logicalId, attribute] });

/**
 * `Fn::Sub` of a template fixed at compile time. The parameter type rejects a widened `string`,
 * so a value that came from a request cannot become a Sub template (and so cannot become `${…}`).
 */
export const sub = <T extends string>(template: string extends T ? never : T): SubFn => ({ 'Fn::Sub': template });

/** `Fn::Join` of parts with a delimiter (`''` by default). */
export const join = (parts: readonly CfnString[], delimiter = ''): JoinFn => ({ 'Fn::Join': [delimiter, parts] });

/** `Ref` of a pseudo parameter, typed so a typo does not compile. */
export const pseudo = (name: PseudoParameter): RefFn => ref(name);

/** Keys that make an object an intrinsic function (or a condition function) in CloudFormation. */
export const isIntrinsicKey = (key: string): boolean => key === 'Ref' || key === 'Condition' || key.startsWith('Fn::');

/** One tag, as S3, KMS and IAM resources take them. */
export interface Tag {
  readonly Key: string;
  readonly Value: CfnString;
}

/** A principal block of a resource or trust policy. */
export type Principal = '*' | { readonly AWS?: CfnString | readonly CfnString[]; readonly Service?: string | readonly string[] };

/** Condition block: operator → key → value(s). */
export type PolicyCondition = Readonly<Record<string, Readonly<Record<string, string | number | boolean | readonly string[]>>>>;

/** One IAM policy statement. */
export interface PolicyStatement {
  readonly Sid?: string;
  readonly Effect: 'Allow' | 'Deny';
  readonly Principal?: Principal;
  readonly Action: string | readonly string[];
  /** Absent only in trust policies, where the role itself is the resource. */
  readonly Resource?: CfnString | readonly CfnString[];
  readonly Condition?: PolicyCondition;
}

/** An IAM policy document (identity, resource, key or trust policy). */
export interface PolicyDocument {
  readonly Version: '2012-10-17';
  readonly Id?: string;
  readonly Statement: readonly PolicyStatement[];
}

/** What happens to a resource's physical object when the stack deletes or replaces it. */
export type RetentionPolicy = 'Delete' | 'Retain' | 'Snapshot' | 'RetainExceptOnCreate';

/** Resource-level Metadata; `checkov.skip` is how a check is justified in the template itself. */
export interface ResourceMetadata {
  readonly checkov?: { readonly skip: readonly CheckovSkip[] };
  readonly [key: string]: unknown;
}

/** One justified checkov skip: the check id and why it does not apply. */
export interface CheckovSkip {
  readonly id: string;
  readonly comment: string;
}

/** A resource of type `Type` with properties `P`. */
export interface Resource<P extends object = Readonly<Record<string, unknown>>> {
  readonly Type: string;
  readonly Properties: P;
  readonly DependsOn?: readonly string[];
  readonly DeletionPolicy?: RetentionPolicy;
  readonly UpdateReplacePolicy?: RetentionPolicy;
  readonly Metadata?: ResourceMetadata;
}

/** A template parameter. */
export interface Parameter {
  readonly Type: 'String' | 'Number' | 'CommaDelimitedList';
  readonly Description?: string;
  readonly Default?: string;
  readonly AllowedPattern?: string;
  readonly ConstraintDescription?: string;
  readonly MinLength?: number;
  readonly MaxLength?: number;
  readonly NoEcho?: boolean;
}

/** A template output. */
export interface Output {
  readonly Description?: string;
  readonly Value: CfnString;
}

/** A whole CloudFormation template. */
export interface CfnTemplate {
  readonly AWSTemplateFormatVersion: '2010-09-09';
  readonly Description?: string;
  readonly Metadata?: Readonly<Record<string, unknown>>;
  readonly Parameters?: Readonly<Record<string, Parameter>>;
  readonly Resources: Readonly<Record<string, Resource<object>>>;
  readonly Outputs?: Readonly<Record<string, Output>>;
}

/** CloudFormation's limit on a template Description. */
export const MAX_DESCRIPTION_LENGTH = 1024;

/** CloudFormation's limit on a template body passed inline (TemplateBody); larger ones go through S3. */
export const MAX_TEMPLATE_BODY_BYTES = 51_200;

/** The JSON text of a template: the only serialisation, done last (compact: size limits count bytes). */
export const serializeTemplate = (template: CfnTemplate): string => JSON.stringify(template);

/** Logical ids a value refers to through `Ref` or `Fn::GetAtt` (pseudo parameters excluded). */
export const referencedLogicalIds = (value: unknown): Set<string> => {
  const found = new Set<string>();
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) {
      node.forEach(visit);
      return;
    }
    if (node === null || typeof node !== 'object') return;
    for (const [key, child] of Object.entries(node)) {
      if (key === 'Ref' && typeof child === 'string' && !child.startsWith('AWS::')) found.add(child);
      else if (key === 'Fn::GetAtt' && Array.isArray(child) && typeof child[0] === 'string') found.add(child[0]);
      else visit(child);
    }
  };
  visit(value);
  return found;
};
