/**
 * The webhook events we send and their payload: which events a status change raises, and the
 * versioned envelope around the public record, kept under the size receivers are promised.
 */

/** Every webhook event type. */
export const WEBHOOK_EVENT_TYPES = [
  'byob.status_changed',
  'byob.ready',
  'byob.failed',
  'byob.degraded',
  'byob.recovered',
  'byob.updated',
  'byob.update_failed',
  'byob.update_available',
] as const;

/** A webhook event type. */
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

/** Version of the payload shape; a breaking change gets a new date. */
export const WEBHOOK_PAYLOAD_VERSION = '2026-11-01';

/** A serialised payload is always smaller than this many bytes (UTF-8). */
export const MAX_WEBHOOK_PAYLOAD_BYTES = 20 * 1024;

/** Longest `verification.checks[].detail` kept when a payload must be trimmed. */
export const TRIMMED_DETAIL_CHARS = 200;

/** The body of every webhook. `truncated` is present (true) only when check details were cut. */
export interface WebhookPayload {
  type: WebhookEventType;
  version: typeof WEBHOOK_PAYLOAD_VERSION;
  timestamp: string;
  data: Record<string, unknown>;
  truncated?: true;
}

/** What a payload is built from: the record must already be the public view. */
export interface WebhookPayloadInput {
  type: WebhookEventType;
  record: Record<string, unknown>;
  occurredAt: Date;
}

/** Raised when a payload stays over `MAX_WEBHOOK_PAYLOAD_BYTES` even after trimming. */
export class WebhookPayloadTooLargeError extends Error {
  override name = 'WebhookPayloadTooLargeError';
  constructor(readonly bytes: number) {
    super(`The webhook payload is ${bytes} bytes after trimming; the limit is ${MAX_WEBHOOK_PAYLOAD_BYTES}.`);
  }
}

/** Size of a payload as sent, in bytes. */
export const payloadBytes = (payload: WebhookPayload): number => Buffer.byteLength(JSON.stringify(payload), 'utf8');

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

type DetailEdit = (detail: unknown) => unknown;

// Returns the record with every verification check's `detail` edited, or null when it has no checks.
const editCheckDetails = (record: Record<string, unknown>, edit: DetailEdit): Record<string, unknown> | null => {
  const verification = record['verification'];
  if (!isObject(verification) || !Array.isArray(verification['checks'])) return null;
  const checks = verification['checks'].map((check: unknown) => {
    if (!isObject(check) || !('detail' in check)) return check;
    const { detail, ...rest } = check;
    const edited = edit(detail);
    return edited === undefined ? rest : { ...rest, detail: edited };
  });
  return { ...record, verification: { ...verification, checks } };
};

const shorten: DetailEdit = (detail) =>
  typeof detail === 'string' && detail.length > TRIMMED_DETAIL_CHARS
    ? `${detail.slice(0, TRIMMED_DETAIL_CHARS - 1)}…`
    : detail;

const drop: DetailEdit = () => undefined;

/**
 * Builds the payload `{ type, version, timestamp, data }`. When it would reach 20 KiB, each
 * `verification.checks[].detail` is first shortened to 200 characters, then removed, and
 * `truncated: true` tells the receiver to read the full record with `GET /byob/{id}`. Throws
 * `WebhookPayloadTooLargeError` when even that is too big.
 */
export const buildWebhookPayload = ({ type, record, occurredAt }: WebhookPayloadInput): WebhookPayload => {
  const base = { type, version: WEBHOOK_PAYLOAD_VERSION, timestamp: occurredAt.toISOString() } as const;
  const full: WebhookPayload = { ...base, data: record };
  if (payloadBytes(full) < MAX_WEBHOOK_PAYLOAD_BYTES) return full;

  let smallest = full;
  for (const edit of [shorten, drop]) {
    const data = editCheckDetails(record, edit);
    if (data === null) break;
    smallest = { ...base, data, truncated: true };
    if (payloadBytes(smallest) < MAX_WEBHOOK_PAYLOAD_BYTES) return smallest;
  }
  throw new WebhookPayloadTooLargeError(payloadBytes(smallest));
};

/** How an update of the stack ended, for the status change that settles it. */
export type UpdateOutcome = 'succeeded' | 'failed';

/**
 * The events a status change raises: always `byob.status_changed`, plus `byob.ready` on entering
 * READY from provisioning, `byob.failed` on entering FAILED, `byob.degraded` when a provisioned
 * bucket stops meeting its checks (the payload's record carries the failing checks and the drift) and
 * `byob.recovered` when it meets them again. The change that settles an update (`settles`) raises
 * `byob.updated` or `byob.update_failed` instead of ready/recovered, and `byob.degraded` when the
 * updated bucket fails its verification. No change (from === to) raises nothing.
 */
export const eventsForTransition = (from: string | null, to: string, settles?: UpdateOutcome): WebhookEventType[] => {
  if (from === to) return [];
  const events: WebhookEventType[] = ['byob.status_changed'];
  if (settles) {
    // Only the updated bucket's own verification degrades it; an update undone goes back to DEGRADED as it was.
    if (to === 'DEGRADED' && from === 'VERIFYING' && settles === 'succeeded') events.push('byob.degraded');
    events.push(settles === 'succeeded' ? 'byob.updated' : 'byob.update_failed');
    return events;
  }
  if (to === 'READY') events.push(from === 'DEGRADED' ? 'byob.recovered' : 'byob.ready');
  if (to === 'FAILED') events.push('byob.failed');
  if (to === 'DEGRADED') events.push('byob.degraded');
  return events;
};
