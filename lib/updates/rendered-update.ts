import { renderSafely, templateSpecFor } from '../provisioning/create.js';
import type { ByobRecord, TemplateFields } from '../provisioning/record.js';
import type { RenderedTemplate, UpdateDeps } from './direct-update.js';

/**
 * The request with `fields` rendered at the latest template version (never from raw input: the fields
 * passed POST /byob's schemas). A quick-create stack's template names the update (`updateId`), so its
 * registration resources receive the customer's Update even when nothing else of theirs changes.
 */
export const renderUpdate = (deps: Pick<UpdateDeps, 'config' | 'ids'>, record: ByobRecord, fields: TemplateFields, externalId: string | null, updateId?: string): RenderedTemplate => {
  const spec = templateSpecFor(deps, { ...record, ...fields }, externalId);
  const named = spec.quickCreate && updateId ? { ...spec, quickCreate: { ...spec.quickCreate, updateId } } : spec;
  return { body: JSON.stringify(renderSafely(named)), nonce: deps.ids.token(18) };
};
