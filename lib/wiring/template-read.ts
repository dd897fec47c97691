import type { S3Client } from '@aws-sdk/client-s3';
import { type CallerProfile, clientCache, makeS3 } from '../aws/clients.js';
import { config, type Config } from '../config.js';
import { type CoreDeps, makeCoreDeps } from './core.js';
import { once } from './once.js';

/** The core plus the vendor's S3 clients (templates bucket). */
export interface TemplateReadDeps extends CoreDeps {
  /** The vendor's own S3 client for a region. */
  vendorS3(region: string): S3Client;
}

/** The vendor's S3 client per region, built once each. */
export const makeVendorS3 = (cfg: Config, profile: CallerProfile = 'http'): ((region: string) => S3Client) =>
  clientCache((region) => makeS3({ region, endpoint: cfg.endpoint, profile }));

/** The container's core dependencies plus the vendor's S3 clients, built on first use. */
export const templateReadDeps = /* @__PURE__ */ once((): TemplateReadDeps => {
  const cfg = config();
  return { ...makeCoreDeps(cfg), vendorS3: makeVendorS3(cfg) };
});
