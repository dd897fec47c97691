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
  const at = now.toISOString();
  const patched = { ...record, ...patch };
  // A request takes its place in the re-verification schedule the first time it is assured.
  const merged = isAssured(to) && typeof patched.scheduleSlot !== 'number' ? { ...patched, scheduleSlot: await deps.store.nextScheduleSlot() } : patched;
  const outbox: OutboxItem[] = merged.callback
    ? eventsForTransition(record.status, to, settles).map((type) => ({
        tenant: record.tenant,
        requestId: record.id,
        eventId: deps.ids.eventId(),
        type,
        body: '',
        occurredAt: at,
        attempts: 0,
        status: 'pending' as const,
        nextAttemptAt: at,
        lastAttemptAt: null,
        lastError: null,
      }))
    : [];
  const after: ByobRecord = {
    ...merged,
    status: to,
    version: record.version + 1,
    revision: revisionOf(record) + 1,
    updatedAt: at,
    dueAt: isAssured(to)
      ? assuredDueAt(merged, to, deps.reverifyIntervalMs ?? DEFAULT_REVERIFY_INTERVAL_MS, now)
      : dueAtFor(to, now, merged.quickCreate?.expiresAt ?? null, deps.statusDeadlineMinutes),
    callback: merged.callback && outbox.length ? { ...merged.callback, status: 'pending', nextAttemptAt: at } : merged.callback,
  };
  const view = toView(after, { latestTemplateVersion: deps.config.templateVersion });
  for (const item of outbox) {
    item.body = JSON.stringify(buildWebhookPayload({ type: item.type as WebhookEventType, record: view, occurredAt: now }));
  }
  await deps.store.commit({ before: record, after, lock: lockChange(record.status, to), outbox });
  return after;
};
