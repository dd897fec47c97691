import { ConflictError, NotFoundError } from '../errors.js';
import { checkPrecondition, type VersionMatch } from '../provisioning/precondition.js';
import { type ByobRecord, type CallbackState, FIELDS_NOT_MANAGED_WHEN_ADOPTED, type InFlightUpdate, revisionOf, type TemplateFields, templateVersionOf } from '../provisioning/record.js';
import { retryOnStale } from '../provisioning/stale-record.js';
import { isAssured } from '../provisioning/state-machine.js';
import { templateKeyOf } from '../provisioning/template-store.js';
import { transition } from '../provisioning/transition.js';
import { tenantSettings } from '../tenants/settings.js';
import { closePending } from '../webhooks/outbox.js';
import { changeSetNameOf, type RenderedTemplate, runDirectUpdate, type UpdateDeps } from './direct-update.js';
import type { PatchedFields } from './merge-patch.js';
import { offerUpdate } from './offered-update.js';
import { renderUpdate } from './rendered-update.js';
import { intendedFieldsOf, sameTags, sameTemplateFields, templateFieldsOf } from './template-fields.js';

/**
 * What PATCH /byob/{id} (lib/updates/patch.ts) and POST /byob/{id}/upgrade share. A change of the
 * stack's template re-renders it at the latest template version. Direct mode updates the stack,
 * holding the record in UPDATING (the update's lock, so a second update answers 409); quick-create
 * offers the update to the customer, whose stack runs in their account (lib/updates/offered-update.ts).
 * `callbackUrl` is the record's alone and changes at once. Nothing is written or created before what
 * is asked is found valid, the caller's If-Match holds and the request can take the update.
 */

/**
 * What the caller asks for, from the record as it is meant to be (with a waiting quick-create offer's
 * fields, lib/updates/template-fields.ts intendedFieldsOf): a merge patch's result, or the request as it is (an upgrade).
 */
export interface UpdateRequest {
  kind: 'patch' | 'upgrade';
  /** Throws the 400 of an invalid request before anything is written. */
  wanted(record: ByobRecord): PatchedFields;
}

/** The record after the call, and whether the call changed anything (200 when not, 202 when it did). */
export interface UpdateAnswer {
  record: ByobRecord;
  changed: boolean;
}

/**
 * An adopted bucket is not the stack's (lib/provisioning/adoption.ts): its CORS and tags are the
 * customer's to change on the bucket, so a patch of them is refused, naming each, before anything is written.
 */
const refuseUnmanagedFields = (record: ByobRecord, wanted: TemplateFields): void => {
  if (!record.adopted) return;
  const changed: Record<(typeof FIELDS_NOT_MANAGED_WHEN_ADOPTED)[number], boolean> = {
    cors: JSON.stringify(wanted.corsRules) !== JSON.stringify(record.corsRules),
    tags: !sameTags(wanted.tags, record.tags),
  };
  const fields = FIELDS_NOT_MANAGED_WHEN_ADOPTED.filter((f) => changed[f]);
  if (fields.length) {
    throw new ConflictError(
      `${fields.join(' and ')} cannot be changed here: bucket ${record.adopted.bucketName} was adopted from request ${record.adopted.fromRequestId} and its stack does not own it; change them on the bucket itself.`,
      { fields },
    );
  }
};

/** The record's webhook state for another URL (its delivery history kept), or none. */
const callbackFor = (current: CallbackState | null, url: string | null): CallbackState | null =>
  url === null ? null : current ? { ...current, url } : { url, status: 'idle', attempts: 0, lastAttemptAt: null, lastError: null, nextAttemptAt: null };

/** What one attempt against the record as read did, and what is left to do once it is written (a direct update's change set). */
type Planned = { answer: UpdateAnswer; callbackRemoved: boolean; run?: RenderedTemplate };

/**
 * Updates a request as `request` says. With `ifMatch`, a record not at a version it names answers 412;
 * every write is conditional on the version read, so one that moved meanwhile is read again (and, with
 * `ifMatch`, answers 412 then).
 */
export const updateByob = async (deps: UpdateDeps, tenant: string, id: string, request: UpdateRequest, ifMatch?: VersionMatch): Promise<UpdateAnswer> => {
  let externalId: string | null | undefined;
  const planned = await retryOnStale(id, async (): Promise<Planned> => {
    const record = await deps.store.get(tenant, id);
    if (!record) throw new NotFoundError();
    const intended = intendedFieldsOf(record);
    const wanted = request.wanted({ ...record, ...intended });
    checkPrecondition(record, ifMatch);
    refuseUnmanagedFields(record, wanted.template);
    const touchesTemplate = request.kind === 'upgrade' || !sameTemplateFields(intended, wanted.template);
    const callbackUrl = record.callback?.url ?? null;
    if (!touchesTemplate && wanted.callbackUrl === callbackUrl) return { answer: { record, changed: false }, callbackRemoved: false };
    if (!isAssured(record.status)) {
      throw new ConflictError(`Request ${id} is ${record.status}; only a READY or DEGRADED request can be changed${record.status === 'UPDATING' ? ' (an update is in flight: wait for it to finish)' : ''}.`);
    }
    const callback = callbackFor(record.callback, wanted.callbackUrl);
    const callbackRemoved = callbackUrl !== null && wanted.callbackUrl === null;
    if (!touchesTemplate) return { answer: { record: await deps.store.patch(record, { callback, revision: revisionOf(record) + 1 }, deps.clock().toISOString()), changed: true }, callbackRemoved };

    const readExternalId = async () => (externalId ??= (await tenantSettings(deps, tenant)).externalId);
    // The one place an update of the stack is told apart by launch mode.
    if (record.launch.mode === 'quick-create') {
      const offered = await offerUpdate(deps, record, { kind: request.kind, fields: wanted.template, callback, externalId: readExternalId });
      return { answer: offered, callbackRemoved };
    }
    const toVersion = deps.config.templateVersion;
    const tenantExternalId = await readExternalId();
    const updateId = deps.ids.updateId();
    const template = renderUpdate(deps, record, wanted.template, tenantExternalId, updateId);
    const update: InFlightUpdate = {
      id: updateId,
      kind: request.kind,
      changeSetName: changeSetNameOf(updateId),
      changeSetId: null,
      fromStatus: record.status,
      fromVersion: templateVersionOf(record),
      toVersion,
      target: wanted.template,
      templateKey: templateKeyOf(id, template.nonce),
      startedAt: deps.clock().toISOString(),
      phase: 'proposed',
      changes: null,
    };
    const locked = await transition(deps, record, 'UPDATING', { update, callback });
    return { answer: { record: locked, changed: true }, callbackRemoved, run: template };
  });
  const { answer, callbackRemoved, run } = planned;
  if (callbackRemoved) await closePending(deps, tenant, id, 'not sent: the callbackUrl was removed');
  if (!run) return answer;
  await deps.deliverNow(answer.record).catch(() => undefined);
  return { record: await runDirectUpdate(deps, answer.record, run), changed: true };
};

/** POST /byob/{id}/upgrade: the same request, its stack updated (or, quick-create, offered an update) to the latest template version. */
export const upgradeByob = (deps: UpdateDeps, tenant: string, id: string, ifMatch?: VersionMatch): Promise<UpdateAnswer> =>
  updateByob(deps, tenant, id, { kind: 'upgrade', wanted: (r) => ({ template: templateFieldsOf(r), callbackUrl: r.callback?.url ?? null }) }, ifMatch);
