import { type Deps, deps } from '../lib/deps.js';
import { httpHandler } from '../lib/http.js';
import { reverify } from '../lib/manage.js';
import { toView } from '../lib/record.js';
import { IdPath } from '../lib/route-params.js';

/** POST /byob/{id}/verify */
export const makeHandler = (d: Deps) =>
  httpHandler(d, { params: IdPath }, async ({ params, tenant }) => ({ statusCode: 200, body: toView(await reverify(d, tenant, params.id), d.config.quickCreateLinkKey) }));

export const handler = makeHandler(deps());
