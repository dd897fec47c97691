/**
 * Standard Webhooks signing: `whsec_` secrets, and the three headers of a signed delivery. The HMAC is
 * node:crypto's over the spec's `id.timestamp.body`, keyed by the secret's base64 bytes; the tests hold it
 * to the `standardwebhooks` library's own `sign` and `verify`, so what we send is what receivers verify.
 * (The library's pure-JS SHA-256 and base64 cost every function that delivers ~4 KB gzip and a module
 * evaluated at start-up.)
 */
import { createHmac, randomBytes } from 'node:crypto';

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

/** One `v1,<base64 HMAC-SHA256>` signature of the signed content under a `whsec_` secret. */
const signatureWith = (secret: string, content: string): string => {
  const key = Buffer.from(secret.startsWith(WEBHOOK_SECRET_PREFIX) ? secret.slice(WEBHOOK_SECRET_PREFIX.length) : secret, 'base64');
  if (key.length === 0) throw new TypeError("A webhook secret can't be empty.");
  return `v1,${createHmac('sha256', key).update(content, 'utf8').digest('base64')}`;
};

/**
 * Signs a message with every given secret: the signature header carries one `v1,<sig>` per
 * secret, space-separated, so during a rotation a receiver holding either secret verifies it.
 */
export const signWebhook = (message: WebhookMessage, secrets: readonly string[]): WebhookSignatureHeaders => {
  if (secrets.length === 0) throw new TypeError('signWebhook needs at least one secret.');
  const timestamp = String(Math.floor(message.timestamp.getTime() / 1000));
  const content = `${message.id}.${timestamp}.${message.body}`;
  return {
    'webhook-id': message.id,
    'webhook-timestamp': timestamp,
    'webhook-signature': secrets.map((secret) => signatureWith(secret, content)).join(' '),
  };
};
