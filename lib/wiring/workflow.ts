import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { STSClient } from '@aws-sdk/client-sts';
import { type CallerProfile, makeDynamo, makeSts } from '../aws/clients.js';
import type { Config } from '../config.js';
import type { WorkflowDeps } from '../provisioning/workflow.js';
import { makeStoreDeps, type StoreDeps } from './core.js';
import type { OutboxDeps } from '../webhooks/outbox.js';
import { makeDeliverNow, makeDeliveryQueue, makeSendWebhook, type SendWebhook } from './webhooks.js';

// The base of every tier that moves requests along (lib/wiring/provisioning.ts, create.ts), in a module
// of its own so that POST /byob, which checks no bucket, imports none of the verification.

/** The table, webhook delivery (through the delivery queue when deployed with one) and the workflow's `deliverNow`. */
export interface WorkflowTierDeps extends StoreDeps, WorkflowDeps, Pick<OutboxDeps, 'deliveryQueue'> {
  sendWebhook: SendWebhook;
}

/**
 * The workflow's base from configuration, with the DynamoDB and STS clients it was built with.
 * `profile` sizes every AWS client for its caller (lib/aws/clients.ts): `http` for the routes,
 * `background` for the event-driven and scheduled functions.
 */
export const makeWorkflowBase = (cfg: Config, profile: CallerProfile): { base: WorkflowTierDeps; dynamo: DynamoDBClient; sts: STSClient } => {
  const target = { region: cfg.region, endpoint: cfg.endpoint, profile };
  const dynamo = makeDynamo(target);
  const store = makeStoreDeps(cfg, dynamo);
  const deliveryQueue = makeDeliveryQueue(cfg, profile);
  const outbox = { ...store, sendWebhook: makeSendWebhook(cfg, store.clock), ...(deliveryQueue ? { deliveryQueue } : {}) };
  return { base: { ...outbox, deliverNow: makeDeliverNow(outbox) }, dynamo, sts: makeSts(target) };
};

