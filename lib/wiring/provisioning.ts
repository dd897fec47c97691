import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { STSClient } from '@aws-sdk/client-sts';
import { makeDynamo, makeSts } from '../aws/clients.js';
import { config, type Config } from '../config.js';
import type { StackDeps, VerifyingDeps, WorkflowDeps } from '../provisioning/workflow.js';
import { verifyRecord } from '../verify/record-verification.js';
import type { CoreDeps } from './core.js';
import { once } from './once.js';
import { makeBucketClients, makeStackClients } from './request-clients.js';
import { makeDeliverNow, makeOutboxDeps, type OutboxOnlyDeps } from './webhooks.js';

// The tiers of the functions that move requests along. Each adds to the workflow's base only the
// clients its steps call: DELETE /byob/{id} acts on stacks (CloudFormation), POST /byob/{id}/verify and
// the quick-create registration verify buckets (S3, KMS), the stack events and the reconciler do both;
// all of them may act as a customer's role (STS). POST /byob is lib/wiring/create.ts.

/** The core, webhook delivery and the workflow's `deliverNow`: what every provisioning tier starts from. */
export interface WorkflowTierDeps extends OutboxOnlyDeps, WorkflowDeps {}

/** A tier that acts on requests' stacks. */
export interface StackTierDeps extends WorkflowTierDeps, StackDeps {}

/** A tier that verifies requests' buckets. */
export interface VerifyingTierDeps extends WorkflowTierDeps, VerifyingDeps {}

/** A tier that does both. */
export interface ProvisioningTierDeps extends StackTierDeps, VerifyingTierDeps {}

/** The workflow's base from configuration, with the DynamoDB and STS clients it was built with. */
export const makeWorkflowBase = (cfg: Config): { base: WorkflowTierDeps; dynamo: DynamoDBClient; sts: STSClient } => {
  const dynamo = makeDynamo({ region: cfg.region, endpoint: cfg.endpoint });
  const outbox = makeOutboxDeps(cfg, dynamo);
  return { base: { ...outbox, deliverNow: makeDeliverNow(outbox) }, dynamo, sts: makeSts({ region: cfg.region, endpoint: cfg.endpoint }) };
};

/** A request's verification, with the clients acting for it (the workflow's `verify`). */
export const makeVerify = (cfg: Config, core: Pick<CoreDeps, 'store' | 'ids' | 'clock'>, sts: STSClient): VerifyingDeps['verify'] => {
  const bucketClientsFor = makeBucketClients(cfg, core, sts);
  return async (record, when) => verifyRecord({ clock: core.clock, randomId: () => core.ids.token(12) }, cfg, record, await bucketClientsFor(record), when);
};

/** DELETE /byob/{id}'s dependencies, built on first use. */
export const stackTierDeps = /* @__PURE__ */ once((): StackTierDeps => {
  const cfg = config();
  const { base, sts } = makeWorkflowBase(cfg);
  return { ...base, clientsFor: makeStackClients(cfg, base, sts) };
});

/** The dependencies of POST /byob/{id}/verify and of the quick-create registration, built on first use. */
export const verifyingTierDeps = /* @__PURE__ */ once((): VerifyingTierDeps => {
  const cfg = config();
  const { base, sts } = makeWorkflowBase(cfg);
  return { ...base, verify: makeVerify(cfg, base, sts) };
});

/** The dependencies of the stack events and the reconciler, built on first use. */
export const provisioningTierDeps = /* @__PURE__ */ once((): ProvisioningTierDeps => {
  const cfg = config();
  const { base, sts } = makeWorkflowBase(cfg);
  return { ...base, clientsFor: makeStackClients(cfg, base, sts), verify: makeVerify(cfg, base, sts) };
});
