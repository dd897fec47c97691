import type { ByobRecord, InFlightUpdate, LastUpdate, ResourceChange } from '../provisioning/record.js';
import { transition, type TransitionDeps } from '../provisioning/transition.js';

/**
 * How an update ends on the record. Either the record takes what the update changed (its template's
 * fields, version and stored template) with `lastUpdate` succeeded, or it keeps everything it had and
 * goes back to the status it left, with `lastUpdate` failed; both raise the update's webhook.
 */

/** The record in UPDATING (or VERIFYING after it) and its update. */
export const updateOf = (record: ByobRecord): InFlightUpdate => {
  if (!record.update) throw new Error(`${record.id} is ${record.status} without an update in flight`);
  return record.update;
};

/** What the record takes from an update its stack applied. */
export const updatedFields = (u: InFlightUpdate): Pick<ByobRecord, 'corsRules' | 'tags' | 'accessRole' | 'templateVersion' | 'templateKey'> => ({
  ...u.target,
  templateVersion: u.toVersion,
  templateKey: u.templateKey,
});

/** `lastUpdate` of an update that succeeded with `changes`. */
export const succeeded = (u: InFlightUpdate, changes: ResourceChange[], at: string): LastUpdate => ({ status: 'succeeded', fromVersion: u.fromVersion, toVersion: u.toVersion, changes, at });

/** Why an update did not happen, and the resource it names (if any). */
export interface UpdateFailure {
  reason: string;
  resource: string | null;
}

/**
 * Ends an update that did not happen (refused, rolled back, cut off): the record keeps its fields and
 * template, goes back to the status it left, and says why in `lastUpdate`.
 */
export const failUpdate = (
  deps: TransitionDeps,
  record: ByobRecord,
  failure: UpdateFailure,
  patch: Partial<Pick<ByobRecord, 'launch'>> = {},
): Promise<ByobRecord> => {
  const u = updateOf(record);
  const at = deps.clock().toISOString();
  return transition(
    deps,
    record,
    u.fromStatus,
    { ...patch, update: null, lastUpdate: { status: 'failed', reason: failure.reason, resource: failure.resource, fromVersion: u.fromVersion, toVersion: u.toVersion, at } },
    'failed',
  );
};

/**
 * Ends an update whose change set had nothing to change: the stack already is what the new template
 * says, so the record is at the new version at once, back in the status it left, with no changes.
 */
export const finishWithoutChanges = (deps: TransitionDeps, record: ByobRecord): Promise<ByobRecord> => {
  const u = updateOf(record);
  return transition(deps, record, u.fromStatus, { ...updatedFields(u), update: null, lastUpdate: succeeded(u, [], deps.clock().toISOString()) }, 'succeeded');
};
