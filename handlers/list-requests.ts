import { type CoreDeps, coreDeps } from '../lib/wiring/core.js';
import { httpHandler } from '../lib/http/http-handler.js';
import { authenticatedView } from '../lib/http/record-answer.js';
import { ListQuery } from '../lib/http/route-params.js';
import { lazyHandler } from '../lib/wiring/once.js';

/** GET /byob: the tenant's requests, newest first. */
export const makeHandler = (d: CoreDeps) =>
  httpHandler(d, { query: ListQuery }, async ({ query, tenant }) => {
    const page = await d.store.list(tenant, query);
    return { statusCode: 200, body: { items: page.items.map(authenticatedView(d)), nextCursor: page.nextCursor } };
  });

export const handler = lazyHandler(() => makeHandler(coreDeps()));
