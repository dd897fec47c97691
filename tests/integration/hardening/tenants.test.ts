import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Deps } from '../../../lib/wiring/deps.js';
import { reconcile } from '../../../lib/provisioning/reconcile.js';
import { comparable, directBody, makeWorld, ROUTE_MODULES, type Req, type RouteKey, send, type World } from './world.js';

// Two tenants on every route of serverless.yml, through the real handlers: the tenant comes only from
// the token, another tenant's id answers exactly like a missing one, lists and settings never cross.
let world: World;
let deps: Deps;
let a: { tenant: string; token: string };
let b: { tenant: string; token: string };
let readyId: string;
let otherId: string;

const MISSING = 'byob_01JZZZZZZZZZZZZZZZZZZZZZZZ';
const call = async (route: RouteKey, req: Omit<Req, 'method' | 'route'>) => {
  const [method, path] = route.split(' ') as [string, string];
  return send(await world.handler(route, deps), { method, route: path, ...req });
};

beforeAll(async () => {
  world = await makeWorld();
  deps = world.deps({ deliverNow: async () => undefined });
  a = { tenant: world.tenant('alpha'), token: '' };
  b = { tenant: world.tenant('beta'), token: '' };
  a.token = await world.token(a.tenant);
  b.token = await world.token(b.tenant);
  const first = await call('POST /byob', { token: a.token, json: directBody({ team: 'shared' }) });
  const second = await call('POST /byob', { token: a.token, json: directBody({ team: 'second' }) });
  expect([first.status, second.status]).toEqual([202, 202]);
  readyId = first.body.id;
  otherId = second.body.id;
  // The scheduled reconciler takes both to READY (the emulator's stacks complete at once).
  const later = new Date(Date.now() + 2 * 3_600_000);
  await reconcile(world.deps({ clock: () => later, deliverNow: async () => undefined }));
  const ready = await call('GET /byob/{id}', { token: a.token, params: { id: readyId } });
  expect(ready.body.status, JSON.stringify(ready.body.failure)).toBe('READY');
});

describe('tenant isolation', () => {
  it('covers every HTTP route that serverless.yml serves', () => {
    const yml = readFileSync(new URL('../../../serverless.yml', import.meta.url), 'utf8');
    const routes = [...yml.matchAll(/httpApi: \{ method: (\w+), path: (?:'([^']+)'|([^,} ]+))/g)].map((m) => `${m[1]} ${m[2] ?? m[3]}`);
    expect(routes.sort()).toEqual(Object.keys(ROUTE_MODULES).sort());
  });

  const idRoutes: RouteKey[] = [
    'GET /byob/{id}',
    'GET /byob/{id}/template',
    'POST /byob/{id}/verify',
    'POST /byob/{id}/callbacks/redeliver',
    'POST /byob/{id}/onboarding/revoke',
    'PATCH /byob/{id}',
    'POST /byob/{id}/upgrade',
    'DELETE /byob/{id}',
  ];
  // A valid body where the route takes one, so a 404 is the id's and not the body's.
  const bodyOf: Partial<Record<RouteKey, unknown>> = { 'PATCH /byob/{id}': { tags: { reviewed: 'yes' } } };

  it.each(idRoutes)('%s: another tenant\'s id answers 404 with the body of a missing id, and changes nothing', async (route) => {
    const before = (await deps.store.get(a.tenant, readyId))!;
    const json = bodyOf[route];
    const theirs = await call(route, { token: b.token, params: { id: readyId }, json });
    const missing = await call(route, { token: b.token, params: { id: MISSING }, json });
    const malformed = await call(route, { token: b.token, params: { id: 'byob_../../T#alpha' }, json });
    for (const r of [theirs, missing, malformed]) {
      expect(r.status).toBe(404);
      expect(r.headers['content-type']).toBe('application/problem+json');
      expect(r.headers['x-content-type-options']).toBe('nosniff');
    }
    expect(comparable(theirs.body)).toEqual(comparable(missing.body));
    expect(comparable(malformed.body)).toEqual(comparable(missing.body));
    expect(JSON.stringify(theirs)).not.toContain(a.tenant);
    const after = (await deps.store.get(a.tenant, readyId))!;
    expect(after.version).toBe(before.version);
    expect(after.status).toBe('READY');
    expect(await world.stacksOf(a.tenant)).toHaveLength(2);
  });

  it('the owner reaches the same routes (so the 404s above are isolation, not breakage)', async () => {
    expect((await call('GET /byob/{id}', { token: a.token, params: { id: readyId } })).status).toBe(200);
    expect((await call('GET /byob/{id}/template', { token: a.token, params: { id: readyId } })).status).toBe(200);
    const verified = await call('POST /byob/{id}/verify', { token: a.token, params: { id: readyId } });
    expect(verified.status, JSON.stringify(verified.body)).toBe(200);
    expect((await call('POST /byob/{id}/callbacks/redeliver', { token: a.token, params: { id: readyId } })).status).toBe(202);
    // A patch that changes nothing: 200 with the record, no update started.
    const tags = (await call('GET /byob/{id}', { token: a.token, params: { id: readyId } })).body.tags;
    expect((await call('PATCH /byob/{id}', { token: a.token, params: { id: readyId }, json: { tags } })).status).toBe(200);
  });

  it('GET /byob never lists another tenant\'s records, with or without a filter, and refuses another tenant\'s cursor', async () => {
    const mine = await call('GET /byob', { token: a.token, query: { limit: '1' } });
    expect(mine.status).toBe(200);
    expect(mine.body.items).toHaveLength(1);
    expect(mine.body.nextCursor).toEqual(expect.any(String));
    for (const query of [{}, { status: 'READY' }, { limit: '100' }] as Array<Record<string, string>>) {
      const theirs = await call('GET /byob', { token: b.token, query });
      expect(theirs.status).toBe(200);
      const text = JSON.stringify(theirs.body);
      expect(text).not.toContain(readyId);
      expect(text).not.toContain(otherId);
      expect(text).not.toContain(a.tenant);
    }
    const stolen = await call('GET /byob', { token: b.token, query: { cursor: mine.body.nextCursor } });
    expect(stolen.status).toBe(400);
    expect(stolen.body.errors).toEqual([{ path: 'cursor', message: expect.any(String) }]);
    expect(JSON.stringify(stolen.body)).not.toContain(otherId);
  });

  it('settings are per tenant: ExternalIds differ, and rotating one tenant\'s secret leaves the other\'s alone', async () => {
    const sa = await call('GET /byob/settings', { token: a.token });
    const sb = await call('GET /byob/settings', { token: b.token });
    expect([sa.status, sb.status]).toEqual([200, 200]);
    expect(sa.body.externalId).not.toBe(sb.body.externalId);
    expect(sa.body.webhookSecret).not.toBe(sb.body.webhookSecret);
    const rotated = await call('POST /byob/settings/rotate-webhook-secret', { token: b.token });
    expect(rotated.status).toBe(200);
    expect(rotated.body.webhookSecret).not.toBe(sb.body.webhookSecret);
    expect(rotated.body.externalId).toBe(sb.body.externalId);
    const saAgain = await call('GET /byob/settings', { token: a.token });
    expect(saAgain.body).toEqual(sa.body);
  });

  it('POST /byob: a team lock and an Idempotency-Key belong to one tenant only', async () => {
    const key = 'shared-key';
    const fromA = await call('POST /byob', { token: a.token, json: directBody({ team: 'keyed' }), headers: { 'idempotency-key': key } });
    const fromB = await call('POST /byob', { token: b.token, json: directBody({ team: 'keyed' }), headers: { 'idempotency-key': key } });
    expect([fromA.status, fromB.status]).toEqual([202, 202]);
    expect(fromB.body.id).not.toBe(fromA.body.id);
    // Team "shared" is active for alpha; beta has its own "shared".
    const bShared = await call('POST /byob', { token: b.token, json: directBody({ team: 'shared' }) });
    expect(bShared.status).toBe(202);
    expect((await world.stacksOf(b.tenant)).map((s) => s.Tags?.find((t) => t.Key === 'byob:request')?.Value).sort()).toEqual([fromB.body.id, bShared.body.id].sort());
  });

  it('POST /byob/upgrade works on the caller\'s requests only: another tenant\'s older request is neither listed nor touched', async () => {
    const record = (await deps.store.get(a.tenant, otherId))!;
    const older = await deps.store.patch(record, { templateVersion: '2026-10-01.1' }, record.updatedAt);

    const theirs = await call('POST /byob/upgrade', { token: b.token, json: { dryRun: false } });
    const mine = await call('POST /byob/upgrade', { token: a.token, json: { dryRun: true } });

    expect(theirs.status).toBe(200);
    expect(theirs.body).toEqual({ items: [], nextCursor: null });
    expect(mine.status, JSON.stringify(mine.body)).toBe(200);
    expect(mine.body.items.map((i: { id: string }) => i.id)).toEqual([otherId]);
    expect(await deps.store.get(a.tenant, otherId)).toEqual(older);
  });

  it('POST /byob/verify answers both tenants alike and stores nothing for either', async () => {
    // Besides rate-limit counters, the only write allowed is the tenant's settings (its ExternalId, needed to assume its role).
    const stored = async (t: string) => (await world.itemsOf(t)).filter((i) => !i.sk?.S?.startsWith('LIMIT#') && i.sk?.S !== 'SETTINGS').length;
    const before = [await stored(a.tenant), await stored(b.tenant)];
    const body = { region: 'eu-west-1', bucketName: 'no-such-bucket-anywhere-0001', roleArn: 'arn:aws:iam::123456789012:role/byob-verifier', encryption: { type: 'sse-s3' } };
    const ra = await call('POST /byob/verify', { token: a.token, json: body });
    const rb = await call('POST /byob/verify', { token: b.token, json: body });
    expect([ra.status, rb.status]).toEqual([200, 200]);
    expect(ra.body.verification.status).toBe('failed');
    expect(rb.body.verification.checks.map((c: { id: string; status: string }) => [c.id, c.status])).toEqual(
      ra.body.verification.checks.map((c: { id: string; status: string }) => [c.id, c.status]),
    );
    // Nothing but the rate-limit counters (one per tenant and window) was written.
    expect([await stored(a.tenant), await stored(b.tenant)]).toEqual(before);
  });

  it('every table item a tenant\'s calls wrote starts with that tenant', async () => {
    for (const t of [a.tenant, b.tenant]) {
      const items = await world.itemsOf(t);
      expect(items.length).toBeGreaterThan(0);
      expect(items.every((i) => i.pk?.S === `T#${t}`)).toBe(true);
    }
  });

  it('GET /openapi.json is public and the same for everyone', async () => {
    const anon = await call('GET /openapi.json', {});
    const withToken = await call('GET /openapi.json', { token: b.token });
    expect(anon.status).toBe(200);
    expect(anon.body).toEqual(withToken.body);
  });

  it('DELETE by the owner works; the other tenant still sees nothing', async () => {
    const del = await call('DELETE /byob/{id}', { token: a.token, params: { id: otherId } });
    expect(del.status).toBe(202);
    expect((await call('GET /byob/{id}', { token: b.token, params: { id: otherId } })).status).toBe(404);
  });
});
