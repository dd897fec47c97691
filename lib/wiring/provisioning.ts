import { config, type Config } from '../config.js';
import type { ProvisioningDeps, StackDeps, VerifyingDeps } from '../provisioning/workflow.js';
import { verifyRecord } from '../verify/record.js';
import { makeRouteGuards, type RouteGuards, type StoreDeps } from './core.js';
import { once } from './once.js';
import { makeBucketClients, makeRequestClients, makeStackClients } from './request-clients.js';
import { type DeliveringTierDeps, makeWorkflowBase, withWebhookSender, type WorkflowTierDeps } from './workflow.js';

// The tiers of the functions that move requests along. Each adds to the workflow's base only the
// clients its steps call: DELETE /byob/{id} acts on stacks (CloudFormation), the quick-create
// registration verifies buckets (S3, KMS); POST /byob/{id}/verify, the stack events and the reconciler
// do both (re-verifying a READY or DEGRADED request also detects its stack's drift); all of them may act
// as a customer's role (STS). Only the HTTP routes take the route guards (auth and the tenant budget):
// the event functions have no caller to authenticate. Only the reconciler sends webhooks itself (when
// there is no delivery queue); the others queue a delivery run (lib/wiring/workflow.ts). The routes' AWS clients take the `http` caller
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

/** The reconciler: the stack events' tier, and a webhook sender for due webhooks when there is no delivery queue. */
export interface ReconcileTierDeps extends ProvisioningTierDeps, DeliveringTierDeps {}

/** The reconciler's dependencies, built on first use. */
export const reconcileTierDeps = /* @__PURE__ */ once((): ReconcileTierDeps => {
  const cfg = config();
  return withWebhookSender(cfg, makeProvisioningTier(cfg));
});
