import type { ByobRecord, TemplateFields } from '../provisioning/record.js';

/** The request fields its stack's template is rendered from, as the record holds them now. */
export const templateFieldsOf = (r: ByobRecord): TemplateFields => ({ corsRules: r.corsRules, tags: r.tags, accessRole: r.accessRole });

const sortedTags = (tags: Record<string, string>) => Object.entries(tags).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));

/** Whether two tag sets are the same, whatever their order. */
export const sameTags = (a: Record<string, string>, b: Record<string, string>): boolean => JSON.stringify(sortedTags(a)) === JSON.stringify(sortedTags(b));

/** Whether two sets of template fields render the same template (tags compared whatever their order). */
export const sameTemplateFields = (a: TemplateFields, b: TemplateFields): boolean =>
  a.accessRole === b.accessRole && JSON.stringify(a.corsRules) === JSON.stringify(b.corsRules) && sameTags(a.tags, b.tags);

/**
 * What the request is meant to become: the fields of the update offered to the customer (quick-create)
 * while one waits, else what it has. A PATCH builds on this, so a second patch keeps what the first asked for.
 */
export const intendedFieldsOf = (r: ByobRecord): TemplateFields => r.pendingUpdate?.target ?? templateFieldsOf(r);
