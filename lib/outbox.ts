import { nextAttemptAt } from './backoff.js';
import type { Ids } from './ids.js';
import type { CallbackState } from './record.js';
import { signingSecrets, tenantSettings } from './settings.js';
import { type OutboxItem, StaleRecordError, type Store } from './store.js';
import type { DeliveryOutcome, DeliveryRequest } from './webhook-delivery.js';

/** What webhook delivery needs. */
export interface OutboxDeps {
  store: Store;
  ids: Ids;
  clock: () => Date;
  sendWebhook(request: DeliveryRequest): Promise<DeliveryOutcome>;
  random?: () => number;
}

const isDue = (o: OutboxItem, now: string) => o.status === 'pending' && o.nextAttemptAt !== null && o.nextAttemptAt <= now;

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
    nextAttemptAt: pending.map((i) => i.nextAttemptAt).filter((t): t is string => t !== null).sort()[0] ?? null,
  };
};

const applyOutcome = (item: OutboxItem, outcome: DeliveryOutcome, now: Date, random: () => number): OutboxItem => {
  const attempts = item.attempts + 1;
  const base = { ...item, attempts, lastAttemptAt: now.toISOString() };
  if (outcome.kind === 'delivered') return { ...base, status: 'delivered', nextAttemptAt: null, lastError: null };
  if (outcome.kind === 'gone') return { ...base, status: 'gone', nextAttemptAt: null, lastError: 'the endpoint answered 410 Gone; delivery stopped' };
  const error = outcome.kind === 'refused' ? `refused: ${outcome.reason}` : outcome.error;
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

/** Writes the callback summary onto the record (not a status change), retrying if the record moved. */
const writeSummary = async (deps: OutboxDeps, tenant: string, requestId: string, items: OutboxItem[]) => {
  for (let i = 0; i < 5; i++) {
    const record = await deps.store.get(tenant, requestId);
    if (!record?.callback) return;
    try {
      await deps.store.patch(record, { callback: callbackSummary(record.callback.url, items) }, deps.clock().toISOString());
      return;
    } catch (e) {
      if (!(e instanceof StaleRecordError)) throw e;
    }
  }
};

/**
 * Sends the request's due webhooks in event order, each signed with the tenant's current secrets and
 * the same webhook-id on every attempt; failures are rescheduled with back-off, 410 stops the endpoint.
 */
export const deliverPendingFor = async (deps: OutboxDeps, tenant: string, requestId: string): Promise<number> => {
  const record = await deps.store.get(tenant, requestId);
  if (!record?.callback) return 0;
  let items = (await deps.store.outboxFor(tenant, requestId)).sort((a, b) => (a.eventId < b.eventId ? -1 : 1));
  const nowIso = deps.clock().toISOString();
  if (!items.some((o) => isDue(o, nowIso))) return 0;
  const settings = await tenantSettings(deps, tenant);
  const random = deps.random ?? Math.random;
  let sent = 0;
  for (const [index, item] of items.entries()) {
    if (!isDue(item, nowIso)) continue;
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
    await deps.store.putOutbox(updated);
    items[index] = updated;
    sent++;
    if (updated.status === 'gone') {
      // 410: the portal retired this endpoint; nothing more goes to it for this request.
      items = await Promise.all(
        items.map(async (o) => {
          if (o.status !== 'pending') return o;
          const stopped: OutboxItem = { ...o, status: 'gone', nextAttemptAt: null, lastError: 'endpoint gone (410)' };
          await deps.store.putOutbox(stopped);
          return stopped;
        }),
      );
      break;
    }
    // Keep events in order: a failed earlier event holds back later ones until it is retried.
    if (updated.status === 'pending') break;
  }
  await writeSummary(deps, tenant, requestId, items);
  return sent;
};

/** Delivers every due webhook of every request (the reconciler's schedule drives this). */
export const deliverDue = async (deps: OutboxDeps, limit = 100): Promise<number> => {
  const due = await deps.store.dueOutbox(deps.clock().toISOString(), limit);
  const requests = new Map(due.map((o) => [`${o.tenant}|${o.requestId}`, o]));
  let sent = 0;
  for (const o of requests.values()) sent += await deliverPendingFor(deps, o.tenant, o.requestId);
  return sent;
};

/** Requeues every undelivered webhook of a request (POST /byob/{id}/callbacks/redeliver) and sends now. */
export const redeliver = async (deps: OutboxDeps, tenant: string, requestId: string): Promise<number> => {
  const now = deps.clock().toISOString();
  const items = await deps.store.outboxFor(tenant, requestId);
  for (const o of items) {
    if (o.status === 'delivered') continue;
    await deps.store.putOutbox({ ...o, status: 'pending', nextAttemptAt: now, occurredAt: now });
  }
  return deliverPendingFor(deps, tenant, requestId);
};
