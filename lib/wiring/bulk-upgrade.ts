import { documentClientOf } from '../aws/clients.js';
import { config } from '../config.js';
import { dynamoOutdatedRequests } from '../provisioning/outdated-requests.js';
import type { BulkUpgradeDeps } from '../updates/bulk-upgrade.js';
import { once } from './once.js';
import { makeUpdateRouteDeps, type UpdateRouteDeps } from './update.js';

/** POST /byob/upgrade: the update routes' tier and the listing of the tenant's requests on an older template version. */
export interface BulkUpgradeRouteDeps extends UpdateRouteDeps, BulkUpgradeDeps {}

/** The bulk upgrade's dependencies, built on first use. */
export const bulkUpgradeRouteDeps = /* @__PURE__ */ once((): BulkUpgradeRouteDeps => {
  const cfg = config();
  const { deps, dynamo } = makeUpdateRouteDeps(cfg);
  return { ...deps, outdated: dynamoOutdatedRequests(documentClientOf(dynamo), cfg.tableName) };
});
