import { makeDynamo, makeSqs, type CallerProfile } from '../aws/clients.js';
import type { Clock } from '../clock.js';
import { config, type Config } from '../config.js';
import type { ByobRecord } from '../provisioning/record.js';
import { type DeliveryOutcome, type DeliveryRequest, deliverWebhook } from '../webhooks/delivery.js';
import { type DeliveryQueue, sqsDeliveryQueue } from '../webhooks/delivery-queue.js';
import { deliverPendingFor, type OutboxDeps } from '../webhooks/outbox.js';
import { type CoreDeps, makeCore } from './core.js';
import { once } from './once.js';

/** Sends one webhook attempt. */
export type SendWebhook = (request: DeliveryRequest) => Promise<DeliveryOutcome>;

/** The core plus webhook delivery (DynamoDB and the outbox, no stack or bucket clients). */
export interface OutboxOnlyDeps extends CoreDeps {
  sendWebhook: SendWebhook;
}

/**
 * Per-attempt deadline of a webhook sent while an HTTP route waits (POST /byob/{id}/callbacks/redeliver):
 * one hanging receiver must not hold the answer past its bound. Background delivery keeps the default.
 */
export const HTTP_DELIVERY_TIMEOUT_MS = 5_000;

/** Webhook delivery with the deployment's loopback policy. */
export const makeSendWebhook =
  (cfg: Config, clock: Clock, timeoutMs?: number): SendWebhook =>
  (request) =>
    deliverWebhook({ allowLoopback: cfg.localMode, clock, ...(timeoutMs === undefined ? {} : { timeoutMs }) }, request);

/** The deployment's webhook delivery queue (DELIVERY_QUEUE_URL), if it has one. */
export const makeDeliveryQueue = (cfg: Config, profile: CallerProfile): DeliveryQueue | undefined =>
  cfg.deliveryQueueUrl ? sqsDeliveryQueue(makeSqs({ region: cfg.region, endpoint: cfg.endpoint, profile }), cfg.deliveryQueueUrl) : undefined;

const runFor = (record: ByobRecord) => ({ tenant: record.tenant, requestId: record.id, cause: `version ${record.version}` });

/**
 * After a status change (the workflow's `deliverNow`): a run on the delivery queue (its version names
 * the change), or the record's pending webhooks attempted here.
 */
export const makeDeliverNow = (deps: OutboxDeps) => async (record: ByobRecord): Promise<void> => {
  if (deps.deliveryQueue) await deps.deliveryQueue.enqueue([runFor(record)]);
  else await deliverPendingFor(deps, record.tenant, record.id);
};

/**
 * After a status change, for a function that sends no webhooks itself: a run on the delivery queue,
 * or, without one, nothing here (the events wait in the outbox, due now, for the reconciler).
 */
export const makeQueuedDeliverNow = (queue: Pick<DeliveryQueue, 'enqueue'> | undefined) => async (record: ByobRecord): Promise<void> => {
  if (queue) await queue.enqueue([runFor(record)]);
};

/** The container's core dependencies plus webhook delivery, built on first use. */
export const outboxDeps = /* @__PURE__ */ once((): OutboxOnlyDeps => {
  const cfg = config();
  const core = makeCore(cfg, makeDynamo({ region: cfg.region, endpoint: cfg.endpoint, profile: 'http' }));
  return { ...core, sendWebhook: makeSendWebhook(cfg, core.clock, HTTP_DELIVERY_TIMEOUT_MS) };
});
