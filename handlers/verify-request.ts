import { type VerifyRouteDeps, verifyRouteDeps } from '../lib/wiring/provisioning.js';
import { httpHandler } from '../lib/http/http-handler.js';
import { recordAnswer } from '../lib/http/record-answer.js';
import { reverify } from '../lib/provisioning/manage.js';
import { IdPath } from '../lib/http/route-params.js';
import { lazyHandler } from '../lib/wiring/once.js';

/** POST /byob/{id}/verify */
export const makeHandler = (d: VerifyRouteDeps) =>
  httpHandler(d, { params: IdPath }, async ({ params, tenant, ifMatch }) => recordAnswer(d, 200, await reverify(d, tenant, params.id, ifMatch)));

export const handler = lazyHandler(() => makeHandler(verifyRouteDeps()));
