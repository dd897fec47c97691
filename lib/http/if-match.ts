import type { VersionMatch } from '../provisioning/precondition.js';

/** The entity tag of a record version: what GET /byob/{id} sends as ETag. */
export const etagOf = (version: number): string => `"${version}"`;

/**
 * An If-Match header (RFC 9110 §13.1.1) as a test of the record's version, or undefined without one (or an empty one):
 * `*` accepts any version, a list accepts the versions it names. The comparison is strong, so a weak
 * tag (`W/"3"`) and anything that is not an entity tag never match.
 */
export const parseIfMatch = (header: string | undefined): VersionMatch | undefined => {
  if (header === undefined || header.trim() === '') return undefined;
  if (header.trim() === '*') return () => true;
  const tags = new Set(header.split(',').map((t) => t.trim()));
  return (version) => tags.has(etagOf(version));
};
