import { PreconditionFailedError } from '../errors.js';
import type { ByobRecord } from './record.js';

/** A caller's condition on the record's version (an HTTP If-Match): true when the version it read is still current. */
export type VersionMatch = (version: number) => boolean;

/**
 * Throws a 412 when the record is not at a version the caller accepts. Checked on every read that a
 * conditional write follows, so the write's own version condition is what enforces it: a record moved
 * by another writer fails that write, and the read that would retry it fails here.
 */
export const checkPrecondition = (record: ByobRecord, ifMatch: VersionMatch | undefined): void => {
  if (ifMatch && !ifMatch(record.version)) {
    throw new PreconditionFailedError(`Request ${record.id} has changed since you read it (it is at version ${record.version} now); read it again and send its ETag.`);
  }
};
