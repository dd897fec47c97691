import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { type Config, config } from '../config.js';
import type { UpdateDeps } from '../updates/direct-update.js';
import { makeRouteGuards, type RouteGuards } from './core.js';
import { once } from './once.js';
import { makeStackClients } from './request-clients.js';
import { makeVendorS3 } from './template-read.js';
import { makeWorkflowBase, type WorkflowTierDeps } from './workflow.js';

/**
 * PATCH /byob/{id} and POST /byob/{id}/upgrade: the workflow, its stacks (change sets, as the vendor or
 * the customer's role) and the vendor's templates bucket. No bucket checks: the stack notifications'
 * function verifies the updated bucket.
 */
export interface UpdateRouteDeps extends WorkflowTierDeps, UpdateDeps, RouteGuards {}

/** The update routes' dependencies from configuration, with the DynamoDB client they use (for a tier built on them). */
export const makeUpdateRouteDeps = (cfg: Config): { deps: UpdateRouteDeps; dynamo: DynamoDBClient } => {
  const { base, dynamo, sts } = makeWorkflowBase(cfg, 'http');
  return { deps: { ...base, ...makeRouteGuards(cfg, dynamo, base.clock), vendorS3: makeVendorS3(cfg, 'http'), clientsFor: makeStackClients(cfg, base, sts, 'http') }, dynamo };
};

/** The update routes' dependencies, built on first use. */
export const updateRouteDeps = /* @__PURE__ */ once((): UpdateRouteDeps => makeUpdateRouteDeps(config()).deps);
