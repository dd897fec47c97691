import { type CoreDeps, coreDeps } from '../lib/wiring/core.js';
import { httpHandler } from '../lib/http/http-handler.js';
import { recordAnswer } from '../lib/http/record-answer.js';
import { revokeOnboardingLinks } from '../lib/onboarding/revoke.js';
import { IdPath } from '../lib/http/route-params.js';
import { lazyHandler } from '../lib/wiring/once.js';

/** POST /byob/{id}/onboarding/revoke: withdraws every onboarding link issued so far; the answer carries a new one. */
export const makeHandler = (d: CoreDeps) => httpHandler(d, { params: IdPath }, async ({ params, tenant }) => recordAnswer(d, 200, await revokeOnboardingLinks(d, tenant, params.id)));

export const handler = lazyHandler(() => makeHandler(coreDeps()));
