import { httpHandler } from '../lib/http/http-handler.js';
import { bulkUpgrade, BulkUpgradeRequest } from '../lib/updates/bulk-upgrade.js';
import { lazyHandler } from '../lib/wiring/once.js';
import { type UpdateRouteDeps, updateRouteDeps } from '../lib/wiring/update.js';

/** POST /byob/upgrade: the tenant's requests on an older template version, upgraded (or, dryRun, previewed) a batch at a time. */
export const makeHandler = (d: UpdateRouteDeps) =>
  httpHandler(d, { body: BulkUpgradeRequest }, async ({ body, tenant }) => ({ statusCode: 200, body: await bulkUpgrade(d, tenant, body) }));

export const handler = lazyHandler(() => makeHandler(updateRouteDeps()));
