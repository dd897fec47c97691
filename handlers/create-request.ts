import { createByob } from '../lib/create-byob.js';
import { type Deps, deps } from '../lib/deps.js';
import { httpHandler } from '../lib/http.js';
import { toView } from '../lib/record.js';
import { CreateByobRequest } from '../lib/schemas.js';

/** POST /byob */
export const makeHandler = (d: Deps) =>
  httpHandler(d, { body: CreateByobRequest }, async ({ body, tenant, idempotencyKey }) => {
    const view = idempotencyKey ? await d.createIdempotently(tenant, idempotencyKey, body) : toView(await createByob(d, tenant, body));
    return { statusCode: 202, body: view, headers: { location: `/byob/${view.id}` } };
  });

export const handler = makeHandler(deps());
