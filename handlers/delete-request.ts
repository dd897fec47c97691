import { type Deps, deps } from '../lib/deps.js';
import { httpHandler } from '../lib/http.js';
import { deleteByob } from '../lib/manage.js';
import { toView } from '../lib/record.js';
import { IdPath } from '../lib/route-params.js';

/** DELETE /byob/{id} */
export const makeHandler = (d: Deps) =>
  httpHandler(d, { params: IdPath }, async ({ params, tenant }) => ({ statusCode: 202, body: toView(await deleteByob(d, tenant, params.id), d.config.quickCreateLinkKey) }));

export const handler = makeHandler(deps());
