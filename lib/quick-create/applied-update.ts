import type { ByobRecord, InFlightUpdate, OfferedUpdate } from '../provisioning/record.js';
import { revisionOf, templateVersionOf } from '../provisioning/record.js';
import { isAssured } from '../provisioning/state-machine.js';
import { amend, transition } from '../provisioning/transition.js';
import { lookAgainLater, type WorkflowDeps } from '../provisioning/workflow.js';
import { failUpdate, updatedFields } from '../updates/outcome.js';
import { outputsOf, type PreviousProps, type RegistrationProps } from './registration-properties.js';

/**
 * An update offered to the customer (lib/updates/offered-update.ts), as their stack applies it. Its
 * template names the update (`UpdateId`) in both registration resources, so CloudFormation sends
 * each an `Update`: "started" first (the record goes READY → UPDATING), "ready" once every resource of
 * ours is updated (→ VERIFYING with the new outputs; the verification then settles it, with
 * `byob.updated`). An update that fails rolls back, and the rollback sends each registration resource
 * it had updated an `Update` back to its previous properties: the record goes back to what it had, with
 * `byob.update_failed`, the update still offered. A rollback is always answered SUCCESS: a refusal
 * would leave the customer's stack UPDATE_ROLLBACK_FAILED.
 */

/** How the registration handler answers an Update, and what it changed. */
export interface UpdateVerdict {
  status: 'SUCCESS' | 'FAILED';
  reason: string;
  /** The record as this Update left it, when it wrote (its webhooks, and its verification once VERIFYING, follow the answer). */
  changed?: ByobRecord;
}

const ROLLED_BACK =
  'The stack update in your account failed and rolled back, so nothing changed. Its Events tab names the resource that failed and why; fix that, then apply the update again from the same link.';

/** Where the Update comes from: the stack's account and region. */
export interface StackPlace {
  account: string;
  region: string;
}

/** An offered update as it starts: the record holds it in UPDATING until the customer's stack reports how it ended. */
const inFlightOf = (offer: OfferedUpdate, r: ByobRecord, startedAt: string): InFlightUpdate => ({
  id: offer.id,
  kind: offer.kind,
  changeSetName: null,
  changeSetId: null,
  fromStatus: r.status as 'READY' | 'DEGRADED',
  fromVersion: templateVersionOf(r),
  toVersion: offer.toVersion,
  target: offer.target,
  templateKey: offer.templateKey,
  startedAt,
  phase: 'executing',
  changes: null,
});

const ok = (reason: string, changed?: ByobRecord): UpdateVerdict => ({ status: 'SUCCESS', reason, ...(changed ? { changed } : {}) });
const refuse = (reason: string): UpdateVerdict => ({ status: 'FAILED', reason });

/**
 * The "ready" resource reached: every resource of ours is updated; the record takes the update, with the
 * new outputs, to be verified, and keeps what it had in case the stack still rolls it back.
 */
const reachReady = async (deps: WorkflowDeps, r: ByobRecord, p: RegistrationProps, where: StackPlace): Promise<UpdateVerdict> => {
  const u = r.update!;
  const outputs = outputsOf(p, r, where.account, where.region);
  // Refused, the stack rolls back, and "started"'s Update back ends the update failed.
  if (typeof outputs === 'string') return refuse(outputs);
  const verifying = await transition(deps, r, 'VERIFYING', {
    ...updatedFields(u),
    appliedUpdateId: u.id,
    beforeUpdate: {
      corsRules: r.corsRules,
      tags: r.tags,
      accessRole: r.accessRole,
      templateVersion: templateVersionOf(r),
      templateKey: r.templateKey,
      appliedUpdateId: r.appliedUpdateId ?? null,
      offer: r.pendingUpdate!,
    },
    pendingUpdate: null,
    outputs,
    launch: { ...r.launch, stackStatus: 'UPDATE_IN_PROGRESS' },
  });
  return ok('Registered', verifying);
};

/**
 * The stack rolls back an update the record already took (a resource the customer added failed after
 * "ready"): the record goes back to what it had, the outputs to those "ready" reports again, and the
 * update is offered again; from VERIFYING through a status change, from READY or DEGRADED in place.
 */
const undoApplied = async (deps: WorkflowDeps, r: ByobRecord, p: RegistrationProps, where: StackPlace): Promise<UpdateVerdict> => {
  const before = r.beforeUpdate!;
  const outputs = p.Phase === 'ready' ? outputsOf(p, r, where.account, where.region) : r.outputs;
  const { offer, ...fields } = before;
  const undone = {
    ...fields,
    pendingUpdate: offer,
    beforeUpdate: null,
    outputs: typeof outputs === 'string' ? r.outputs : outputs,
    launch: { ...r.launch, stackStatus: 'UPDATE_ROLLBACK_IN_PROGRESS' },
    lastUpdate: { status: 'failed' as const, reason: ROLLED_BACK, resource: null, fromVersion: before.templateVersion, toVersion: templateVersionOf(r), at: deps.clock().toISOString() },
    // The request's fields change back: its revision (the ETag) moves.
    revision: revisionOf(r) + 1,
  };
  if (r.status === 'VERIFYING') return ok('Rolled back', await transition(deps, r, r.update?.fromStatus ?? 'READY', { ...undone, update: null }, 'failed'));
  return ok('Rolled back', await amend(deps, r, undone, ['byob.update_failed']));
};

/**
 * Decides an Update from the stack the request is bound to (token, account and stack already checked),
 * writing the status change before the answer so that a replay finds it and answers the same.
 */
export const decideUpdate = async (deps: WorkflowDeps, p: RegistrationProps, previous: PreviousProps, r: ByobRecord, where: StackPlace): Promise<UpdateVerdict> => {
  const inFlight = r.launch.mode === 'quick-create' && (r.status === 'UPDATING' || r.status === 'VERIFYING') ? (r.update ?? null) : null;
  if (inFlight && p.UpdateId === inFlight.id) {
    return p.Phase === 'ready' && r.status === 'UPDATING' ? reachReady(deps, r, p, where) : ok('Registered');
  }

  const offer = r.pendingUpdate ?? null;
  if (offer && p.UpdateId === offer.id && isAssured(r.status)) {
    // The version is taken from the properties only as far as it is the one the API offered.
    if (p.TemplateVersion !== offer.toVersion) {
      return refuse(`This template says version ${p.TemplateVersion ?? '(none)'}, but the update offered is version ${offer.toVersion}; apply the update's template unchanged, from the link the vendor portal gave you.`);
    }
    // The offer stays until the update is in place: one that rolls back can be applied again from the same link.
    const updating = await transition(deps, r, 'UPDATING', { update: inFlightOf(offer, r, deps.clock().toISOString()), launch: { ...r.launch, stackStatus: 'UPDATE_IN_PROGRESS' } });
    // "ready" before "started" only if "started"'s Update was lost to us; the update still happened.
    return p.Phase === 'started' ? ok('Registered', updating) : reachReady(deps, updating, p, where);
  }

  // Back to the properties before `previous.UpdateId`: the stack rolls that update back.
  if (previous.UpdateId !== undefined && previous.UpdateId !== p.UpdateId) {
    if (inFlight && r.status === 'UPDATING' && previous.UpdateId === inFlight.id) {
      return ok('Rolled back', await failUpdate(deps, r, { reason: ROLLED_BACK, resource: null }, { launch: { ...r.launch, stackStatus: 'UPDATE_ROLLBACK_IN_PROGRESS' } }));
    }
    if (r.appliedUpdateId === previous.UpdateId && r.beforeUpdate && (p.UpdateId ?? null) === r.beforeUpdate.appliedUpdateId) return undoApplied(deps, r, p, where);
  }

  // The template the stack already runs: a rollback of an update refused before it started, or a replay.
  if ((p.UpdateId ?? null) === (r.appliedUpdateId ?? null)) return ok('No change');
  return refuse(
    offer
      ? `This template is not the update the vendor offers now (update ${offer.id}, template ${offer.toVersion}); apply that one, from the link the vendor portal gives you now.`
      : 'This template is not an update the vendor offers (it may have been replaced or already applied); ask the vendor portal for the current update link.',
  );
};

/**
 * The reconciler's part: an UPDATING quick-create request whose stack has not reported the update's end.
 * Only the customer's stack can say how it ended, so it is waited for, and given up after `giveUpAfterMs`
 * (the record goes back where it was, the update still offered).
 */
export const continueCustomerUpdate = (deps: WorkflowDeps, r: ByobRecord, giveUpAfterMs: number): Promise<ByobRecord> => {
  const u = r.update!;
  if (deps.clock().getTime() - Date.parse(u.startedAt) <= giveUpAfterMs) return lookAgainLater(deps, r);
  return failUpdate(deps, r, {
    reason: 'The stack in your account did not report the end of the update in time; check its Events tab, and apply the update again from the same link if it did not complete.',
    resource: null,
  });
};
