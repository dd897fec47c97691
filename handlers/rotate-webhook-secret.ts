import { type CoreDeps, coreDeps } from '../lib/wiring/core.js';
import { httpHandler } from '../lib/http/http-handler.js';
import { rotateWebhookSecret, settingsView } from '../lib/tenants/settings.js';
import { lazyHandler } from '../lib/wiring/once.js';

/** POST /byob/settings/rotate-webhook-secret: new secret first; the old one keeps signing for a day. */
export const makeHandler = (d: CoreDeps) =>
  httpHandler(d, {}, async ({ tenant }) => ({
    statusCode: 200,
    body: settingsView(await rotateWebhookSecret(d, tenant), d.config.vendor.accountId, d.clock()),
  }));

export const handler = lazyHandler(() => makeHandler(coreDeps()));
