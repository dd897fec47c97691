import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { STSClient } from '@aws-sdk/client-sts';
import { type CallerProfile, makeDynamo, makeSts } from '../aws/clients.js';
import type { Config } from '../config.js';
import type { WorkflowDeps } from '../provisioning/workflow.js';
import { makeStoreDeps, type StoreDeps } from './core.js';
import type { OutboxDeps } from '../webhooks/outbox.js';
import { makeDeliverNow, makeDeliveryQueue, makeQueuedDeliverNow, makeSendWebhook } from './webhooks.js';

// The base of every tier that moves requests along (lib/wiring/provisioning.ts, create.ts), in a module
// of its own so that POST /byob, which checks no bucket, imports none of the verification.

/** The table, the delivery queue (when deployed with one) and the workflow's `deliverNow`. */
export interface WorkflowTierDeps extends StoreDeps, WorkflowDeps, Pick<OutboxDeps, 'deliveryQueue'> {}

/** A workflow base that can also send webhooks itself (the reconciler's, which attempts due ones when there is no queue). */
export interface DeliveringTierDeps extends WorkflowTierDeps, OutboxDeps {}

/**
 * The workflow's base from configuration, with the DynamoDB and STS clients it was built with.
 * `profile` sizes every AWS client for its caller (lib/aws/clients.ts): `http` for the routes,
 * `background` for the event-driven and scheduled functions. A status change queues a delivery run
 * (lib/webhooks/delivery-queue.ts); the deployment always has the queue. Without one (a bare local
 * run) the change's webhooks wait in the outbox for the reconciler's next minute: these functions
 * carry no webhook sender (delivery, signing and the address policy are ~5 KB gzip and ~1 ms of
 * start-up that the function with the queue's consumer, deliverWebhooks, pays instead).
 */
export const makeWorkflowBase = (cfg: Config, profile: CallerProfile): { base: WorkflowTierDeps; dynamo: DynamoDBClient; sts: STSClient } => {
  const target = { region: cfg.region, endpoint: cfg.endpoint, profile };
  const dynamo = makeDynamo(target);
  const store = makeStoreDeps(cfg, dynamo);
  const deliveryQueue = makeDeliveryQueue(cfg, profile);
  return { base: { ...store, ...(deliveryQueue ? { deliveryQueue } : {}), deliverNow: makeQueuedDeliverNow(deliveryQueue) }, dynamo, sts: makeSts(target) };
};

/** `base` with a webhook sender, and a `deliverNow` that attempts the webhooks here when there is no queue. */
export const withWebhookSender = <T extends WorkflowTierDeps>(cfg: Config, base: T): T & DeliveringTierDeps => {
  const outbox = { ...base, sendWebhook: makeSendWebhook(cfg, base.clock) };
  return { ...outbox, deliverNow: makeDeliverNow(outbox) };
};
