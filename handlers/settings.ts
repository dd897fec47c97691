import { type CoreDeps, coreDeps } from '../lib/wiring/core.js';
import { httpHandler } from '../lib/http/http-handler.js';
import { settingsView, tenantSettings } from '../lib/tenants/settings.js';
import { lazyHandler } from '../lib/wiring/once.js';

/** GET /byob/settings: ExternalId, vendor account and webhook signing secret(s) of the caller's tenant. */
export const makeHandler = (d: CoreDeps) =>
  httpHandler(d, {}, async ({ tenant }) => ({
    statusCode: 200,
    body: settingsView(await tenantSettings(d, tenant), d.config.vendor.accountId, d.clock()),
  }));

export const handler = lazyHandler(() => makeHandler(coreDeps()));
