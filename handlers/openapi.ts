import { SECURITY_HEADERS } from '../lib/http.js';
import { openApiDocument } from '../lib/openapi.js';

const body = JSON.stringify(openApiDocument());

/** GET /openapi.json (public). */
export const handler = async () => ({
  statusCode: 200,
  headers: { ...SECURITY_HEADERS, 'content-type': 'application/json', 'cache-control': 'public, max-age=300' },
  body,
});
