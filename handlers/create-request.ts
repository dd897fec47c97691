import { createByob } from '../lib/provisioning/create.js';
import { type CreateRouteDeps, createRouteDeps } from '../lib/wiring/create.js';
import { httpHandler } from '../lib/http/http-handler.js';
import { authenticatedView } from '../lib/http/record-answer.js';
import { onboardingLinker } from '../lib/onboarding/link.js';
import { withLinkToken, withOnboardingUrl } from '../lib/provisioning/record.js';
import { CreateByobRequest } from '../lib/provisioning/request.js';
import type { ByobView } from '../lib/provisioning/view.js';
import { lazyHandler } from '../lib/wiring/once.js';

const accepted = (view: ByobView) => ({ statusCode: 202, body: view, headers: { location: `/byob/${view.id}` } });

/** POST /byob */
export const makeHandler = (d: CreateRouteDeps) =>
  httpHandler(d, { body: CreateByobRequest }, async ({ body, tenant, idempotencyKey }) => {
    if (!idempotencyKey) return accepted(authenticatedView(d)(await createByob(d, tenant, body)));
    // The idempotency store keeps the answer without its links; they are derived again here, the page
    // link at the record's current epoch (its links may have been revoked since the first answer).
    const stored = withLinkToken(await d.createIdempotently(tenant, idempotencyKey, body), d.config.quickCreateLinkKey);
    return accepted(withOnboardingUrl(stored, onboardingLinker(d), (await d.store.get(tenant, stored.id))?.onboardingEpoch ?? 0));
  });

export const handler = lazyHandler(() => makeHandler(createRouteDeps()));
