import * as z from 'zod/mini';
import { RequestId } from '../identifiers.js';
import type { ByobRecord, Outputs } from '../provisioning/record.js';
import '../validation/messages.js';

/**
 * What the registration resources of a quick-create template tell the registration handler
 * (templates/render-byob.ts): the request, its token and phase, the template version and the update
 * it applies, and (the "ready" one) the stack's outputs. CloudFormation sends every scalar as a string.
 */
export const RegistrationProps = z.object({
  RequestId,
  Token: z.string().check(z.minLength(16), z.maxLength(256)),
  Phase: z.enum(['started', 'ready']),
  // Absent from templates rendered before the registration resources carried them.
  TemplateVersion: z.optional(z.string().check(z.maxLength(64))),
  UpdateId: z.optional(z.string().check(z.maxLength(64))),
  BucketName: z.optional(z.string().check(z.maxLength(63))),
  BucketArn: z.optional(z.string().check(z.maxLength(200))),
  KmsKeyArn: z.optional(z.string().check(z.maxLength(200))),
  RoleArn: z.optional(z.string().check(z.maxLength(300))),
  Region: z.optional(z.string().check(z.maxLength(32))),
  AccountId: z.optional(z.string().check(z.maxLength(12))),
});
/** The parsed properties of a registration resource. */
export type RegistrationProps = z.infer<typeof RegistrationProps>;

/** The update an Update's OldResourceProperties came from: all a rollback needs to be recognised. */
export const PreviousProps = z.object({ UpdateId: z.optional(z.string().check(z.maxLength(64))) });
/** The parsed OldResourceProperties of an Update. */
export type PreviousProps = z.infer<typeof PreviousProps>;

/** The outputs the "ready" resource reports, if they describe this request's bucket in the stack's account and region; else why not. */
export const outputsOf = (p: RegistrationProps, r: ByobRecord, account: string, region: string): Outputs | string => {
  if (!p.BucketName || !p.BucketArn) return 'The ready registration carried no bucket outputs; launch the stack from the link the vendor portal gave you.';
  const keyPattern = new RegExp(`^arn:aws:kms:${region}:${account}:key/[A-Za-z0-9-]+$`);
  const problems = [
    p.BucketName !== r.bucketName && `BucketName ${p.BucketName} is not ${r.bucketName}`,
    p.BucketArn !== `arn:aws:s3:::${r.bucketName}` && 'BucketArn does not name that bucket',
    p.Region !== undefined && p.Region !== region && `Region ${p.Region} is not ${region}`,
    p.AccountId !== undefined && p.AccountId !== account && 'AccountId is not the stack\'s account',
    r.encryption.type === 'sse-kms' && !r.encryption.kmsKeyArn && !(p.KmsKeyArn && keyPattern.test(p.KmsKeyArn)) && 'KmsKeyArn is not a key of this account and region',
    r.encryption.kmsKeyArn && p.KmsKeyArn !== r.encryption.kmsKeyArn && 'KmsKeyArn is not the key the request names',
  ].filter((x): x is string => typeof x === 'string');
  if (problems.length) return `The stack's outputs do not match the request (${problems.join('; ')}); launch it unchanged from the link the vendor portal gave you.`;
  return {
    bucketName: p.BucketName,
    bucketArn: p.BucketArn,
    kmsKeyArn: r.encryption.type === 'sse-kms' ? (p.KmsKeyArn ?? null) : null,
    region,
    roleArn: p.RoleArn || null,
    accountId: account,
  };
};
