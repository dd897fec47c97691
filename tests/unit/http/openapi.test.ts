import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { openApiDocument } from '../../../lib/http/openapi.js';

// The document must describe exactly what serverless.yml serves, with the problems each route answers.
const yml = readFileSync(new URL('../../../serverless.yml', import.meta.url), 'utf8');
const served = [...yml.matchAll(/httpApi: \{ method: (\w+), path: (?:'([^']+)'|([^,} ]+))/g)].map((m) => [m[1]!.toLowerCase(), m[2] ?? m[3]!] as const);
const doc = openApiDocument() as unknown as { openapi: string; paths: Record<string, Record<string, { security?: unknown; responses: Record<string, { content?: Record<string, unknown>; headers?: Record<string, unknown> }>; requestBody?: unknown }>> };

describe('lib/openapi', () => {
  it('is OpenAPI 3.1 and documents every served route but itself, and nothing else', () => {
    expect(doc.openapi).toMatch(/^3\.1\./);
    const documented = Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m} ${path}`));
    expect(documented.sort()).toEqual(served.map(([m, p]) => `${m} ${p}`).filter((r) => r !== 'get /openapi.json').sort());
  });

  it.each(served.filter(([, p]) => p !== '/openapi.json'))('%s %s: secured, with 401/429/503 problems, and body problems where it takes a body', (method, path) => {
    const op = doc.paths[path]![method]!;
    expect(op.security).toEqual([{ bearer: [] }]);
    for (const code of ['401', '429', '503']) expect(op.responses[code]?.content).toHaveProperty(['application/problem+json']);
    expect(op.responses['429']!.headers).toHaveProperty('Retry-After');
    if (op.requestBody) for (const code of ['400', '413', '415']) expect(op.responses).toHaveProperty(code);
    if (path.includes('{id}')) expect(op.responses).toHaveProperty('404');
  });

  it('is what the committed openapi.json (served by GET /openapi.json) holds: run `npm run openapi` after changing a schema', () => {
    expect(JSON.parse(readFileSync(new URL('../../../openapi.json', import.meta.url), 'utf8'))).toEqual(JSON.parse(JSON.stringify(doc)));
  });

  it('links POST /byob to the routes that take its id', () => {
    const links = (doc.paths['/byob']!.post!.responses['202'] as { links: Record<string, { operationId: string }> }).links;
    expect(Object.values(links).map((l) => l.operationId)).toEqual(expect.arrayContaining(['getByob', 'deleteByob', 'reverifyByob', 'redeliverCallbacks', 'getByobTemplate']));
  });
});
