import { type StackRouteDeps, stackRouteDeps } from '../lib/wiring/provisioning.js';
import { httpHandler } from '../lib/http/http-handler.js';
import { deleteByob } from '../lib/provisioning/manage.js';
import { onboardingLinker } from '../lib/onboarding/link.js';
import { toView } from '../lib/provisioning/record.js';
import { IdPath } from '../lib/http/route-params.js';
import { lazyHandler } from '../lib/wiring/once.js';

/** DELETE /byob/{id} */
export const makeHandler = (d: StackRouteDeps) =>
  httpHandler(d, { params: IdPath }, async ({ params, tenant }) => ({ statusCode: 202, body: toView(await deleteByob(d, tenant, params.id), d.config.quickCreateLinkKey, onboardingLinker(d)) }));

export const handler = lazyHandler(() => makeHandler(stackRouteDeps()));
