import { type CoreDeps, coreDeps } from '../lib/core-deps.js';
import { httpHandler } from '../lib/http.js';
import { rotateWebhookSecret, settingsView } from '../lib/settings.js';

/** POST /byob/settings/rotate-webhook-secret: new secret first; the old one keeps signing for a day. */
export const makeHandler = (d: CoreDeps) =>
  httpHandler(d, {}, async ({ tenant }) => ({
    statusCode: 200,
    body: settingsView(await rotateWebhookSecret(d, tenant), d.config.vendor.accountId, d.clock()),
  }));

export const handler = makeHandler(coreDeps());
