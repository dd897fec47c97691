import { assumedRoleCredentials, clientCache, makeCloudFormation, makeDynamo, makeKms, makeS3, makeSts } from '../aws/clients.js';
import { type Config, config } from '../config.js';
import { createByob, type CreateDeps } from '../provisioning/create.js';
import { makeIdempotentCreate } from '../http/idempotency.js';
import { type ExistingVerifierDeps, makeCore, makeExistingVerifier, makeSendWebhook, makeVendorKms, makeVendorS3, type OutboxOnlyDeps, type TemplateReadDeps } from './core.js';
import { once } from './once.js';
import { deliverPendingFor, type OutboxDeps } from '../webhooks/outbox.js';
import type { RequestClients } from '../provisioning/workflow.js';
import { type ByobRecord, toView } from '../provisioning/record.js';
import type { CreateByobRequest } from '../provisioning/request.js';
import type { ByobView } from '../provisioning/view.js';
import { tenantSettings } from '../tenants/settings.js';
import { verifyRecord } from '../verify/record-verification.js';

/** Everything the provisioning functions need: every tier below, the workflow's clients and idempotent create. */
export interface Deps extends OutboxOnlyDeps, TemplateReadDeps, ExistingVerifierDeps, CreateDeps, OutboxDeps {
  /** POST /byob with an Idempotency-Key: stored response on replay, 422 on another body, 409 while in flight. */
  createIdempotently(tenant: string, key: string, body: CreateByobRequest): Promise<ByobView>;
}

/** Wires the real adapters from configuration; `overrides` lets tests swap any part. */
export const makeDeps = (cfg: Config, overrides: Partial<Deps> = {}): Deps => {
  const endpoint = cfg.endpoint;
  const dynamo = makeDynamo({ region: cfg.region, endpoint });
  const core = makeCore(cfg, dynamo);
  const { ids, clock } = core;
  const sts = makeSts({ region: cfg.region, endpoint });
  const vendorS3 = makeVendorS3(cfg);
  const vendorKms = makeVendorKms(cfg);
  const vendorClients = clientCache((region): RequestClients => ({
    cfn: makeCloudFormation({ region, endpoint }),
    s3: vendorS3(region),
    kms: vendorKms(region),
  }));
  const assumed = clientCache((key): RequestClients => {
    const [region, roleArn, externalId, session] = key.split('|') as [string, string, string, string];
    const credentials = assumedRoleCredentials(sts, roleArn, async () => externalId, session);
    return {
      cfn: makeCloudFormation({ region, endpoint, credentials }),
      s3: makeS3({ region, endpoint, credentials }),
      kms: makeKms({ region, endpoint, credentials }),
    };
  });
  const deps: Deps = {
    ...core,
    vendorS3,
    async clientsFor(record: ByobRecord) {
      if (!record.launch.roleArn) return vendorClients(record.region);
      const settings = await tenantSettings(core, record.tenant);
      return assumed([record.region, record.launch.roleArn, settings.externalId, `byob-${record.id}`.slice(0, 64)].join('|'));
    },
    verify: (record, clients, when) => verifyRecord({ clock, randomId: () => ids.token(12) }, cfg, record, clients, when),
    deliverNow: async (record) => {
      await deliverPendingFor(deps, record.tenant, record.id);
    },
    createIdempotently: makeIdempotentCreate(dynamo, cfg.idempotencyTableName, async (tenant, body: CreateByobRequest) => toView(await createByob(deps, tenant, body))),
    existingVerifier: makeExistingVerifier(cfg, core, sts),
    sendWebhook: makeSendWebhook(cfg, clock),
    ...overrides,
  };
  return deps;
};

/** The container's dependencies, built on first use. */
export const deps = /* @__PURE__ */ once((): Deps => makeDeps(config()));
