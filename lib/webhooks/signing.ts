/**
 * Standard Webhooks signing: `whsec_` secrets, and the three headers of a signed delivery. The
 * HMAC itself is the `standardwebhooks` library's, so what we send is what receivers verify.
 */
import { randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';

/** Prefix of every webhook signing secret. */
export const WEBHOOK_SECRET_PREFIX = 'whsec_';

/** Bytes of randomness in a generated secret (Standard Webhooks asks for 24 to 64). */
export const WEBHOOK_SECRET_BYTES = 32;

/** A source of random bytes; injected so tests are deterministic. */
export type RandomBytes = (size: number) => Uint8Array;

/** The headers of a signed delivery. */
export interface WebhookSignatureHeaders {
  'webhook-id': string;
  'webhook-timestamp': string;
  'webhook-signature': string;
}

/** What is signed: the message id (stable across retries), the send time and the exact body. */
export interface WebhookMessage {
  id: string;
  timestamp: Date;
  body: string;
}

/** Generates a signing secret: `whsec_` and the base64 of 32 random bytes. */
export const generateWebhookSecret = (random: RandomBytes = randomBytes): string => {
  const bytes = random(WEBHOOK_SECRET_BYTES);
  if (bytes.length < 24) throw new RangeError('A webhook secret needs at least 24 random bytes.');
  return WEBHOOK_SECRET_PREFIX + Buffer.from(bytes).toString('base64');
};

/**
 * Signs a message with every given secret: the signature header carries one `v1,<sig>` per
 * secret, space-separated, so during a rotation a receiver holding either secret verifies it.
 */
export const signWebhook = (message: WebhookMessage, secrets: readonly string[]): WebhookSignatureHeaders => {
  if (secrets.length === 0) throw new TypeError('signWebhook needs at least one secret.');
  const signatures = secrets.map((secret) => new Webhook(secret).sign(message.id, message.timestamp, message.body));
  return {
    'webhook-id': message.id,
    'webhook-timestamp': String(Math.floor(message.timestamp.getTime() / 1000)),
    'webhook-signature': signatures.join(' '),
  };
};

/**
 * Verifies a delivery as a receiver would (the library's `Webhook#verify`, ±5 min of the real
 * clock); throws `WebhookVerificationError` when it does not verify. For tests and local tools.
 */
export const verifyWebhook = (secret: string, body: string, headers: Record<string, string>): unknown =>
  new Webhook(secret).verify(body, headers);
