import { type CallerProfile, documentClientOf } from '../aws/clients.js';
import type { Config } from '../config.js';
import { dynamoOutdatedRequests, type OutdatedRequests } from '../provisioning/outdated-requests.js';
import type { ByobRecord } from '../provisioning/record.js';
import type { RequestClients } from '../provisioning/workflow.js';
import type { OutboxDeps } from '../webhooks/outbox.js';
import { createParts, type CreateRouteDeps } from './create.js';
import { type ExistingVerifierDeps, makeExistingVerifier } from './existing-verifier.js';
import { makeRouteGuards } from './core.js';
import { makeVerify, type ProvisioningTierDeps } from './provisioning.js';
import { makeWorkflowBase } from './workflow.js';
import { makeRequestClients } from './request-clients.js';
import type { TemplateReadDeps } from './template-read.js';
import { makeDeliverNow, makeSendWebhook } from './webhooks.js';

/** Every tier's parts together: the tests' and the bench's dependencies (each handler takes its own tier). */
export interface Deps extends CreateRouteDeps, ProvisioningTierDeps, TemplateReadDeps, ExistingVerifierDeps, OutboxDeps {
  /** Every client acting for a request (POST /byob's tier alone builds only its stack's). */
  clientsFor(record: ByobRecord): Promise<RequestClients>;
  /** POST /byob/upgrade's listing (lib/wiring/bulk-upgrade.ts). */
  outdated: OutdatedRequests;
}

/**
 * Wires the real adapters from configuration; `overrides` lets tests swap any part. `profile` sizes
 * every AWS client for its caller (lib/aws/clients.ts): HTTP routes by default, `background` for the
 * event-driven and scheduled functions.
 */
export const makeDeps = (cfg: Config, overrides: Partial<Deps> = {}, profile: CallerProfile = 'http'): Deps => {
  const { base, dynamo, sts } = makeWorkflowBase(cfg, profile);
  const deps: Deps = {
    ...base,
    ...makeRouteGuards(cfg, dynamo, base.clock),
    ...createParts(cfg, base, { dynamo, sts }, () => deps, profile),
    clientsFor: makeRequestClients(cfg, base, sts, profile),
    verify: makeVerify(cfg, base),
    sendWebhook: makeSendWebhook(cfg, base.clock),
    // Through the finished dependencies, so an overridden store, sender or queue is the one that delivers.
    deliverNow: (record) => makeDeliverNow(deps)(record),
    existingVerifier: makeExistingVerifier(cfg, base, sts),
    outdated: dynamoOutdatedRequests(documentClientOf(dynamo), cfg.tableName),
    ...overrides,
  };
  return deps;
};
