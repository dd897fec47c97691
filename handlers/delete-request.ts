import { type StackRouteDeps, stackRouteDeps } from '../lib/wiring/provisioning.js';
import { httpHandler } from '../lib/http/http-handler.js';
import { recordAnswer } from '../lib/http/record-answer.js';
import { deleteByob } from '../lib/provisioning/manage.js';
import { IdPath } from '../lib/http/route-params.js';
import { lazyHandler } from '../lib/wiring/once.js';

/** DELETE /byob/{id} */
export const makeHandler = (d: StackRouteDeps) =>
  httpHandler(d, { params: IdPath }, async ({ params, tenant, ifMatch }) => recordAnswer(d, 202, await deleteByob(d, tenant, params.id, ifMatch)));

export const handler = lazyHandler(() => makeHandler(stackRouteDeps()));
