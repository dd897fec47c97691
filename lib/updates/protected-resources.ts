import type { ResourceChange } from '../provisioning/record.js';

/**
 * Which changes of a change set an update must never execute: those that would replace or remove a
 * resource holding the customer's data or the vendor's access. A replaced bucket is a new, empty one
 * (the old one, retained, leaves the stack with the data); a replaced key cannot decrypt what the old
 * one encrypted; a replaced or removed bucket policy drops the vendor's grant, at least for a moment.
 * Judged by resource type, whatever its logical id: a renamed bucket is a removed one plus a new one.
 */

/** What each protected resource type holds, for the refusal's reason. */
export const PROTECTED_TYPES: Readonly<Record<string, string>> = {
  'AWS::S3::Bucket': 'the bucket holds the data: a replacement would be a new, empty bucket, and the old one (retained) would leave the stack with the data',
  'AWS::KMS::Key': 'the key encrypts the data: a replacement could not decrypt what it encrypted, and a removed key is scheduled for deletion',
  'AWS::S3::BucketPolicy': "the bucket policy holds the vendor's grant: replacing or removing it takes the vendor's access away",
};

/** A change refused, with why. */
export interface RefusedChange extends ResourceChange {
  why: string;
}

/** Whether the change replaces its resource or may do so ("Conditional" depends on values known only at execution). */
const replaces = (c: ResourceChange) => c.action === 'Remove' || (c.action === 'Modify' && (c.replacement === 'True' || c.replacement === 'Conditional'));

/** The changes that touch a protected resource in a way that could lose data or access: empty when the change set may run. */
export const refusedChanges = (changes: readonly ResourceChange[]): RefusedChange[] =>
  changes.flatMap((c) => {
    const held = PROTECTED_TYPES[c.resourceType];
    if (!held || !replaces(c)) return [];
    const what = c.action === 'Remove' ? 'remove' : c.replacement === 'Conditional' ? 'possibly replace' : 'replace';
    return [{ ...c, why: `The update would ${what} ${c.logicalId} (${c.resourceType}): ${held}.` }];
  });
