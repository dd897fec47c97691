import { Webhook, WebhookVerificationError } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { generateWebhookSecret, signWebhook } from '../../../lib/webhooks/signing.js';
import { verifyWebhook } from '../../support/receiver.js';

const fixedBytes = (fill: number) => (size: number) => new Uint8Array(size).fill(fill);

describe('generateWebhookSecret', () => {
  it('is whsec_ and the base64 of 32 random bytes from the injected source', () => {
    const secret = generateWebhookSecret(fixedBytes(1));

    expect(secret).toBe(`whsec_${Buffer.alloc(32, 1).toString('base64')}`);
    expect(Buffer.from(secret.slice('whsec_'.length), 'base64')).toHaveLength(32);
  });

  it('uses crypto randomness by default: two secrets differ', () => {
    expect(generateWebhookSecret()).not.toBe(generateWebhookSecret());
  });

  it('refuses a random source that returns too few bytes', () => {
    expect(() => generateWebhookSecret(() => new Uint8Array(8))).toThrow(/24 random bytes/);
  });
});

describe('signWebhook', () => {
  const secretA = generateWebhookSecret(fixedBytes(2));
  const secretB = generateWebhookSecret(fixedBytes(3));
  const body = '{"type":"byob.ready","data":{"id":"byob_1"}}';

  it('produces the three Standard Webhooks headers, the timestamp in seconds', () => {
    const timestamp = new Date('2026-11-05T12:00:00.999Z');

    const headers = signWebhook({ id: 'msg_1', timestamp, body }, [secretA]);

    expect(headers['webhook-id']).toBe('msg_1');
    expect(headers['webhook-timestamp']).toBe(String(Math.floor(timestamp.getTime() / 1000)));
    expect(headers['webhook-signature']).toBe(new Webhook(secretA).sign('msg_1', timestamp, body));
    expect(headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]+={0,2}$/);
  });

  it('during a rotation carries one v1 signature per secret, each verifying on its own', () => {
    const headers = signWebhook({ id: 'msg_2', timestamp: new Date(), body }, [secretA, secretB]);
    const parts = headers['webhook-signature'].split(' ');

    expect(parts).toHaveLength(2);
    expect(verifyWebhook(secretA, body, { ...headers, 'webhook-signature': parts[0] ?? '' })).toEqual(JSON.parse(body));
    expect(verifyWebhook(secretB, body, { ...headers, 'webhook-signature': parts[1] ?? '' })).toEqual(JSON.parse(body));
    expect(() => verifyWebhook(secretA, body, { ...headers, 'webhook-signature': parts[1] ?? '' })).toThrow(
      WebhookVerificationError,
    );
    expect(verifyWebhook(secretB, body, { ...headers })).toEqual(JSON.parse(body));
  });

  it('a stale timestamp or one changed byte fails verification', () => {
    const stale = signWebhook({ id: 'msg_3', timestamp: new Date(Date.now() - 5 * 60_000 - 2_000), body }, [secretA]);
    const fresh = signWebhook({ id: 'msg_3', timestamp: new Date(), body }, [secretA]);

    expect(() => verifyWebhook(secretA, body, { ...stale })).toThrow(/too old/);
    expect(() => verifyWebhook(secretA, body.replace('1', '2'), { ...fresh })).toThrow(/No matching signature/);
    expect(() => verifyWebhook(secretA, body, { ...fresh, 'webhook-id': 'msg_4' })).toThrow(/No matching signature/);
  });

  it('needs at least one secret', () => {
    expect(() => signWebhook({ id: 'm', timestamp: new Date(), body }, [])).toThrow(/at least one secret/);
  });
});
