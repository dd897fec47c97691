import { PreconditionFailedError } from '../errors.js';
import { type ByobRecord, revisionOf } from './record.js';

/** A caller's condition on the record's revision (an HTTP If-Match): true when the revision it read is still current. */
export type VersionMatch = (revision: number) => boolean;

/**
 * Throws a 412 when the record is not at a revision the caller accepts. Checked on every read that a
 * conditional write follows, so the write's own version condition is what enforces it: a record moved
 * by another writer fails that write, and the read that would retry it fails here.
 */
export const checkPrecondition = (record: ByobRecord, ifMatch: VersionMatch | undefined): void => {
  if (ifMatch && !ifMatch(revisionOf(record))) {
    throw new PreconditionFailedError(`Request ${record.id} has changed since you read it (it is at revision ${revisionOf(record)} now); read it again and send its ETag.`);
  }
};
