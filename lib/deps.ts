import { AssumeRoleCommand } from '@aws-sdk/client-sts';
import { type Authenticate, makeAuthenticator } from './auth.js';
import { clientCache, makeCloudFormation, makeDocumentClient, makeKms, makeS3, makeSts } from './aws.js';
import { type Config, config } from './config.js';
import type { CreateDeps } from './create-byob.js';
import { type Ids, realIds } from './ids.js';
import { deliverPendingFor, type OutboxDeps } from './outbox.js';
import type { RequestClients } from './provisioning.js';
import type { ByobRecord } from './record.js';
import { tenantSettings } from './settings.js';
import { dynamoStore } from './store.js';
import { verifyRecord } from './verification.js';
import { deliverWebhook } from './webhook-delivery.js';

/** Everything a handler needs, built once per container. */
export interface Deps extends CreateDeps, OutboxDeps {
  authenticate: Authenticate;
}

/** Wires the real adapters from configuration; `overrides` lets tests swap any part. */
export const makeDeps = (cfg: Config, overrides: Partial<Deps> = {}): Deps => {
  const endpoint = cfg.endpoint;
  const store = dynamoStore(makeDocumentClient({ region: cfg.region, endpoint }), cfg.tableName);
  const ids: Ids = realIds();
  const clock = () => new Date();
  const sts = makeSts({ region: cfg.region, endpoint });
  const vendorS3 = clientCache((region) => makeS3({ region, endpoint }));
  const vendorClients = clientCache((region): RequestClients => ({
    cfn: makeCloudFormation({ region, endpoint }),
    s3: vendorS3(region),
    kms: makeKms({ region, endpoint }),
  }));
  const assumed = clientCache((key): RequestClients => {
    const [region, roleArn, externalId, session] = key.split('|') as [string, string, string, string];
    // Temporary credentials for the customer's deployment role, refreshed by the SDK when they expire.
    const credentials = async () => {
      const out = await sts.send(new AssumeRoleCommand({ RoleArn: roleArn, ExternalId: externalId, RoleSessionName: session, DurationSeconds: 3600 }));
      const c = out.Credentials;
      if (!c?.AccessKeyId || !c.SecretAccessKey) throw new Error(`AssumeRole of ${roleArn} returned no credentials`);
      return { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.SessionToken, expiration: c.Expiration };
    };
    return {
      cfn: makeCloudFormation({ region, endpoint, credentials }),
      s3: makeS3({ region, endpoint, credentials }),
      kms: makeKms({ region, endpoint, credentials }),
    };
  });
  const base = { store, ids, clock, statusDeadlineMinutes: cfg.statusDeadlineMinutes, config: cfg };
  const deps: Deps = {
    ...base,
    authenticate: makeAuthenticator(cfg.auth),
    vendorS3,
    async clientsFor(record: ByobRecord) {
      if (!record.launch.roleArn) return vendorClients(record.region);
      const settings = await tenantSettings(base, record.tenant);
      return assumed([record.region, record.launch.roleArn, settings.externalId, `byob-${record.id}`.slice(0, 64)].join('|'));
    },
    verify: (record, clients) => verifyRecord({ clock, randomId: () => ids.token(12) }, cfg, record, clients),
    deliverNow: async (record) => {
      await deliverPendingFor(deps, record.tenant, record.id);
    },
    sendWebhook: (request) => deliverWebhook({ allowLoopback: cfg.localMode, clock: { now: clock } }, request),
    ...overrides,
  };
  return deps;
};

let cached: Deps | undefined;

/** The container's dependencies, built on first use. */
export const deps = (): Deps => (cached ??= makeDeps(config()));
