import { describe, expect, it } from 'vitest';
import type { ResourceChange } from '../../../lib/provisioning/record.js';
import { PROTECTED_TYPES, refusedChanges } from '../../../lib/updates/protected-resources.js';

const change = (action: string, logicalId: string, resourceType: string, replacement: ResourceChange['replacement'] = null): ResourceChange => ({ action, logicalId, resourceType, replacement });

describe('refusedChanges', () => {
  it.each([
    ['the bucket replaced', change('Modify', 'ByobBucket', 'AWS::S3::Bucket', 'True')],
    ['the bucket maybe replaced', change('Modify', 'ByobBucket', 'AWS::S3::Bucket', 'Conditional')],
    ['the bucket removed (renamed: removed, and a new one added)', change('Remove', 'ByobBucket', 'AWS::S3::Bucket')],
    ['the key replaced', change('Modify', 'ByobKmsKey', 'AWS::KMS::Key', 'True')],
    ['the key removed', change('Remove', 'ByobKmsKey', 'AWS::KMS::Key')],
    ["the vendor's grant replaced", change('Modify', 'ByobBucketPolicy', 'AWS::S3::BucketPolicy', 'True')],
    ["the vendor's grant removed", change('Remove', 'ByobBucketPolicy', 'AWS::S3::BucketPolicy')],
    ['a bucket under another logical id removed', change('Remove', 'LegacyBucket', 'AWS::S3::Bucket')],
  ])('refuses %s, saying why', (_what, c) => {
    const [refused, ...rest] = refusedChanges([c]);

    expect(rest).toEqual([]);
    expect(refused).toMatchObject(c);
    expect(refused!.why).toContain(c.logicalId);
    expect(refused!.why).toContain(PROTECTED_TYPES[c.resourceType]);
  });

  it.each([
    ['the bucket changed in place (CORS, tags)', change('Modify', 'ByobBucket', 'AWS::S3::Bucket', 'False')],
    ["the vendor's grant changed in place", change('Modify', 'ByobBucketPolicy', 'AWS::S3::BucketPolicy', 'False')],
    ['the key changed in place', change('Modify', 'ByobKmsKey', 'AWS::KMS::Key', 'False')],
    ['a bucket added', change('Add', 'ByobBucket', 'AWS::S3::Bucket')],
    ['the alias replaced (it only names the key)', change('Modify', 'ByobKmsKeyAlias', 'AWS::KMS::Alias', 'True')],
    ['the access role replaced', change('Modify', 'ByobAccessRole', 'AWS::IAM::Role', 'True')],
    ['the access role removed', change('Remove', 'ByobAccessRole', 'AWS::IAM::Role')],
    ['the access role added', change('Add', 'ByobAccessRole', 'AWS::IAM::Role')],
  ])('lets %s run', (_what, c) => {
    expect(refusedChanges([c])).toEqual([]);
  });

  it('lists every refused change of a change set, and only those', () => {
    const changes = [
      change('Modify', 'ByobBucket', 'AWS::S3::Bucket', 'True'),
      change('Modify', 'ByobBucketPolicy', 'AWS::S3::BucketPolicy', 'True'),
      change('Modify', 'ByobKmsKeyAlias', 'AWS::KMS::Alias', 'True'),
      change('Add', 'ByobAccessRole', 'AWS::IAM::Role'),
    ];

    expect(refusedChanges(changes).map((c) => c.logicalId)).toEqual(['ByobBucket', 'ByobBucketPolicy']);
  });
});
