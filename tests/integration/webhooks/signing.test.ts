import { describe, expect, it } from 'vitest';
import { ConflictError } from '../../../lib/errors.js';
import { redeliver } from '../../../lib/webhooks/outbox.js';
import type { ByobRecord, StoredVerification } from '../../../lib/provisioning/record.js';
import { ROTATION_OVERLAP_MS, rotateWebhookSecret, tenantSettings } from '../../../lib/tenants/settings.js';
import { MAX_WEBHOOK_PAYLOAD_BYTES, WEBHOOK_PAYLOAD_VERSION } from '../../../lib/webhooks/events.js';
import { verifyAt, type Received } from '../../support/receiver.js';
import { createRecord, OUTPUTS, outboxOf, useWebhookWorld } from './support.js';

// Signatures, rotation, redelivery and payload contents, end to end through the real store and the
// real delivery to a loopback receiver verifying with standardwebhooks at the injected time.
const TENANT = 'tenant-signing';
const world = useWebhookWorld('signing');
const { step, receive } = world;
const newRequest = (url: string) => createRecord(world.store, world.clock, world.deps.ids, { tenant: TENANT, callbackUrl: url });
const secretOf = async () => (await tenantSettings(world.deps, TENANT)).webhookSecrets[0]!.secret;

/** The delivery with only its `index`-th signature. */
const withSignature = (d: Received, index: number): Record<string, string> => ({
  ...d.headers,
  'webhook-signature': d.headers['webhook-signature']!.split(' ')[index]!,
});

describe('signatures', () => {
  it('a delivery verifies; a changed byte or a stale timestamp does not', async () => {
    const secret = await secretOf();
    const r = await receive(secret);
    await step(await newRequest(r.url), 'CREATING');

    const [d] = r.received;
    expect(d!.verified).toBe('ok');
    expect(d!.headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
    expect(verifyAt(secret, d!.body.replace('"CREATING"', '"CREATINH"'), d!.headers, world.clock())).toMatch(/No matching signature/);
    expect(verifyAt(secret, d!.body, { ...d!.headers, 'webhook-id': `${d!.headers['webhook-id']}x` }, world.clock())).toMatch(/No matching signature/);
    expect(verifyAt(secret, d!.body, d!.headers, new Date(world.clock().getTime() + 6 * 60_000))).toMatch(/too old/);
    expect(verifyAt('whsec_' + Buffer.alloc(32, 7).toString('base64'), d!.body, d!.headers, world.clock())).toMatch(/No matching signature/);
  });

  it('after a rotation, deliveries carry two v1 signatures, each verifying with its own secret, for 24 h', async () => {
    const old = await secretOf();
    const r = await receive(undefined);
    const record = await newRequest(r.url);

    world.clock.advance(60_000);
    const rotated = await rotateWebhookSecret(world.deps, TENANT);
    const fresh = rotated.webhookSecrets[0]!.secret;
    expect(fresh).toMatch(/^whsec_/);
    expect(fresh).not.toBe(old);
    const creating = await step(record, 'CREATING');

    const d = r.received[0]!;
    expect(d.headers['webhook-signature']!.split(' ')).toHaveLength(2);
    expect(verifyAt(fresh, d.body, withSignature(d, 0), world.clock())).toBe('ok');
    expect(verifyAt(old, d.body, withSignature(d, 0), world.clock())).toMatch(/No matching signature/);
    expect(verifyAt(old, d.body, withSignature(d, 1), world.clock())).toBe('ok');
    expect(verifyAt(fresh, d.body, withSignature(d, 1), world.clock())).toMatch(/No matching signature/);
    // A receiver holding either secret accepts the delivery as sent.
    expect(verifyAt(old, d.body, d.headers, world.clock())).toBe('ok');
    expect(verifyAt(fresh, d.body, d.headers, world.clock())).toBe('ok');

    world.clock.set(new Date(Date.parse(rotated.updatedAt) + ROTATION_OVERLAP_MS));
    await step(creating, 'VERIFYING', { outputs: OUTPUTS });
    const later = r.received[1]!;
    expect(later.headers['webhook-signature']!.split(' ')).toHaveLength(1);
    expect(verifyAt(fresh, later.body, later.headers, world.clock())).toBe('ok');
    expect(verifyAt(old, later.body, later.headers, world.clock())).toMatch(/No matching signature/);
  });

  it('a rotation racing another answers 409 instead of rotating twice', async () => {
    const before = await tenantSettings(world.deps, TENANT);
    await rotateWebhookSecret(world.deps, TENANT);
    const stale = { ...world.store, getSettings: async () => before };

    await expect(rotateWebhookSecret({ ...world.deps, store: stale }, TENANT)).rejects.toBeInstanceOf(ConflictError);
    expect((await tenantSettings(world.deps, TENANT)).version).toBe(before.version + 1);
  });
});

describe('redeliver', () => {
  it('requeues dead events and sends them, in order, with their original webhook-ids', async () => {
    const secret = await secretOf();
    let up = false;
    const r = await receive(secret, () => ({ status: up ? 200 : 503 }));
    const record = await newRequest(r.url);
    await step(await step(record, 'CREATING'), 'FAILED', { failure: { code: 'stack_failed', message: 'The stack ended ROLLBACK_COMPLETE.', resource: 'ByobBucket' } });
    for (let runs = 0; await world.nextScheduledRun(record); runs++) expect(runs).toBeLessThan(60);
    const dead = await outboxOf(world.store, record);
    expect(dead.map((o) => [o.type, o.status])).toEqual([
      ['byob.status_changed', 'dead'],
      ['byob.status_changed', 'dead'],
      ['byob.failed', 'dead'],
    ]);
    expect((await world.store.get(TENANT, record.id))!.callback).toMatchObject({ status: 'failed', nextAttemptAt: null });
    const triedBefore = r.received.length;

    up = true;
    world.clock.advance(3_600_000);
    const sent = await redeliver(world.deps, TENANT, record.id);

    expect(sent).toBe(3);
    const again = r.received.slice(triedBefore);
    expect(again.map((x) => x.verified)).toEqual(['ok', 'ok', 'ok']);
    expect(again.map((x) => x.headers['webhook-id'])).toEqual(dead.map((o) => o.eventId));
    expect(again.map((x) => x.body)).toEqual(dead.map((o) => o.body));
    expect((await outboxOf(world.store, record)).map((o) => o.status)).toEqual(['delivered', 'delivered', 'delivered']);
    expect((await world.store.get(TENANT, record.id))!.callback).toMatchObject({ status: 'delivered', lastError: null, nextAttemptAt: null });
  });

  it('resumes an endpoint that answered 410', async () => {
    let gone = true;
    const r = await receive(undefined, () => ({ status: gone ? 410 : 200 }));
    const record = await newRequest(r.url);
    await step(await step(record, 'CREATING'), 'VERIFYING', { outputs: OUTPUTS });
    expect(r.received).toHaveLength(1);

    gone = false;
    await redeliver(world.deps, TENANT, record.id);

    expect(r.received).toHaveLength(3);
    expect((await world.store.get(TENANT, record.id))!.callback).toMatchObject({ status: 'delivered' });
  });
});

describe('payloads', () => {
  const SECRET_LIKE = /whsec_|tokenHash|s3:\/\/[^"]*@|secretAccessKey|"tenant"/;

  it('are versioned, under 20 KB, carry the public record and never a secret', async () => {
    const settings = await tenantSettings(world.deps, TENANT);
    const r = await receive(settings.webhookSecrets[0]!.secret);
    const tokenHash = 'f'.repeat(64);
    const base = await newRequest(r.url);
    // A quick-create request: its record holds a token hash the payload must not carry.
    const quick: ByobRecord = {
      ...base,
      launch: { ...base.launch, mode: 'quick-create' },
      quickCreate: { url: 'https://eu-west-1.console.aws.amazon.com/cloudformation/home#/stacks/quickcreate', expiresAt: '2026-11-05T10:00:00.000Z', tokenHash, boundAccountId: null },
    };
    await world.store.patch(base, quick, world.clock().toISOString());
    const verification: StoredVerification = {
      status: 'passed',
      checkedAt: world.clock().toISOString(),
      checks: [{ id: 'versioning', status: 'passed', detail: 'Versioning is enabled.' }],
    };
    let r1 = (await world.store.get(TENANT, base.id))!;
    r1 = await step(r1, 'AWAITING_CUSTOMER');
    r1 = await step(r1, 'CREATING');
    r1 = await step(r1, 'VERIFYING', { outputs: OUTPUTS });
    await step(r1, 'READY', { verification });

    expect(r.received.map((x) => x.verified)).toEqual(['ok', 'ok', 'ok', 'ok', 'ok']);
    expect(new Set(r.received.map((x) => x.headers['webhook-id'])).size).toBe(5);
    for (const d of r.received) {
      expect(Buffer.byteLength(d.body)).toBeLessThan(MAX_WEBHOOK_PAYLOAD_BYTES);
      expect(d.body).not.toMatch(SECRET_LIKE);
      expect(d.body).not.toContain(tokenHash);
      for (const s of settings.webhookSecrets) expect(d.body).not.toContain(s.secret.slice('whsec_'.length));
      const payload = JSON.parse(d.body);
      expect(Object.keys(payload).sort()).toEqual(['data', 'timestamp', 'type', 'version']);
      expect(payload.version).toBe(WEBHOOK_PAYLOAD_VERSION);
      expect(payload.data).toMatchObject({ id: base.id, bucketName: base.bucketName, region: 'eu-west-1', launch: { mode: 'quick-create' } });
      expect(d.headers['content-type']).toBe('application/json');
    }
    const last = JSON.parse(r.received.at(-1)!.body);
    expect(last).toMatchObject({ type: 'byob.ready', data: { status: 'READY', outputs: OUTPUTS, verification } });
  });

  it('stay under 20 KB when verification details are huge (trimmed, flagged truncated)', async () => {
    const r = await receive(await secretOf());
    const record = await newRequest(r.url);
    const checks = Array.from({ length: 40 }, (_, i) => ({ id: `check-${i}`, status: 'failed' as const, detail: `Detail ${i}: ${'x'.repeat(2_000)}` }));
    const creating = await step(record, 'CREATING');
    const verifying = await step(creating, 'VERIFYING', { outputs: OUTPUTS });
    await step(verifying, 'FAILED', {
      verification: { status: 'failed', checkedAt: world.clock().toISOString(), checks },
      failure: { code: 'verification_failed', message: 'Verification failed.', resource: null },
    });

    const failed = r.received.slice(-2).map((d) => ({ d, payload: JSON.parse(d.body) }));
    expect(failed.map((f) => f.payload.type)).toEqual(['byob.status_changed', 'byob.failed']);
    for (const { d, payload } of failed) {
      expect(d.verified).toBe('ok');
      expect(Buffer.byteLength(d.body)).toBeLessThan(MAX_WEBHOOK_PAYLOAD_BYTES);
      expect(payload.truncated).toBe(true);
      expect(payload.data.verification.checks).toHaveLength(40);
      expect(payload.data.failure).toMatchObject({ code: 'verification_failed' });
    }
  });
});
