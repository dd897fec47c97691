import { type VerifyRouteDeps, verifyRouteDeps } from '../lib/wiring/provisioning.js';
import { httpHandler } from '../lib/http/http-handler.js';
import { reverify } from '../lib/provisioning/manage.js';
import { onboardingLinker } from '../lib/onboarding/link.js';
import { toView } from '../lib/provisioning/record.js';
import { IdPath } from '../lib/http/route-params.js';
import { lazyHandler } from '../lib/wiring/once.js';

/** POST /byob/{id}/verify */
export const makeHandler = (d: VerifyRouteDeps) =>
  httpHandler(d, { params: IdPath }, async ({ params, tenant }) => ({ statusCode: 200, body: toView(await reverify(d, tenant, params.id), d.config.quickCreateLinkKey, onboardingLinker(d)) }));

export const handler = lazyHandler(() => makeHandler(verifyRouteDeps()));
