import { type OutboxOnlyDeps, outboxDeps } from '../lib/wiring/webhooks.js';
import { httpHandler } from '../lib/http/http-handler.js';
import { recordAnswer } from '../lib/http/record-answer.js';
import { redeliverRequest } from '../lib/webhooks/outbox.js';
import { IdPath } from '../lib/http/route-params.js';
import { lazyHandler } from '../lib/wiring/once.js';

/** POST /byob/{id}/callbacks/redeliver: requeues every undelivered webhook of the request. */
export const makeHandler = (d: OutboxOnlyDeps) =>
  httpHandler(d, { params: IdPath }, async ({ params, tenant, ifMatch }) => recordAnswer(d, 202, await redeliverRequest(d, tenant, params.id, ifMatch)));

export const handler = lazyHandler(() => makeHandler(outboxDeps()));
