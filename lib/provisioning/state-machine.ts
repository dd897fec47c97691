import * as z from 'zod/mini';
import '../validation/messages.js';

/** Statuses of a BYOB request (built only where a schema is used: the list route's filter, the OpenAPI document). */
export const Status = /* @__PURE__ */ z.enum([
  'PENDING',
  'AWAITING_CUSTOMER',
  'CREATING',
  'VERIFYING',
  'READY',
  'DEGRADED',
  'UPDATING',
  'FAILED',
  'EXPIRED',
  'DELETING',
  'DELETED',
]);
/** A BYOB status. */
export type Status = z.infer<typeof Status>;

/** Every allowed status change; nothing else may change a status. */
export const TRANSITIONS: Readonly<Record<Status, readonly Status[]>> = {
  PENDING: ['AWAITING_CUSTOMER', 'CREATING', 'VERIFYING', 'FAILED'],
  AWAITING_CUSTOMER: ['CREATING', 'VERIFYING', 'FAILED', 'EXPIRED', 'DELETED'],
  CREATING: ['VERIFYING', 'FAILED', 'DELETING'],
  // DEGRADED only after an update: the bucket was provisioned, so its verification never FAILs it.
  VERIFYING: ['READY', 'FAILED', 'DEGRADED'],
  // Verification of a provisioned bucket moves it between READY and DEGRADED, never to FAILED: FAILED
  // leaves the active set and would free the team's slot while the bucket still holds its data.
  READY: ['DEGRADED', 'UPDATING', 'DELETING', 'DELETED'],
  DEGRADED: ['READY', 'UPDATING', 'DELETING', 'DELETED'],
  // An update that happened is verified; one refused, rolled back or without effect goes back where it came from.
  UPDATING: ['VERIFYING', 'READY', 'DEGRADED'],
  FAILED: ['VERIFYING', 'READY', 'DELETING', 'DELETED'],
  EXPIRED: ['DELETED'],
  DELETING: ['DELETED', 'FAILED'],
  DELETED: [],
};

/** Statuses that hold the tenant+scope+team lock: a second request for the same team answers 409. */
export const ACTIVE_STATUSES: ReadonlySet<Status> = new Set(['PENDING', 'AWAITING_CUSTOMER', 'CREATING', 'VERIFYING', 'READY', 'DEGRADED', 'UPDATING', 'DELETING']);

/** Statuses of a provisioned bucket that the reconciler verifies again on a schedule (reverify-schedule.ts). */
export const ASSURED_STATUSES: ReadonlySet<Status> = new Set(['READY', 'DEGRADED']);

/** Whether `status` is one of {@link ASSURED_STATUSES}. */
export const isAssured = (status: Status): status is 'READY' | 'DEGRADED' => ASSURED_STATUSES.has(status);

/** Statuses with no deadline: nothing is pending (assured ones are due on their schedule instead). */
export const SETTLED_STATUSES: ReadonlySet<Status> = new Set(['READY', 'DEGRADED', 'FAILED', 'EXPIRED', 'DELETED']);

/** Whether `from → to` is allowed. */
export const canTransition = (from: Status, to: Status): boolean => TRANSITIONS[from].includes(to);

/** Thrown when a transition is not in TRANSITIONS. */
export class InvalidTransitionError extends Error {
  override name = 'InvalidTransitionError';
  constructor(from: Status, to: Status) {
    super(`A BYOB request cannot go from ${from} to ${to}.`);
  }
}

/** What a transition does to the active lock. */
export type LockChange = 'acquire' | 'release' | 'keep' | 'none';

/** Lock effect of `from → to`: leaving the active set releases the team's slot, re-entering takes it back. */
export const lockChange = (from: Status, to: Status): LockChange => {
  const before = ACTIVE_STATUSES.has(from);
  const after = ACTIVE_STATUSES.has(to);
  if (before && !after) return 'release';
  if (!before && after) return 'acquire';
  return before ? 'keep' : 'none';
};

/**
 * Minutes after which the reconciler looks at a record still in a status: verification and launch
 * finish in seconds, so a record left there means a Lambda died mid-way; stacks take longer. An update
 * is looked at early too: its route may have answered before the change set was even described.
 */
export const SHORT_DEADLINE_MINUTES: Partial<Record<Status, number>> = { PENDING: 2, VERIFYING: 2, UPDATING: 2 };

/** The deadline by which the reconciler looks at a record entering `to`, or null if it is settled. */
export const dueAtFor = (to: Status, now: Date, linkExpiresAt: string | null, deadlineMinutes: number): string | null => {
  if (SETTLED_STATUSES.has(to)) return null;
  if (to === 'AWAITING_CUSTOMER' && linkExpiresAt) return linkExpiresAt;
  const minutes = Math.min(deadlineMinutes, SHORT_DEADLINE_MINUTES[to] ?? deadlineMinutes);
  return new Date(now.getTime() + minutes * 60_000).toISOString();
};


