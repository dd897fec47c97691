import { httpHandler } from '../lib/http/http-handler.js';
import { recordAnswer } from '../lib/http/record-answer.js';
import { IdPath } from '../lib/http/route-params.js';
import { MergePatch } from '../lib/updates/merge-patch.js';
import { patchByob } from '../lib/updates/patch.js';
import { lazyHandler } from '../lib/wiring/once.js';
import { type UpdateRouteDeps, updateRouteDeps } from '../lib/wiring/update.js';

/** PATCH /byob/{id}: a merge patch (application/merge-patch+json or application/json) of the mutable fields. */
export const makeHandler = (d: UpdateRouteDeps) =>
  httpHandler(d, { params: IdPath, body: MergePatch }, async ({ params, body, tenant, ifMatch }) => {
    const { record, changed } = await patchByob(d, tenant, params.id, body, ifMatch);
    return recordAnswer(d, changed ? 202 : 200, record);
  });

export const handler = lazyHandler(() => makeHandler(updateRouteDeps()));
