/**
 * Writes openapi.json from the zod schemas (lib/http/openapi.ts). The file is committed and served as is by
 * GET /openapi.json, so the function never builds the document at start-up; a unit test fails when the
 * committed file and the schemas drift apart. Run: npm run openapi
 */
import { writeFileSync } from 'node:fs';
import { openApiDocument } from '../lib/http/openapi.js';

export const OPENAPI_FILE = new URL('../openapi.json', import.meta.url);

writeFileSync(OPENAPI_FILE, `${JSON.stringify(openApiDocument(), null, 2)}\n`);
console.log(`wrote ${OPENAPI_FILE.pathname}`);
