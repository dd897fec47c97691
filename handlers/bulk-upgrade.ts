import { httpHandler } from '../lib/http/http-handler.js';
import { bulkUpgrade, BulkUpgradeRequest } from '../lib/updates/bulk-upgrade.js';
import { type BulkUpgradeRouteDeps, bulkUpgradeRouteDeps } from '../lib/wiring/bulk-upgrade.js';
import { lazyHandler } from '../lib/wiring/once.js';

/** POST /byob/upgrade: the tenant's requests on an older template version, upgraded (or, dryRun, previewed) a batch at a time. */
export const makeHandler = (d: BulkUpgradeRouteDeps) =>
  httpHandler(d, { body: BulkUpgradeRequest }, async ({ body, tenant }) => ({ statusCode: 200, body: await bulkUpgrade(d, tenant, body) }));

export const handler = lazyHandler(() => makeHandler(bulkUpgradeRouteDeps()));
