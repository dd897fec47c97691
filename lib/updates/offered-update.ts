import type { ByobRecord, CallbackState, OfferedUpdate, TemplateFields } from '../provisioning/record.js';
import { templateVersionOf } from '../provisioning/record.js';
import { storeTemplate } from '../provisioning/template-upload.js';
import type { UpdateDeps } from './direct-update.js';
import { renderUpdate } from './rendered-update.js';
import { sameTemplateFields, templateFieldsOf } from './template-fields.js';

/**
 * The quick-create side of an update. The stack runs in the customer's account, where the API cannot
 * act: the update is rendered, its template stored, and the offer recorded on the record, which stays
 * READY or DEGRADED (the customer may never apply it) and shows the links to apply it. The customer's
 * stack then reports the update through its registration resources (lib/quick-create/applied-update.ts).
 */

/** What an offer is made of. */
export interface OfferRequest {
  kind: 'patch' | 'upgrade';
  /** What the request becomes once the customer applies the update. */
  fields: TemplateFields;
  /** The record's webhook state after the call (a patch may change callbackUrl with the template). */
  callback: CallbackState | null;
  /** The tenant's ExternalId, read only when a template is rendered. */
  externalId(): Promise<string>;
}

/**
 * Offers the customer an update to `request.fields` at the latest template version. An offer that
 * would change nothing withdraws the one waiting (if any); the same offer asked again keeps the one
 * waiting, so a link the customer may be following stays good. Every write is conditional on the
 * version read (StaleRecordError when it moved).
 */
export const offerUpdate = async (deps: UpdateDeps, record: ByobRecord, request: OfferRequest): Promise<{ record: ByobRecord; changed: boolean }> => {
  const latest = deps.config.templateVersion;
  const now = deps.clock().toISOString();
  const callbackChanged = (record.callback?.url ?? null) !== (request.callback?.url ?? null);
  const keeping = (offer: OfferedUpdate | null) =>
    offer === (record.pendingUpdate ?? null) && !callbackChanged ? { record, changed: false } : null;
  const write = async (pendingUpdate: OfferedUpdate | null) =>
    keeping(pendingUpdate) ?? { record: await deps.store.patch(record, { pendingUpdate, callback: request.callback }, now), changed: true };

  if (templateVersionOf(record) === latest && sameTemplateFields(templateFieldsOf(record), request.fields)) return write(null);
  const waiting = record.pendingUpdate ?? null;
  if (waiting && waiting.toVersion === latest && sameTemplateFields(waiting.target, request.fields)) return write(waiting);

  const id = deps.ids.updateId();
  const template = renderUpdate(deps, record, request.fields, request.fields.accessRole ? await request.externalId() : null, id);
  const stored = await storeTemplate(deps.vendorS3(record.region), { bucket: record.templateBucket, region: record.region, requestId: record.id, nonce: template.nonce, body: template.body });
  return write({ id, kind: request.kind, toVersion: latest, target: request.fields, templateKey: stored.key, templateUrl: stored.url, offeredAt: now });
};
