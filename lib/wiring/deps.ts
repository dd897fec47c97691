import type { Config } from '../config.js';
import type { ByobRecord } from '../provisioning/record.js';
import type { RequestClients } from '../provisioning/workflow.js';
import { deliverPendingFor, type OutboxDeps } from '../webhooks/outbox.js';
import { createParts, type CreateRouteDeps } from './create.js';
import { type ExistingVerifierDeps, makeExistingVerifier } from './existing-verifier.js';
import { makeRouteGuards } from './core.js';
import { makeVerify, type ProvisioningTierDeps } from './provisioning.js';
import { makeWorkflowBase } from './workflow.js';
import { makeRequestClients } from './request-clients.js';
import type { TemplateReadDeps } from './template-read.js';

/** Every tier's parts together: the tests' and the bench's dependencies (each handler takes its own tier). */
export interface Deps extends CreateRouteDeps, ProvisioningTierDeps, TemplateReadDeps, ExistingVerifierDeps, OutboxDeps {
  /** Every client acting for a request (POST /byob's tier alone builds only its stack's). */
  clientsFor(record: ByobRecord): Promise<RequestClients>;
}

/** Wires the real adapters from configuration; `overrides` lets tests swap any part. */
export const makeDeps = (cfg: Config, overrides: Partial<Deps> = {}): Deps => {
  const { base, dynamo, sts } = makeWorkflowBase(cfg);
  const deps: Deps = {
    ...base,
    ...makeRouteGuards(cfg, dynamo, base.clock),
    ...createParts(cfg, base, { dynamo, sts }, () => deps),
    clientsFor: makeRequestClients(cfg, base, sts),
    verify: makeVerify(cfg, base),
    // Through the finished dependencies, so an overridden store or sender is the one that delivers.
    deliverNow: async (record) => {
      await deliverPendingFor(deps, record.tenant, record.id);
    },
    existingVerifier: makeExistingVerifier(cfg, base, sts),
    ...overrides,
  };
  return deps;
};
