import type { STSClient } from '@aws-sdk/client-sts';
import { assumedRoleCredentials, type CallerProfile, clientCache, type ClientTarget, makeCloudFormation, makeKms, makeS3 } from '../aws/clients.js';
import type { Config } from '../config.js';
import type { ByobRecord } from '../provisioning/record.js';
import type { BucketClients, RequestClients, StackClients } from '../provisioning/workflow.js';
import { tenantSettings } from '../tenants/settings.js';
import type { StoreDeps } from './core.js';

/**
 * Clients acting for a request: the vendor's own, or, when the request names a deployment role, that
 * role's in the customer's account, assumed with the tenant's ExternalId. A quick-create stack's bucket
 * and key grant only the vendor principal: when VENDOR_PRINCIPAL is a role rather than the account root,
 * the API's own function role is not in those policies, so it acts for such a request as that role
 * (which must trust the API's function roles: README, Deploy). Built once per region or role.
 */
export const clientsActingFor = <C>(
  cfg: Config,
  core: Pick<StoreDeps, 'store' | 'ids' | 'clock'>,
  sts: STSClient,
  build: (target: ClientTarget) => C,
  profile: CallerProfile,
): ((record: ByobRecord) => Promise<C>) => {
  const endpoint = cfg.endpoint;
  const vendor = clientCache((region) => build({ region, endpoint, profile }));
  const assumed = clientCache((key) => {
    const [region, roleArn, externalId, session] = key.split('|') as [string, string, string, string];
    return build({ region, endpoint, credentials: assumedRoleCredentials(sts, roleArn, async () => externalId, session), profile });
  });
  const principal = cfg.vendor.principalArn;
  const asPrincipal = principal.includes(':role/')
    ? clientCache((region) => build({ region, endpoint, credentials: assumedRoleCredentials(sts, principal, null, 'byob-vendor-principal'), profile }))
    : null;
  return async (record) => {
    if (!record.launch.roleArn) return record.launch.mode === 'quick-create' && asPrincipal ? asPrincipal(record.region) : vendor(record.region);
    const settings = await tenantSettings(core, record.tenant);
    return assumed([record.region, record.launch.roleArn, settings.externalId, `byob-${record.id}`.slice(0, 64)].join('|'));
  };
};

/** The CloudFormation client acting for a request. */
export const makeStackClients = (cfg: Config, core: Pick<StoreDeps, 'store' | 'ids' | 'clock'>, sts: STSClient, profile: CallerProfile) =>
  clientsActingFor(cfg, core, sts, (target): StackClients => ({ cfn: makeCloudFormation(target) }), profile);

/** The S3 client acting for a request (POST /byob's look at a retained bucket). */
export const makeBucketS3 = (cfg: Config, core: Pick<StoreDeps, 'store' | 'ids' | 'clock'>, sts: STSClient, profile: CallerProfile) =>
  clientsActingFor(cfg, core, sts, (target) => makeS3(target), profile);

/** The S3 and KMS clients that check a request's bucket. */
export const makeBucketClients = (cfg: Config, core: Pick<StoreDeps, 'store' | 'ids' | 'clock'>, sts: STSClient, profile: CallerProfile) =>
  clientsActingFor(cfg, core, sts, (target): BucketClients => ({ s3: makeS3(target), kms: makeKms(target) }), profile);

/** Every client acting for a request: its stack's (drift detection) and its bucket's. */
export const makeRequestClients = (cfg: Config, core: Pick<StoreDeps, 'store' | 'ids' | 'clock'>, sts: STSClient, profile: CallerProfile) =>
  clientsActingFor(cfg, core, sts, (target): RequestClients => ({ cfn: makeCloudFormation(target), s3: makeS3(target), kms: makeKms(target) }), profile);
