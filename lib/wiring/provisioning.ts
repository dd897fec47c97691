import { config, type Config } from '../config.js';
import type { ProvisioningDeps, StackDeps, VerifyingDeps } from '../provisioning/workflow.js';
import { verifyRecord } from '../verify/record.js';
import { makeRouteGuards, type RouteGuards, type StoreDeps } from './core.js';
import { once } from './once.js';
import { makeBucketClients, makeRequestClients, makeStackClients } from './request-clients.js';
import { makeWorkflowBase, type WorkflowTierDeps } from './workflow.js';
import { ConfigError } from '../config.js';
import type { OutboxDeps } from '../webhooks/outbox.js';

// The tiers of the functions that move requests along. Each adds to the workflow's base only the
// clients its steps call: DELETE /byob/{id} acts on stacks (CloudFormation), the quick-create
// registration verifies buckets (S3, KMS); POST /byob/{id}/verify, the stack events and the reconciler
// do both (re-verifying a READY or DEGRADED request also detects its stack's drift); all of them may act
// as a customer's role (STS). Only the HTTP routes take the route guards (auth and the tenant budget):
// the event functions have no caller to authenticate. None of them sends webhooks itself: a status
// change queues a delivery run (lib/wiring/workflow.ts), and the reconciler queues the due ones. The routes' AWS clients take the `http` caller
// profile, the event functions' the `background` one (lib/aws/clients.ts). POST /byob is lib/wiring/create.ts.

/** DELETE /byob/{id}: acts on requests' stacks. */
export interface StackRouteDeps extends WorkflowTierDeps, StackDeps, RouteGuards {}

/** The quick-create registration: verifies requests' buckets. */
export interface VerifyingTierDeps extends WorkflowTierDeps, VerifyingDeps {}

/** The stack events and the reconciler: stacks and buckets. */
export interface ProvisioningTierDeps extends WorkflowTierDeps, ProvisioningDeps {}

/** POST /byob/{id}/verify: stacks and buckets, for a caller. */
export interface VerifyRouteDeps extends ProvisioningTierDeps, RouteGuards {}

/** A request's verification with the clients acting for it (the workflow's `verify`). */
export const makeVerify = (cfg: Config, core: Pick<StoreDeps, 'ids' | 'clock'>): VerifyingDeps['verify'] =>
  (record, clients, when) => verifyRecord({ clock: core.clock, randomId: () => core.ids.token(12) }, cfg, record, clients, when);

/** DELETE /byob/{id}'s dependencies, built on first use. */
export const stackRouteDeps = /* @__PURE__ */ once((): StackRouteDeps => {
  const cfg = config();
  const { base, dynamo, sts } = makeWorkflowBase(cfg, 'http');
  return { ...base, ...makeRouteGuards(cfg, dynamo, base.clock), clientsFor: makeStackClients(cfg, base, sts, 'http') };
});

/** POST /byob/{id}/verify's dependencies, built on first use. */
export const verifyRouteDeps = /* @__PURE__ */ once((): VerifyRouteDeps => {
  const cfg = config();
  const { base, dynamo, sts } = makeWorkflowBase(cfg, 'http');
  return { ...base, ...makeRouteGuards(cfg, dynamo, base.clock), clientsFor: makeRequestClients(cfg, base, sts, 'http'), verify: makeVerify(cfg, base) };
});

/** The quick-create registration's dependencies, built on first use. */
export const verifyingTierDeps = /* @__PURE__ */ once((): VerifyingTierDeps => {
  const cfg = config();
  const { base, sts } = makeWorkflowBase(cfg, 'background');
  return { ...base, clientsFor: makeBucketClients(cfg, base, sts, 'background'), verify: makeVerify(cfg, base) };
});

const makeProvisioningTier = (cfg: Config): ProvisioningTierDeps => {
  const { base, sts } = makeWorkflowBase(cfg, 'background');
  return { ...base, clientsFor: makeRequestClients(cfg, base, sts, 'background'), verify: makeVerify(cfg, base) };
};

/** The stack events' dependencies, built on first use. */
export const provisioningTierDeps = /* @__PURE__ */ once((): ProvisioningTierDeps => makeProvisioningTier(config()));

/** The reconciler: the stack events' tier, queuing the due webhooks (lib/webhooks/outbox.ts deliverDue) on the delivery queue. */
export interface ReconcileTierDeps extends ProvisioningTierDeps, OutboxDeps {}

/**
 * The deployed reconciler sends no webhook itself: with the delivery queue (every deployment has one:
 * serverless.yml, and the local stack makes one in the emulator) deliverDue only queues runs, so its
 * sender is never called, and the function carries no delivery code (~5 KB gzip). Without the queue it
 * refuses to start rather than leave webhooks undelivered.
 */
const queuesOnly: OutboxDeps['sendWebhook'] = async () => {
  throw new Error('the reconciler sends no webhooks itself: they go through the delivery queue');
};

/** The reconciler's dependencies, built on first use. */
export const reconcileTierDeps = /* @__PURE__ */ once((): ReconcileTierDeps => {
  const cfg = config();
  const tier = makeProvisioningTier(cfg);
  if (!tier.deliveryQueue) throw new ConfigError('Invalid configuration: DELIVERY_QUEUE_URL: the reconciler queues due webhooks on it');
  return { ...tier, sendWebhook: queuesOnly };
});
