import { SECURITY_HEADERS } from '../lib/http/security-headers.js';
import { once } from '../lib/wiring/once.js';
import document from '../openapi.json' with { type: 'json' };

// openapi.json is generated from the zod schemas (npm run openapi; a unit test keeps it in step), so
// this function starts without zod or the schemas: its bundle is the document and this handler.
/** GET /openapi.json (public): the document, serialised once per container. */
export const makeHandler = (doc: unknown) => {
  const body = once(() => JSON.stringify(doc));
  return async () => ({
    statusCode: 200,
    headers: { ...SECURITY_HEADERS, 'content-type': 'application/json', 'cache-control': 'public, max-age=300' },
    body: body(),
  });
};

export const handler = makeHandler(document);
