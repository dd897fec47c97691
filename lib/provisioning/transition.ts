import type { Ids } from '../ids.js';
import { type ByobRecord, revisionOf, toView } from './record.js';
import { assuredDueAt, DEFAULT_REVERIFY_INTERVAL_MS } from './reverify-schedule.js';
import { canTransition, dueAtFor, InvalidTransitionError, isAssured, lockChange, type Status } from './state-machine.js';
import type { OutboxItem, Store } from './store.js';
import { buildWebhookPayload, eventsForTransition, type UpdateOutcome, type WebhookEventType } from '../webhooks/events.js';
import type { Clock } from '../clock.js';
import type { Config } from '../config.js';

/** What a transition needs. */
export interface TransitionDeps {
  store: Store;
  ids: Ids;
  clock: Clock;
  statusDeadlineMinutes: number;
  /** REVERIFY_INTERVAL in milliseconds; P1D when absent. */
  reverifyIntervalMs?: number;
  /** The latest template version, shown in the webhooks' record. */
  config: Pick<Config, 'templateVersion'>;
}

/**
 * A write of `written` that raises `types` (none without a callback): the record as written, its
 * callback pending when it raises any, and the outbox items, each carrying the record's view as written.
 */
export const withEvents = (deps: TransitionDeps, written: ByobRecord, types: readonly WebhookEventType[], now: Date): { after: ByobRecord; outbox: OutboxItem[] } => {
  const at = now.toISOString();
  if (!written.callback || types.length === 0) return { after: written, outbox: [] };
  const after: ByobRecord = { ...written, callback: { ...written.callback, status: 'pending', nextAttemptAt: at } };
  const view = toView(after, { latestTemplateVersion: deps.config.templateVersion });
  const outbox = types.map(
    (type): OutboxItem => ({
      tenant: written.tenant,
      requestId: written.id,
      eventId: deps.ids.eventId(),
      type,
      body: JSON.stringify(buildWebhookPayload({ type, record: view, occurredAt: now })),
      occurredAt: at,
      attempts: 0,
      status: 'pending',
      nextAttemptAt: at,
      lastAttemptAt: null,
      lastError: null,
    }),
  );
  return { after, outbox };
};

/**
 * The one way a status changes: checks the move, then writes the new record, the team lock change and
 * the webhook outbox events in one conditional transaction (no event without its change, no change
 * without its event). Throws StaleRecordError if the record moved since it was read. `settles` marks
 * the change that ends an update of the stack (its webhooks say how it ended).
 */
export const transition = async (
  deps: TransitionDeps,
  record: ByobRecord,
  to: Status,
  patch: Partial<Omit<ByobRecord, 'status' | 'version' | 'tenant' | 'id'>> = {},
  settles?: UpdateOutcome,
): Promise<ByobRecord> => {
  if (!canTransition(record.status, to)) throw new InvalidTransitionError(record.status, to);
  const now = deps.clock();
  const patched = { ...record, ...patch };
  // A request takes its place in the re-verification schedule the first time it is assured.
  const merged = isAssured(to) && typeof patched.scheduleSlot !== 'number' ? { ...patched, scheduleSlot: await deps.store.nextScheduleSlot() } : patched;
  const written: ByobRecord = {
    ...merged,
    status: to,
    version: record.version + 1,
    revision: revisionOf(record) + 1,
    updatedAt: now.toISOString(),
    dueAt: isAssured(to)
      ? assuredDueAt(merged, to, deps.reverifyIntervalMs ?? DEFAULT_REVERIFY_INTERVAL_MS, now)
      : dueAtFor(to, now, merged.quickCreate?.expiresAt ?? null, deps.statusDeadlineMinutes),
  };
  const { after, outbox } = withEvents(deps, written, eventsForTransition(record.status, to, settles), now);
  await deps.store.commit({ before: record, after, lock: lockChange(record.status, to), outbox });
  return after;
};

/**
 * A change that keeps the record's status but raises `types` (the update_available notice, an applied
 * update undone by the customer's rollback): written like a transition, the record and its outbox events
 * in one transaction conditional on the version and status read (StaleRecordError when it moved).
 */
export const amend = async (
  deps: TransitionDeps,
  record: ByobRecord,
  patch: Partial<Omit<ByobRecord, 'status' | 'version' | 'tenant' | 'id'>>,
  types: readonly WebhookEventType[],
): Promise<ByobRecord> => {
  const now = deps.clock();
  // The revision (ETag) moves only with what the patch says it does (an undone update's fields do; a notice does not).
  const written: ByobRecord = { ...record, ...patch, version: record.version + 1, revision: patch.revision ?? revisionOf(record), updatedAt: now.toISOString() };
  const { after, outbox } = withEvents(deps, written, types, now);
  await deps.store.commit({ before: record, after, lock: 'keep', outbox });
  return after;
};
