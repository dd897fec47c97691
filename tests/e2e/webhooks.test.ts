import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { call, directBody, sharedApi, waitForStatus } from '../support/local-api.js';
import { startReceiver, verifyAt, type Receiver, type Received, type Reply } from '../support/receiver.js';

// Webhooks through serverless-offline over the emulator, as `npm start` runs them: local mode lets a
// callbackUrl be plain http on 127.0.0.1, and every status change is attempted at once. The shared stack
// schedules no reconciler (quick-create's in-process one keeps to its own tenant), so every delivery seen
// came from the immediate attempts (or a redeliver).
const stack = sharedApi();
let token: string;
const receivers: Receiver[] = [];

beforeAll(async () => {
  token = await stack.token('e2e-webhooks');
});
afterEach(async () => {
  await Promise.all(receivers.splice(0).map((r) => r.close()));
});

const receive = async (secret: string, reply?: (n: number) => Reply) => {
  const r = await startReceiver({ secret, ...(reply ? { reply } : {}) });
  receivers.push(r);
  return r;
};

/** Waits (real time: these are real HTTP deliveries) until `done` holds for what the receiver got. */
const waitForDeliveries = async (r: Receiver, done: (got: Received[]) => boolean, timeoutMs = 30_000) => {
  const deadline = Date.now() + timeoutMs;
  while (!done(r.received)) {
    if (Date.now() > deadline) throw new Error(`deliveries not complete after ${timeoutMs} ms: ${JSON.stringify(r.received.map((x) => x.body.slice(0, 120)))}`);
    await new Promise((res) => setTimeout(res, 200));
  }
  return r.received;
};

/** GET /byob/{id} once the immediate attempts after its last status change have written their summary. */
const settled = async (id: string, timeoutMs = 30_000) => {
  const deadline = Date.now() + timeoutMs;
  let last = await call(stack, 'GET', `/byob/${id}`, { token });
  for (;;) {
    await new Promise((res) => setTimeout(res, 1_000));
    const now = await call(stack, 'GET', `/byob/${id}`, { token });
    if (now.body.updatedAt === last.body.updatedAt) return now;
    if (Date.now() > deadline) throw new Error(`${id} kept changing for ${timeoutMs} ms`);
    last = now;
  }
};

const payloads = (got: Received[]) => got.map((d) => JSON.parse(d.body) as { type: string; version: string; data: { id: string; status: string } });
const hasReady = (got: Received[]) => payloads(got).some((p) => p.type === 'byob.ready');

describe('webhooks, end to end', () => {
  let secret: string;

  it('GET /byob/settings gives the tenant a whsec_ signing secret, the same on every read', async () => {
    const first = await call(stack, 'GET', '/byob/settings', { token });
    expect(first.status).toBe(200);
    expect(first.headers.get('cache-control')).toBe('no-store');
    expect(first.body.webhookSecret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(first.body.webhookSecrets).toEqual([first.body.webhookSecret]);
    const second = await call(stack, 'GET', '/byob/settings', { token });
    expect(second.body.webhookSecret).toBe(first.body.webhookSecret);
    const other = await call(stack, 'GET', '/byob/settings', { token: await stack.token('e2e-webhooks-other') });
    expect(other.body.webhookSecret).not.toBe(first.body.webhookSecret);
    secret = first.body.webhookSecret;
  });

  it('a direct request with a loopback callbackUrl gets a signed delivery for every status change, ending in byob.ready', async () => {
    const r = await receive(secret);
    const posted = await call(stack, 'POST', '/byob', { token, body: directBody({ team: 'hooks', callbackUrl: `${r.url}/hooks/byob` }) });
    expect(posted.status).toBe(202);
    const rec = await waitForStatus(stack, token, posted.body.id, ['READY', 'FAILED']);
    expect(rec.status, JSON.stringify(rec.failure)).toBe('READY');

    const got = await waitForDeliveries(r, hasReady);

    expect(got.map((d) => d.verified)).toEqual(got.map(() => 'ok'));
    for (const d of got) expect(verifyAt(secret, d.body, d.headers)).toBe('ok');
    const ids = got.map((d) => d.headers['webhook-id']);
    expect(new Set(ids).size).toBe(ids.length);
    expect(got.every((d) => d.path === '/hooks/byob' && d.method === 'POST' && d.remoteAddress === '127.0.0.1')).toBe(true);
    const seen = payloads(got).map((p) => [p.type, p.data.status]);
    expect(seen).toEqual([
      ['byob.status_changed', 'CREATING'],
      ['byob.status_changed', 'VERIFYING'],
      ['byob.status_changed', 'READY'],
      ['byob.ready', 'READY'],
    ]);
    expect(payloads(got).every((p) => p.data.id === rec.id && typeof p.version === 'string')).toBe(true);
    expect(got.some((d) => d.body.includes('whsec_'))).toBe(false);

    // The receiver can have the last delivery before the API has written the summary that follows it.
    const after = await settled(rec.id);
    expect(after.body.callback).toMatchObject({ url: `${r.url}/hooks/byob`, status: 'delivered', attempts: got.length, lastError: null, nextAttemptAt: null });
  });

  it('a receiver that fails shows on the record; POST /byob/{id}/callbacks/redeliver sends again with the same webhook-ids', async () => {
    let up = false;
    const r = await receive(secret, () => ({ status: up ? 200 : 500 }));
    const posted = await call(stack, 'POST', '/byob', { token, body: directBody({ team: 'hooks-down', callbackUrl: `${r.url}/hooks` }) });
    expect(posted.status).toBe(202);
    const rec = await waitForStatus(stack, token, posted.body.id, ['READY', 'FAILED']);
    const failing = [...(await waitForDeliveries(r, (got) => got.length >= 1))];
    // The first event failed, so the later ones wait behind it: one request reached the receiver.
    expect(failing).toHaveLength(1);
    const shown = await settled(rec.id);
    expect(shown.body.callback).toMatchObject({ status: 'pending', lastError: 'HTTP 500', nextAttemptAt: expect.any(String) });
    const firstId = failing[0]!.headers['webhook-id'];

    up = true;
    const redelivered = await call(stack, 'POST', `/byob/${rec.id}/callbacks/redeliver`, { token });

    expect(redelivered.status).toBe(202);
    expect(redelivered.body.callback).toMatchObject({ status: 'delivered', nextAttemptAt: null });
    const okOnes = r.received.filter((_, i) => i >= failing.length);
    expect(okOnes[0]!.headers['webhook-id']).toBe(firstId);
    expect(okOnes.map((d) => d.verified)).toEqual(okOnes.map(() => 'ok'));
    expect(payloads(okOnes).at(-1)).toMatchObject({ type: 'byob.ready' });

    const missing = await call(stack, 'POST', '/byob/byob_01J0000000000000000000000/callbacks/redeliver', { token });
    expect(missing.status).toBe(404);
  });

  it('POST /byob/settings/rotate-webhook-secret: a new secret first, and deliveries signed by both', async () => {
    const rotated = await call(stack, 'POST', '/byob/settings/rotate-webhook-secret', { token });
    expect(rotated.status).toBe(200);
    const fresh = rotated.body.webhookSecret as string;
    expect(fresh).toMatch(/^whsec_/);
    expect(fresh).not.toBe(secret);
    expect(rotated.body.webhookSecrets).toEqual([fresh, secret]);
    expect((await call(stack, 'GET', '/byob/settings', { token })).body.webhookSecrets).toEqual([fresh, secret]);

    const r = await receive(fresh);
    const posted = await call(stack, 'POST', '/byob', { token, body: directBody({ team: 'hooks-rotated', callbackUrl: `${r.url}/hooks` }) });
    expect(posted.status).toBe(202);
    await waitForStatus(stack, token, posted.body.id, ['READY', 'FAILED']);
    const got = await waitForDeliveries(r, hasReady);

    for (const d of got) {
      const [sigNew, sigOld, ...rest] = d.headers['webhook-signature']!.split(' ');
      expect(rest).toEqual([]);
      expect(verifyAt(fresh, d.body, { ...d.headers, 'webhook-signature': sigNew! })).toBe('ok');
      expect(verifyAt(secret, d.body, { ...d.headers, 'webhook-signature': sigOld! })).toBe('ok');
    }
  });
});
