import type { VersionMatch } from '../provisioning/precondition.js';

/** The entity tag of a record revision (lib/provisioning/record.ts revisionOf): what GET /byob/{id} sends as ETag. */
export const etagOf = (revision: number): string => `"${revision}"`;

/**
 * An If-Match header (RFC 9110 §13.1.1) as a test of the record's revision, or undefined without one (or an empty one):
 * `*` accepts any revision, a list accepts the revisions it names. The comparison is strong, so a weak
 * tag (`W/"3"`) and anything that is not an entity tag never match.
 */
export const parseIfMatch = (header: string | undefined): VersionMatch | undefined => {
  if (header === undefined || header.trim() === '') return undefined;
  if (header.trim() === '*') return () => true;
  const tags = new Set(header.split(',').map((t) => t.trim()));
  return (revision) => tags.has(etagOf(revision));
};
