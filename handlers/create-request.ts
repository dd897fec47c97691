import { createByob } from '../lib/provisioning/create.js';
import { type CreateRouteDeps, createRouteDeps } from '../lib/wiring/create.js';
import { httpHandler } from '../lib/http/http-handler.js';
import { toView, withLinkToken } from '../lib/provisioning/record.js';
import { CreateByobRequest } from '../lib/provisioning/request.js';
import { lazyHandler } from '../lib/wiring/once.js';

/** POST /byob */
export const makeHandler = (d: CreateRouteDeps) =>
  httpHandler(d, { body: CreateByobRequest }, async ({ body, tenant, idempotencyKey }) => {
    // The idempotency store keeps the answer without the link's token; the token is derived again here.
    const view = idempotencyKey
      ? withLinkToken(await d.createIdempotently(tenant, idempotencyKey, body), d.config.quickCreateLinkKey)
      : toView(await createByob(d, tenant, body), d.config.quickCreateLinkKey);
    return { statusCode: 202, body: view, headers: { location: `/byob/${view.id}` } };
  });

export const handler = lazyHandler(() => makeHandler(createRouteDeps()));
