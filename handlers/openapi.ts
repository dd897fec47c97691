import { SECURITY_HEADERS } from '../lib/http/security-headers.js';
import document from '../openapi.json' with { type: 'json' };

// openapi.json is generated from the zod schemas (npm run openapi; a unit test keeps it in step), so
// this function starts without zod or the schemas: its bundle is the document and this handler.
let body: string | undefined;

/** GET /openapi.json (public). */
export const handler = async () => ({
  statusCode: 200,
  headers: { ...SECURITY_HEADERS, 'content-type': 'application/json', 'cache-control': 'public, max-age=300' },
  body: (body ??= JSON.stringify(document)),
});
