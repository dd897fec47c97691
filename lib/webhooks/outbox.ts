import { nextAttemptAt } from './backoff.js';
import type { Ids } from '../ids.js';
import type { ByobRecord, CallbackState } from '../provisioning/record.js';
import { NotFoundError } from '../errors.js';
import { checkPrecondition, type VersionMatch } from '../provisioning/precondition.js';
import { signingSecrets, tenantSettings } from '../tenants/settings.js';
import { type OutboxItem, type Store } from '../provisioning/store.js';
import type { DeliveryOutcome, DeliveryRequest } from './delivery.js';
import type { DeliveryQueue } from './delivery-queue.js';
import type { Clock } from '../clock.js';
import { retryOnStale, StaleRecordError } from '../provisioning/stale-record.js';

/** What webhook delivery needs. */
export interface OutboxDeps {
  store: Store;
  ids: Ids;
  clock: Clock;
  sendWebhook(request: DeliveryRequest): Promise<DeliveryOutcome>;
  random?: () => number;
  /** Where scheduled runs go: the delivery queue when deployed; without it (tests, scripts) they run here. */
  deliveryQueue?: Pick<DeliveryQueue, 'enqueue'>;
}

/** What one delivery run did. */
export interface DeliveryRunResult {
  /** Attempts made. */
  sent: number;
  /** When the request's earliest pending event is due next; null when none is pending. */
  nextAttemptAt: string | null;
}

const isDue = (o: OutboxItem, now: string) => o.status === 'pending' && o.nextAttemptAt !== null && o.nextAttemptAt <= now;

const earliestPending = (items: Iterable<OutboxItem>): string | null =>
  [...items].filter((i) => i.status === 'pending' && i.nextAttemptAt !== null).map((i) => i.nextAttemptAt!).sort()[0] ?? null;

/** The record's summary of its webhooks, derived from its outbox items. */
export const callbackSummary = (url: string, items: OutboxItem[]): CallbackState => {
  const attempted = items.filter((i) => i.lastAttemptAt).sort((a, b) => (a.lastAttemptAt! < b.lastAttemptAt! ? -1 : 1));
  const last = attempted.at(-1);
  const pending = items.filter((i) => i.status === 'pending');
  const status: CallbackState['status'] = items.some((i) => i.status === 'gone')
    ? 'gone'
    : pending.length
      ? 'pending'
      : items.some((i) => i.status === 'dead')
        ? 'failed'
        : items.length
          ? 'delivered'
          : 'idle';
  return {
    url,
    status,
    attempts: items.reduce((n, i) => n + i.attempts, 0),
    lastAttemptAt: last?.lastAttemptAt ?? null,
    lastError: last?.lastError ?? null,
    nextAttemptAt: earliestPending(pending),
  };
};

const GONE_ERROR = 'the endpoint answered 410 Gone; delivery stopped';

/** How an event that was never sent is closed once its endpoint answered 410. */
const STOPPED_BY_GONE: Pick<OutboxItem, 'status' | 'lastError' | 'nextAttemptAt'> = {
  status: 'gone',
  lastError: 'not sent: the endpoint answered 410 Gone (redeliver to resume)',
  nextAttemptAt: null,
};

const applyOutcome = (item: OutboxItem, outcome: DeliveryOutcome, now: Date, random: () => number): OutboxItem => {
  const attempts = item.attempts + 1;
  const base = { ...item, attempts, lastAttemptAt: now.toISOString() };
  if (outcome.kind === 'delivered') return { ...base, status: 'delivered', nextAttemptAt: null, lastError: null };
  if (outcome.kind === 'gone') return { ...base, status: 'gone', nextAttemptAt: null, lastError: GONE_ERROR };
  const error = outcome.kind === 'refused' ? `refused: ${outcome.reason}` : outcome.error;
  // The URL itself is against the policy: no retry can help. An address refusal may clear when DNS changes.
  if (outcome.kind === 'refused' && outcome.permanent) {
    return { ...base, status: 'dead', nextAttemptAt: null, lastError: `${error}; not retried (the callbackUrl is not allowed)` };
  }
  const next = nextAttemptAt({
    attempts,
    firstAttemptAt: new Date(item.occurredAt),
    now,
    random,
    ...(outcome.kind === 'failed' && outcome.retryAfterMs !== undefined ? { retryAfterMs: outcome.retryAfterMs } : {}),
  });
  return next
    ? { ...base, status: 'pending', nextAttemptAt: next.toISOString(), lastError: error }
    : { ...base, status: 'dead', nextAttemptAt: null, lastError: `${error}; gave up after ${attempts} attempts` };
};

/**
 * Writes the callback summary onto the record (not a status change), retrying if the record moved.
 * The outbox is read again for it, so a run that finishes late cannot put back an older picture.
 */
const writeSummary = (deps: OutboxDeps, tenant: string, requestId: string) =>
  retryOnStale(requestId, async () => {
    const record = await deps.store.get(tenant, requestId);
    if (!record?.callback) return;
    const items = await deps.store.outboxFor(tenant, requestId);
    await deps.store.patch(record, { callback: callbackSummary(record.callback.url, items) }, deps.clock().toISOString());
  }).catch((e: unknown) => {
    // The summary is a convenience view of the outbox; a writer that keeps winning will write its own.
    if (!(e instanceof StaleRecordError)) throw e;
  });

/**
 * One delivery run: sends the request's due webhooks, each signed with the tenant's current secrets
 * and the same webhook-id on every attempt; failures are rescheduled with back-off.
 *
 * One request's events go out in order: an undelivered earlier event holds back every later one,
 * which waits for the earlier one's retry instead of being tried on its own, so a receiver that
 * recovers gets them in the order they happened. A dead event no longer holds anything back. Order
 * rests on event ids (time-ordered) and on one delivery run per request at a time (the delivery
 * queue's message group is the request); a concurrent run (a redeliver racing the queue) may reorder
 * or repeat, which at-least-once allows.
 * A 410 closes every remaining and later event of the request without sending it, until a redeliver.
 */
export const deliveryRun = async (deps: OutboxDeps, tenant: string, requestId: string): Promise<DeliveryRunResult> => {
  const record = await deps.store.get(tenant, requestId);
  if (!record?.callback) return { sent: 0, nextAttemptAt: null };
  const items = (await deps.store.outboxFor(tenant, requestId)).sort((a, b) => (a.eventId < b.eventId ? -1 : 1));
  const nowIso = deps.clock().toISOString();
  if (!items.some((o) => isDue(o, nowIso))) return { sent: 0, nextAttemptAt: earliestPending(items) };
  const settings = await tenantSettings(deps, tenant);
  const random = deps.random ?? Math.random;
  const after = new Map(items.map((o) => [o.eventId, o]));
  const put = async (item: OutboxItem) => {
    await deps.store.putOutbox(item);
    after.set(item.eventId, item);
  };
  let gone = items.some((o) => o.status === 'gone');
  let heldUntil: string | null = null;
  let sent = 0;
  for (const item of items) {
    if (item.status !== 'pending') continue;
    if (gone) {
      await put({ ...item, ...STOPPED_BY_GONE });
      continue;
    }
    if (heldUntil !== null) {
      if (item.nextAttemptAt === null || item.nextAttemptAt < heldUntil) await put({ ...item, nextAttemptAt: heldUntil });
      continue;
    }
    if (!isDue(item, nowIso)) {
      heldUntil = item.nextAttemptAt;
      continue;
    }
    const now = deps.clock();
    const outcome = await deps.sendWebhook({
      url: record.callback.url,
      id: item.eventId,
      type: item.type,
      timestamp: now,
      body: item.body,
      secrets: signingSecrets(settings, now),
    });
    const updated = applyOutcome(item, outcome, now, random);
    await put(updated);
    sent++;
    gone = updated.status === 'gone';
    if (updated.status === 'pending') heldUntil = updated.nextAttemptAt;
  }
  await writeSummary(deps, tenant, requestId);
  return { sent, nextAttemptAt: earliestPending(after.values()) };
};

/** {@link deliveryRun}, answering the number of attempts made. */
export const deliverPendingFor = async (deps: OutboxDeps, tenant: string, requestId: string): Promise<number> =>
  (await deliveryRun(deps, tenant, requestId)).sent;

/**
 * The reconciler's share of delivery: every request with a due webhook (read from the sparse due index
 * only) gets a run. With a delivery queue the runs are queued (a safety net: status changes queue their
 * own, and retries come back through the queue by themselves) and this answers 0; without one (tests,
 * scripts) they run here, one request after another, and this answers the attempts made.
 */
export const deliverDue = async (deps: OutboxDeps, limit = 100): Promise<number> => {
  const due = await deps.store.dueOutbox(deps.clock().toISOString(), limit);
  const requests = new Map<string, OutboxItem>();
  for (const o of due) if (!requests.has(`${o.tenant}|${o.requestId}`)) requests.set(`${o.tenant}|${o.requestId}`, o);
  if (deps.deliveryQueue) {
    await deps.deliveryQueue.enqueue([...requests.values()].map((o) => ({ tenant: o.tenant, requestId: o.requestId, cause: `due ${o.eventId} ${o.nextAttemptAt}` })));
    return 0;
  }
  let sent = 0;
  for (const o of requests.values()) sent += await deliverPendingFor(deps, o.tenant, o.requestId);
  return sent;
};

/**
 * POST /byob/{id}/callbacks/redeliver: requeues and sends the request's undelivered webhooks, then
 * answers the record as they left it. With `ifMatch`, the version it names is claimed first by a
 * conditional write of the record (412 when it is not current), so a redeliver follows exactly the
 * record its caller read.
 */
export const redeliverRequest = async (deps: OutboxDeps, tenant: string, requestId: string, ifMatch?: VersionMatch): Promise<ByobRecord> => {
  const record = await retryOnStale(requestId, async () => {
    const r = await deps.store.get(tenant, requestId);
    if (!r) throw new NotFoundError();
    checkPrecondition(r, ifMatch);
    return ifMatch ? deps.store.patch(r, {}, deps.clock().toISOString()) : r;
  });
  await redeliver(deps, tenant, requestId);
  // Read again: the attempts just made changed the record's callback summary.
  return (await deps.store.get(tenant, requestId)) ?? record;
};

/** Requeues every undelivered webhook of a request (POST /byob/{id}/callbacks/redeliver) and sends now, in this call. */
export const redeliver = async (deps: OutboxDeps, tenant: string, requestId: string): Promise<number> => {
  const now = deps.clock().toISOString();
  const items = await deps.store.outboxFor(tenant, requestId);
  for (const o of items) {
    if (o.status === 'delivered') continue;
    await deps.store.putOutbox({ ...o, status: 'pending', nextAttemptAt: now, occurredAt: now });
  }
  return deliverPendingFor(deps, tenant, requestId);
};

/**
 * Closes every webhook of a request still waiting to be sent (its callbackUrl was removed): each ends
 * `dead` with `reason`, so the reconciler stops finding it due.
 */
export const closePending = async (deps: Pick<OutboxDeps, 'store' | 'clock'>, tenant: string, requestId: string, reason: string): Promise<void> => {
  for (const o of await deps.store.outboxFor(tenant, requestId)) {
    if (o.status === 'pending') await deps.store.putOutbox({ ...o, status: 'dead', nextAttemptAt: null, lastError: reason });
  }
};
