import { type OutboxOnlyDeps, outboxDeps } from '../lib/wiring/webhooks.js';
import { NotFoundError } from '../lib/errors.js';
import { httpHandler } from '../lib/http/http-handler.js';
import { redeliver } from '../lib/webhooks/outbox.js';
import { onboardingLinker } from '../lib/onboarding/link.js';
import { toView } from '../lib/provisioning/record.js';
import { IdPath } from '../lib/http/route-params.js';
import { lazyHandler } from '../lib/wiring/once.js';

/** POST /byob/{id}/callbacks/redeliver: requeues every undelivered webhook of the request. */
export const makeHandler = (d: OutboxOnlyDeps) =>
  httpHandler(d, { params: IdPath }, async ({ params, tenant }) => {
    const record = await d.store.get(tenant, params.id);
    if (!record) throw new NotFoundError();
    await redeliver(d, tenant, params.id);
    // Read again: the attempts just made changed the record's callback summary.
    const current = (await d.store.get(tenant, params.id)) ?? record;
    return { statusCode: 202, body: toView(current, d.config.quickCreateLinkKey, onboardingLinker(d)) };
  });

export const handler = lazyHandler(() => makeHandler(outboxDeps()));
