import { describe, expect, it } from 'vitest';
import { RETRY_GIVE_UP_AFTER_MS } from '../../../lib/webhooks/backoff.js';
import { deliverDue, deliverPendingFor } from '../../../lib/webhooks/outbox.js';
import type { ByobRecord } from '../../../lib/provisioning/record.js';
import { tenantSettings } from '../../../lib/tenants/settings.js';
import { transition } from '../../../lib/provisioning/transition.js';
import { deliverWebhook } from '../../../lib/webhooks/delivery.js';
import type { Reply } from '../../support/receiver.js';
import { closedPort, createRecord, OUTPUTS, outboxOf, useWebhookWorld } from './support.js';

// The outbox against the emulator's DynamoDB, delivering for real (undici, pinned sockets) to a
// receiver on 127.0.0.1 that checks every request with standardwebhooks' Webhook#verify at the
// injected time. The reconciler's every-minute schedule is played by calling deliverDue() at the
// next due minute; nothing sleeps.
const TENANT = 'tenant-delivery';
const world = useWebhookWorld('delivery');
const { step, nextScheduledRun } = world;

const receive = async (reply: (n: number) => Reply) =>
  world.receive((await tenantSettings(world.deps, TENANT)).webhookSecrets[0]!.secret, reply);

const newRequest = (url: string) => createRecord(world.store, world.clock, world.deps.ids, { tenant: TENANT, callbackUrl: `${url}/hooks/byob` });

const toReady = async (record: ByobRecord) => {
  const creating = await step(record, 'CREATING');
  const verifying = await step(creating, 'VERIFYING', { outputs: OUTPUTS });
  return step(verifying, 'READY');
};

const current = async (record: ByobRecord) => (await world.store.get(record.tenant, record.id))!;
const outbox = (record: ByobRecord) => outboxOf(world.store, record);

describe('delivery with retries, against the emulator', () => {
  it('500, 500, 200: delivered on the third attempt with the same webhook-id, the record showing each failure', async () => {
    const r = await receive((n) => ({ status: n < 2 ? 500 : 200 }));
    const record = await newRequest(r.url);

    const creating = await step(record, 'CREATING');

    expect(r.received).toHaveLength(1);
    const [item] = await outbox(record);
    expect(item).toMatchObject({ status: 'pending', attempts: 1, lastError: 'HTTP 500' });
    expect(creating.callback).toEqual({
      url: `${r.url}/hooks/byob`,
      status: 'pending',
      attempts: 1,
      lastAttemptAt: world.clock().toISOString(),
      lastError: 'HTTP 500',
      nextAttemptAt: item!.nextAttemptAt,
    });
    expect(Date.parse(item!.nextAttemptAt!)).toBeGreaterThan(world.clock().getTime());

    await nextScheduledRun(record);
    expect(r.received).toHaveLength(2);
    expect((await current(record)).callback).toMatchObject({ status: 'pending', attempts: 2, lastError: 'HTTP 500', nextAttemptAt: expect.any(String) });

    await nextScheduledRun(record);
    expect(r.received).toHaveLength(3);
    expect((await current(record)).callback).toMatchObject({ status: 'delivered', attempts: 3, lastError: null, nextAttemptAt: null });
    expect(await outbox(record)).toEqual([expect.objectContaining({ status: 'delivered', attempts: 3, nextAttemptAt: null })]);

    expect(r.received.map((x) => x.verified)).toEqual(['ok', 'ok', 'ok']);
    expect(new Set(r.received.map((x) => x.headers['webhook-id']))).toEqual(new Set([item!.eventId]));
    // Each attempt is signed at its own send time; the body is byte for byte the same.
    expect(new Set(r.received.map((x) => x.headers['webhook-timestamp'])).size).toBe(3);
    expect(new Set(r.received.map((x) => x.body)).size).toBe(1);
    expect(await nextScheduledRun(record)).toBe(false);
  });

  it('receiver down for the whole run: the record shows pending, nothing is lost, retries span 3 days, then dead', async () => {
    const record = await newRequest(`http://127.0.0.1:${await closedPort()}`);
    const ready = await toReady(record);
    const created = await outbox(record);
    expect(created.map((o) => o.type)).toEqual(['byob.status_changed', 'byob.status_changed', 'byob.status_changed', 'byob.ready']);
    expect(created.every((o) => o.status === 'pending')).toBe(true);
    const firstAttemptAt = created[0]!.lastAttemptAt!;
    expect(ready.callback).toMatchObject({ status: 'pending', lastError: 'connection failed (ECONNREFUSED)', nextAttemptAt: created[0]!.nextAttemptAt });

    let runs = 0;
    let checkedMidway = false;
    while (await nextScheduledRun(record)) {
      expect(++runs).toBeLessThan(60);
      const items = await outbox(record);
      if (!checkedMidway && Date.parse(world.clock().toISOString()) - Date.parse(firstAttemptAt) > 2 * 86_400_000) {
        checkedMidway = true;
        // Two days in: every event still pending, with its body intact, and the record says when the next try is.
        expect(items.map((o) => [o.eventId, o.body, o.status])).toEqual(created.map((o) => [o.eventId, o.body, 'pending']));
        const shown = (await current(record)).callback!;
        expect(shown.status).toBe('pending');
        expect(shown.nextAttemptAt).toBe(items.map((o) => o.nextAttemptAt!).sort()[0]);
        expect(Date.parse(shown.nextAttemptAt!)).toBeGreaterThan(world.clock().getTime());
      }
    }
    expect(checkedMidway).toBe(true);

    const final = await outbox(record);
    expect(final.map((o) => o.eventId)).toEqual(created.map((o) => o.eventId));
    expect(final.every((o) => o.status === 'dead')).toBe(true);
    const head = final[0]!;
    expect(head.attempts).toBeGreaterThanOrEqual(22);
    expect(head.attempts).toBeLessThanOrEqual(34);
    expect(Date.parse(head.lastAttemptAt!) - Date.parse(firstAttemptAt)).toBeGreaterThanOrEqual(RETRY_GIVE_UP_AFTER_MS);
    expect(head.lastError).toMatch(/ECONNREFUSED.*gave up after \d+ attempts/);
    expect((await current(record)).callback).toMatchObject({ status: 'failed', nextAttemptAt: null });
  });

  it('410 Gone: no more attempts to that endpoint, for this event or any later one', async () => {
    const r = await receive(() => ({ status: 410 }));
    const record = await newRequest(r.url);

    const ready = await toReady(record);
    world.clock.advance(4 * 86_400_000);
    await deliverDue(world.deps);

    expect(r.received).toHaveLength(1);
    expect(r.received[0]!.verified).toBe('ok');
    const items = await outbox(record);
    expect(items).toHaveLength(4);
    expect(items.every((o) => o.status === 'gone' && o.nextAttemptAt === null)).toBe(true);
    expect(items.map((o) => o.attempts)).toEqual([1, 0, 0, 0]);
    expect(ready.callback).toMatchObject({ status: 'gone', attempts: 1, nextAttemptAt: null, lastError: expect.stringContaining('410') });
  });

  it('302 to the metadata address: one request reaches the receiver, none follows, counted as a failed attempt', async () => {
    const r = await receive(() => ({ status: 302, headers: { location: 'http://169.254.169.254/latest/meta-data/iam/security-credentials/' } }));
    const record = await newRequest(r.url);

    const creating = await step(record, 'CREATING');

    expect(r.received).toHaveLength(1);
    expect(r.connections()).toBe(1);
    expect(await outbox(record)).toEqual([expect.objectContaining({ status: 'pending', attempts: 1, lastError: 'redirect not followed (HTTP 302)' })]);
    expect(creating.callback).toMatchObject({ status: 'pending', attempts: 1, lastError: 'redirect not followed (HTTP 302)' });
  });

  it('Retry-After (seconds or HTTP date) is honoured when longer than the back-off', async () => {
    const retryAt = new Date(world.clock().getTime() + 2 * 3_600_000 + 1_000);
    const r = await receive((n) =>
      n === 0 ? { status: 503, headers: { 'retry-after': '3600' } } : n === 1 ? { status: 429, headers: { 'retry-after': retryAt.toUTCString() } } : { status: 200 },
    );
    const record = await newRequest(r.url);

    await step(record, 'CREATING');
    const sentAt = world.clock().getTime();
    const [first] = await outbox(record);
    expect(first).toMatchObject({ status: 'pending', lastError: 'HTTP 503', nextAttemptAt: new Date(sentAt + 3_600_000).toISOString() });

    world.clock.set(new Date(sentAt + 3_599_000));
    expect(await deliverDue(world.deps)).toBe(0);
    world.clock.set(new Date(sentAt + 3_600_000));
    expect(await deliverDue(world.deps)).toBe(1);
    const [second] = await outbox(record);
    expect(second).toMatchObject({ status: 'pending', attempts: 2, lastError: 'HTTP 429' });
    expect(Date.parse(second!.nextAttemptAt!)).toBe(Math.floor(retryAt.getTime() / 1000) * 1000);

    await nextScheduledRun(record);
    expect((await outbox(record))[0]).toMatchObject({ status: 'delivered', attempts: 3 });
    expect(r.received.map((x) => x.verified)).toEqual(['ok', 'ok', 'ok']);
  });

  it('a failing earlier event holds back later ones, so a receiver that recovers gets them in order', async () => {
    let down = true;
    const r = await receive(() => ({ status: down ? 503 : 200 }));
    const record = await newRequest(r.url);

    await toReady(record);
    // Only the first event was tried; the others wait for its retry instead of being tried on their own.
    expect(r.received).toHaveLength(1);
    const waiting = await outbox(record);
    expect(new Set(waiting.map((o) => o.nextAttemptAt)).size).toBe(1);

    down = false;
    await nextScheduledRun(record);

    const statuses = r.received.slice(1).map((x) => [x.headers['webhook-id'], JSON.parse(x.body).type, JSON.parse(x.body).data.status]);
    expect(statuses).toEqual(waiting.map((o) => [o.eventId, o.type, JSON.parse(o.body).data.status]));
    expect(statuses.map((s) => s[2])).toEqual(['CREATING', 'VERIFYING', 'READY', 'READY']);
    expect((await current(record)).callback).toMatchObject({ status: 'delivered', attempts: 5, nextAttemptAt: null });
  });

  it('a callbackUrl the policy refuses is dead at once; an address refusal is retried (DNS may change)', async () => {
    const refusedUrl = await createRecord(world.store, world.clock, world.deps.ids, { tenant: TENANT, callbackUrl: 'https://portal.example.com:22/hooks' });
    await step(refusedUrl, 'CREATING');
    expect(await outbox(refusedUrl)).toEqual([
      expect.objectContaining({ status: 'dead', attempts: 1, nextAttemptAt: null, lastError: expect.stringMatching(/^refused: port 22 is not allowed.*not retried/) }),
    ]);
    expect((await current(refusedUrl)).callback).toMatchObject({ status: 'failed', nextAttemptAt: null });

    // The same wiring with a resolver that answers private space for the portal's name.
    const resolving = { ...world.deps };
    resolving.sendWebhook = (request) =>
      deliverWebhook({ allowLoopback: true, clock: world.clock, resolve: async () => [{ address: '10.0.0.7', family: 4 }] }, request);
    const privateName = await createRecord(world.store, world.clock, world.deps.ids, { tenant: TENANT, callbackUrl: 'https://hooks.portal.example.com/byob' });
    world.clock.advance(1_000);
    const moved = await transition(resolving, privateName, 'CREATING');
    await deliverPendingFor(resolving, moved.tenant, moved.id);
    expect(await outbox(privateName)).toEqual([
      expect.objectContaining({ status: 'pending', attempts: 1, nextAttemptAt: expect.any(String), lastError: expect.stringMatching(/resolves to 10\.0\.0\.7: private/) }),
    ]);
  });
});
