import { type CoreDeps, coreDeps } from '../lib/wiring/core.js';
import { httpHandler } from '../lib/http/http-handler.js';
import { revokeOnboardingLinks } from '../lib/onboarding/revoke.js';
import { onboardingLinker } from '../lib/onboarding/link.js';
import { toView } from '../lib/provisioning/record.js';
import { IdPath } from '../lib/http/route-params.js';
import { lazyHandler } from '../lib/wiring/once.js';

/** POST /byob/{id}/onboarding/revoke: withdraws every onboarding link issued so far; the answer carries a new one. */
export const makeHandler = (d: CoreDeps) =>
  httpHandler(d, { params: IdPath }, async ({ params, tenant }) => ({ statusCode: 200, body: toView(await revokeOnboardingLinks(d, tenant, params.id), d.config.quickCreateLinkKey, onboardingLinker(d)) }));

export const handler = lazyHandler(() => makeHandler(coreDeps()));
