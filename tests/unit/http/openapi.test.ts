import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { openApiDocument } from '../../../lib/http/openapi.js';

// The document must describe exactly what serverless.yml serves, with the problems each route answers.
const yml = readFileSync(new URL('../../../serverless.yml', import.meta.url), 'utf8');
const routes = [...yml.matchAll(/httpApi: \{ method: (\w+), path: (?:'([^']+)'|([^,} ]+))( }|, authorizer)/g)].map((m) => ({ route: [m[1]!.toLowerCase(), m[2] ?? m[3]!] as const, public: m[4] === ' }' }));
const served = routes.map((r) => r.route);
/** Routes without the JWT authorizer: the document itself, and the onboarding page whose signed link is the credential. */
const PUBLIC = ['get /openapi.json', 'get /onboarding/{id}', 'get /onboarding/{id}/status', 'get /assets/{file}'];
const doc = openApiDocument() as unknown as { openapi: string; paths: Record<string, Record<string, { security?: unknown; responses: Record<string, { content?: Record<string, unknown>; headers?: Record<string, unknown> }>; requestBody?: unknown }>> };

describe('lib/openapi', () => {
  it('is OpenAPI 3.1 and documents every served route but itself, and nothing else', () => {
    expect(doc.openapi).toMatch(/^3\.1\./);
    const documented = Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m} ${path}`));
    expect(documented.sort()).toEqual(served.map(([m, p]) => `${m} ${p}`).filter((r) => r !== 'get /openapi.json').sort());
  });

  it('serves only the document and the onboarding page without the JWT authorizer', () => {
    expect(routes.filter((r) => r.public).map((r) => r.route.join(' ')).sort()).toEqual([...PUBLIC].sort());
  });

  it.each(routes.filter((r) => !r.public).map((r) => r.route))('%s %s: secured, with 401/429/503 problems, and body problems where it takes a body', (method, path) => {
    const op = doc.paths[path]![method]!;
    expect(op.security).toEqual([{ bearer: [] }]);
    for (const code of ['401', '429', '503']) expect(op.responses[code]?.content).toHaveProperty(['application/problem+json']);
    expect(op.responses['429']!.headers).toHaveProperty('Retry-After');
    if (op.requestBody) for (const code of ['400', '413', '415']) expect(op.responses).toHaveProperty(code);
    if (path.includes('{id}')) expect(op.responses).toHaveProperty('404');
  });

  it.each(served.filter(([m, p]) => PUBLIC.includes(`${m} ${p}`) && p !== '/openapi.json'))('%s %s: public, and a link that opens nothing is a documented 404 or 410', (method, path) => {
    const op = doc.paths[path]![method]!;
    expect(op.security).toEqual([]);
    if (path.includes('{id}')) for (const code of ['404', '410']) expect(op.responses).toHaveProperty(code);
  });

  it('is what the committed openapi.json (served by GET /openapi.json) holds: run `npm run openapi` after changing a schema', () => {
    expect(JSON.parse(readFileSync(new URL('../../../openapi.json', import.meta.url), 'utf8'))).toEqual(JSON.parse(JSON.stringify(doc)));
  });

  it('links POST /byob to the routes that take its id', () => {
    const links = (doc.paths['/byob']!.post!.responses['202'] as { links: Record<string, { operationId: string }> }).links;
    expect(Object.values(links).map((l) => l.operationId)).toEqual(expect.arrayContaining(['getByob', 'deleteByob', 'reverifyByob', 'redeliverCallbacks', 'getByobTemplate']));
  });
});
