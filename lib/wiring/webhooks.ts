import { makeDynamo } from '../aws/clients.js';
import type { Clock } from '../clock.js';
import { config, type Config } from '../config.js';
import type { ByobRecord } from '../provisioning/record.js';
import { type DeliveryOutcome, type DeliveryRequest, deliverWebhook } from '../webhooks/delivery.js';
import { deliverPendingFor, type OutboxDeps } from '../webhooks/outbox.js';
import { type CoreDeps, makeCore } from './core.js';
import { once } from './once.js';

/** Sends one webhook attempt. */
export type SendWebhook = (request: DeliveryRequest) => Promise<DeliveryOutcome>;

/** The core plus webhook delivery (DynamoDB and the outbox, no stack or bucket clients). */
export interface OutboxOnlyDeps extends CoreDeps {
  sendWebhook: SendWebhook;
}

/** Webhook delivery with the deployment's loopback policy. */
export const makeSendWebhook = (cfg: Config, clock: Clock): SendWebhook => (request) => deliverWebhook({ allowLoopback: cfg.localMode, clock }, request);

/** Attempts a record's pending webhooks now (the workflow's `deliverNow`). */
export const makeDeliverNow = (deps: OutboxDeps) => async (record: ByobRecord): Promise<void> => {
  await deliverPendingFor(deps, record.tenant, record.id);
};

/** The container's core dependencies plus webhook delivery, built on first use. */
export const outboxDeps = /* @__PURE__ */ once((): OutboxOnlyDeps => {
  const cfg = config();
  const core = makeCore(cfg, makeDynamo({ region: cfg.region, endpoint: cfg.endpoint }));
  return { ...core, sendWebhook: makeSendWebhook(cfg, core.clock) };
});
