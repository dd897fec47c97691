import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { STSClient } from '@aws-sdk/client-sts';
import { makeDynamo, makeSts } from '../aws/clients.js';
import type { Config } from '../config.js';
import type { WorkflowDeps } from '../provisioning/workflow.js';
import { makeStoreDeps, type StoreDeps } from './core.js';
import { makeDeliverNow, makeSendWebhook, type SendWebhook } from './webhooks.js';

// The base of every tier that moves requests along (lib/wiring/provisioning.ts, create.ts), in a module
// of its own so that POST /byob, which checks no bucket, imports none of the verification.

/** The table, webhook delivery and the workflow's `deliverNow`. */
export interface WorkflowTierDeps extends StoreDeps, WorkflowDeps {
  sendWebhook: SendWebhook;
}

/** The workflow's base from configuration, with the DynamoDB and STS clients it was built with. */
export const makeWorkflowBase = (cfg: Config): { base: WorkflowTierDeps; dynamo: DynamoDBClient; sts: STSClient } => {
  const dynamo = makeDynamo({ region: cfg.region, endpoint: cfg.endpoint });
  const store = makeStoreDeps(cfg, dynamo);
  const outbox = { ...store, sendWebhook: makeSendWebhook(cfg, store.clock) };
  return { base: { ...outbox, deliverNow: makeDeliverNow(outbox) }, dynamo, sts: makeSts({ region: cfg.region, endpoint: cfg.endpoint }) };
};

