import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { STSClient } from '@aws-sdk/client-sts';
import { type CallerProfile, makeDynamo, makeSts } from '../aws/clients.js';
import type { Config } from '../config.js';
import type { WorkflowDeps } from '../provisioning/workflow.js';
import { makeStoreDeps, type StoreDeps } from './core.js';
import type { OutboxDeps } from '../webhooks/outbox.js';
import { makeDeliveryQueue, makeQueuedDeliverNow } from './webhooks.js';

// The base of every tier that moves requests along (lib/wiring/provisioning.ts, create.ts), in a module
// of its own so that POST /byob, which checks no bucket, imports none of the verification.

/** The table, the delivery queue (when deployed with one) and the workflow's `deliverNow`. */
export interface WorkflowTierDeps extends StoreDeps, WorkflowDeps, Pick<OutboxDeps, 'deliveryQueue'> {}

/**
 * The workflow's base from configuration, with the DynamoDB and STS clients it was built with.
 * `profile` sizes every AWS client for its caller (lib/aws/clients.ts): `http` for the routes,
 * `background` for the event-driven and scheduled functions. A status change queues a delivery run
 * (lib/webhooks/delivery-queue.ts); every deployment has the queue (serverless.yml; the local stack
 * makes one in the emulator), and the reconciler refuses to start without it. These functions carry
 * no webhook sender (delivery, signing and the address policy are ~5 KB gzip and ~1 ms of start-up
 * that the queue's consumer, deliverWebhooks, pays instead); the tests' makeDeps sends inline.
 */
export const makeWorkflowBase = (cfg: Config, profile: CallerProfile): { base: WorkflowTierDeps; dynamo: DynamoDBClient; sts: STSClient } => {
  const target = { region: cfg.region, endpoint: cfg.endpoint, profile };
  const dynamo = makeDynamo(target);
  const store = makeStoreDeps(cfg, dynamo);
  const deliveryQueue = makeDeliveryQueue(cfg, profile);
  return { base: { ...store, ...(deliveryQueue ? { deliveryQueue } : {}), deliverNow: makeQueuedDeliverNow(deliveryQueue) }, dynamo, sts: makeSts(target) };
};
