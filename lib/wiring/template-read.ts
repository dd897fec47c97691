import type { S3Client } from '@aws-sdk/client-s3';
import { type CallerProfile, clientCache, makeS3, makeSts } from '../aws/clients.js';
import { config, type Config } from '../config.js';
import type { TemplateSources } from '../provisioning/request-template.js';
import { type CoreDeps, makeCoreDeps } from './core.js';
import { once } from './once.js';
import { makeStackClients } from './request-clients.js';

/** The core, the vendor's S3 clients (templates bucket) and the CloudFormation client acting for a request. */
export interface TemplateReadDeps extends CoreDeps, TemplateSources {}

/** The vendor's S3 client per region, built once each. */
export const makeVendorS3 = (cfg: Config, profile: CallerProfile = 'http'): ((region: string) => S3Client) =>
  clientCache((region) => makeS3({ region, endpoint: cfg.endpoint, profile }));

/** GET /byob/{id}/template's dependencies, built on first use. */
export const templateReadDeps = /* @__PURE__ */ once((): TemplateReadDeps => {
  const cfg = config();
  const core = makeCoreDeps(cfg);
  const sts = makeSts({ region: cfg.region, endpoint: cfg.endpoint, profile: 'http' });
  return { ...core, vendorS3: makeVendorS3(cfg), clientsFor: makeStackClients(cfg, core, sts, 'http') };
});
