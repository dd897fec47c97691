import { type OutboxOnlyDeps, outboxDeps } from '../lib/wiring/core.js';
import { NotFoundError } from '../lib/errors.js';
import { httpHandler } from '../lib/http/http-handler.js';
import { redeliver } from '../lib/webhooks/outbox.js';
import { toView } from '../lib/provisioning/record.js';
import { IdPath } from '../lib/http/route-params.js';

/** POST /byob/{id}/callbacks/redeliver: requeues every undelivered webhook of the request. */
export const makeHandler = (d: OutboxOnlyDeps) =>
  httpHandler(d, { params: IdPath }, async ({ params, tenant }) => {
    if (!(await d.store.get(tenant, params.id))) throw new NotFoundError();
    await redeliver(d, tenant, params.id);
    return { statusCode: 202, body: toView((await d.store.get(tenant, params.id))!, d.config.quickCreateLinkKey) };
  });

export const handler = makeHandler(outboxDeps());
