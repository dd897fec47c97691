import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { STSClient } from '@aws-sdk/client-sts';
import type { CallerProfile } from '../aws/clients.js';
import { config, type Config } from '../config.js';
import { makeIdempotentCreate } from '../http/idempotency.js';
import { createByob, type CreateDeps } from '../provisioning/create.js';
import { toView } from '../provisioning/record.js';
import type { CreateByobRequest } from '../provisioning/request.js';
import type { ByobView } from '../provisioning/view.js';
import { makeRouteGuards, type RouteGuards, type StoreDeps } from './core.js';
import { once } from './once.js';
import { makeWorkflowBase, type WorkflowTierDeps } from './workflow.js';
import { makeBucketS3, makeStackClients } from './request-clients.js';
import { makeVendorS3 } from './template-read.js';

/** POST /byob: the workflow, its stacks, a look at a retained bucket before adopting it, the vendor's templates bucket and idempotent create (no bucket checks: no KMS). */
export interface CreateRouteDeps extends WorkflowTierDeps, CreateDeps, RouteGuards {
  /** POST /byob with an Idempotency-Key: stored response on replay, 422 on another body, 409 while in flight. */
  createIdempotently(tenant: string, key: string, body: CreateByobRequest): Promise<ByobView>;
}

/**
 * What POST /byob adds to a tier. `self` is the finished dependencies (overrides included), which the
 * idempotent create runs with.
 */
export const createParts = (
  cfg: Config,
  core: Pick<StoreDeps, 'store' | 'ids' | 'clock'>,
  clients: { dynamo: DynamoDBClient; sts: STSClient },
  self: () => CreateDeps,
  profile: CallerProfile,
): Pick<CreateRouteDeps, 'vendorS3' | 'clientsFor' | 'bucketS3For' | 'createIdempotently'> => ({
  vendorS3: makeVendorS3(cfg, profile),
  clientsFor: makeStackClients(cfg, core, clients.sts, profile),
  bucketS3For: makeBucketS3(cfg, core, clients.sts, profile),
  createIdempotently: makeIdempotentCreate(clients.dynamo, cfg.idempotencyTableName, async (tenant, body: CreateByobRequest) => toView(await createByob(self(), tenant, body), { latestTemplateVersion: cfg.templateVersion })),
});

/** POST /byob's dependencies, built on first use. */
export const createRouteDeps = /* @__PURE__ */ once((): CreateRouteDeps => {
  const cfg = config();
  const { base, dynamo, sts } = makeWorkflowBase(cfg, 'http');
  const deps: CreateRouteDeps = { ...base, ...makeRouteGuards(cfg, dynamo, base.clock), ...createParts(cfg, base, { dynamo, sts }, () => deps, 'http') };
  return deps;
});
