import { httpHandler } from '../lib/http/http-handler.js';
import { recordAnswer } from '../lib/http/record-answer.js';
import { IdPath } from '../lib/http/route-params.js';
import { upgradeByob } from '../lib/updates/update.js';
import { lazyHandler } from '../lib/wiring/once.js';
import { type UpdateRouteDeps, updateRouteDeps } from '../lib/wiring/update.js';

/** POST /byob/{id}/upgrade: the same request, its stack updated to the latest template version. */
export const makeHandler = (d: UpdateRouteDeps) =>
  httpHandler(d, { params: IdPath }, async ({ params, tenant, ifMatch }) => recordAnswer(d, 202, (await upgradeByob(d, tenant, params.id, ifMatch)).record));

export const handler = lazyHandler(() => makeHandler(updateRouteDeps()));
