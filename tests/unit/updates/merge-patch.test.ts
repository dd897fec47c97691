import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../../lib/errors.js';
import { corsRulesFor } from '../../../lib/provisioning/cors.js';
import { CreateByobRequest } from '../../../lib/provisioning/request.js';
import { ByobView } from '../../../lib/provisioning/view.js';
import { applyMergePatch, IMMUTABLE_FIELDS, MUTABLE_FIELDS, patchedFields, READ_ONLY_FIELDS } from '../../../lib/updates/merge-patch.js';
import { idleCallback, readyRecord } from '../../support/records.js';

const record = readyRecord({
  corsRules: corsRulesFor({ allowedOrigins: ['https://app.example.com'], maxAgeSeconds: 600 }),
  tags: { 'cost-center': 'ml', owner: 'data' },
  callback: idleCallback(),
});
const patch = (body: Record<string, unknown>) => patchedFields(record, body, { allowLoopback: false });
const problemsOf = (body: Record<string, unknown>) => {
  try {
    patch(body);
  } catch (e) {
    if (e instanceof ValidationError) return e.errors;
    throw e;
  }
  throw new Error('no problem found');
};

describe('applyMergePatch (RFC 7396)', () => {
  it.each([
    // RFC 7396 appendix A, the examples that do not need arrays of objects.
    [{ a: 'b' }, { a: 'c' }, { a: 'c' }],
    [{ a: 'b' }, { b: 'c' }, { a: 'b', b: 'c' }],
    [{ a: 'b' }, { a: null }, {}],
    [{ a: 'b', b: 'c' }, { a: null }, { b: 'c' }],
    [{ a: ['b'] }, { a: 'c' }, { a: 'c' }],
    [{ a: 'c' }, { a: ['b'] }, { a: ['b'] }],
    [{ a: { b: 'c' } }, { a: { b: 'd', c: null } }, { a: { b: 'd' } }],
    [{ a: [{ b: 'c' }] }, { a: [1] }, { a: [1] }],
    [['a', 'b'], ['c', 'd'], ['c', 'd']],
    [{ a: 'b' }, ['c'], ['c']],
    [{ a: 'foo' }, null, null],
    [{ a: 'foo' }, 'bar', 'bar'],
    [{ e: null }, { a: 1 }, { e: null, a: 1 }],
    [[1, 2], { a: 'b', c: null }, { a: 'b' }],
    [{}, { a: { bb: { ccc: null } } }, { a: { bb: {} } }],
  ])('%j patched with %j is %j', (target, p, result) => {
    expect(applyMergePatch(target, p)).toEqual(result);
  });
});

describe('patchedFields', () => {
  it('merges a new origin into the CORS block, keeping every other member as the request had it', () => {
    const out = patch({ cors: { allowedOrigins: ['https://app.example.com', 'https://new.example.com'] } });

    expect(out.template.corsRules).toEqual(corsRulesFor({ allowedOrigins: ['https://app.example.com', 'https://new.example.com'], maxAgeSeconds: 600 }));
    expect(out.template).toMatchObject({ tags: record.tags, accessRole: false });
    expect(out.callbackUrl).toBe(record.callback!.url);
  });

  it('a CORS member set to null goes back to its default', () => {
    expect(patch({ cors: { maxAgeSeconds: null } }).template.corsRules[0]!.maxAgeSeconds).toBe(3600);
  });

  it('adds, changes and removes tags one by one; tags: null removes them all', () => {
    expect(patch({ tags: { owner: 'ops', 'cost-center': null, env: 'prod' } }).template.tags).toEqual({ owner: 'ops', env: 'prod' });
    expect(patch({ tags: null }).template.tags).toEqual({});
  });

  it('turns the access role on and off', () => {
    expect(patch({ accessRole: { enabled: true } }).template.accessRole).toBe(true);
    expect(patchedFields({ ...record, accessRole: true }, { accessRole: null }, { allowLoopback: false }).template.accessRole).toBe(false);
  });

  it('changes or removes the callback URL', () => {
    expect(patch({ callbackUrl: 'https://portal.example.com/hooks/v2' }).callbackUrl).toBe('https://portal.example.com/hooks/v2');
    expect(patch({ callbackUrl: null }).callbackUrl).toBeNull();
  });

  it('an empty patch asks for the request as it is', () => {
    expect(patch({})).toEqual({ template: { corsRules: record.corsRules, tags: record.tags, accessRole: false }, callbackUrl: record.callback!.url });
  });

  it('names every immutable, read-only and unknown field, and every bad value, in one 400', () => {
    expect(problemsOf({ bucketName: 'other', region: 'eu-west-2', status: 'READY', outputs: null, colour: 'blue', tags: { 'aws:x': 'y' }, callbackUrl: 'http://portal.example.com/' })).toEqual([
      { path: 'bucketName', message: expect.stringContaining('cannot be changed') },
      { path: 'region', message: expect.stringContaining('cannot be changed') },
      { path: 'status', message: 'is read-only' },
      { path: 'outputs', message: 'is read-only' },
      { path: 'colour', message: 'is not a known field' },
      { path: 'tags.aws:x', message: expect.any(String) },
      { path: 'callbackUrl', message: expect.stringContaining('https') },
    ]);
  });

  it.each(IMMUTABLE_FIELDS.map((f) => [f]))('refuses %s, whatever its value', (field) => {
    expect(problemsOf({ [field]: null }).map((p) => p.path)).toEqual([field]);
  });

  it('checks the result with POST /byob\'s schemas: CORS stays required, origins stay origins', () => {
    expect(problemsOf({ cors: null }).map((p) => p.path)).toEqual(['cors']);
    expect(problemsOf({ cors: { allowedOrigins: ['ftp://x'] } }).map((p) => p.path)).toEqual(['cors.allowedOrigins[0]']);
    expect(problemsOf({ tags: Object.fromEntries(Array.from({ length: 41 }, (_, i) => [`t${i}`, 'v'])) }).map((p) => p.path)).toEqual(['tags']);
  });

  it('checks a callback URL against the webhook address rules', () => {
    expect(problemsOf({ callbackUrl: 'https://127.0.0.1/hooks' }).map((p) => p.path)).toEqual(['callbackUrl']);
    expect(patchedFields(record, { callbackUrl: 'https://127.0.0.1/hooks' }, { allowLoopback: true }).callbackUrl).toBe('https://127.0.0.1/hooks');
  });

  it('knows every field of POST /byob as mutable or immutable, and every other field of the view as read-only', () => {
    expect([...MUTABLE_FIELDS, ...IMMUTABLE_FIELDS].sort()).toEqual(Object.keys(CreateByobRequest._zod.def.shape).sort());
    const view = Object.keys(ByobView._zod.def.shape);
    expect(view.filter((k) => ![...MUTABLE_FIELDS, ...IMMUTABLE_FIELDS, ...READ_ONLY_FIELDS].includes(k as never))).toEqual([]);
    expect(READ_ONLY_FIELDS.filter((k) => !view.includes(k))).toEqual([]);
  });
});
