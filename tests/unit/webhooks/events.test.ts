import { describe, expect, it } from 'vitest';
import {
  buildWebhookPayload,
  eventsForTransition,
  MAX_WEBHOOK_PAYLOAD_BYTES,
  payloadBytes,
  TRIMMED_DETAIL_CHARS,
  WEBHOOK_EVENT_TYPES,
  WEBHOOK_PAYLOAD_VERSION,
  WebhookPayloadTooLargeError,
} from '../../../lib/webhooks/events.js';

const OCCURRED = new Date('2026-11-05T12:00:00Z');

const record = (checks: unknown[] = [{ id: 'versioning', status: 'passed', detail: 'Versioning is enabled.' }]) => ({
  id: 'byob_01J',
  status: 'READY',
  verification: { status: 'passed', checkedAt: OCCURRED.toISOString(), checks },
  failure: null,
});

describe('buildWebhookPayload', () => {
  it('wraps the public record in a versioned envelope', () => {
    const payload = buildWebhookPayload({ type: 'byob.ready', record: record(), occurredAt: OCCURRED });

    expect(payload).toEqual({
      type: 'byob.ready',
      version: WEBHOOK_PAYLOAD_VERSION,
      timestamp: '2026-11-05T12:00:00.000Z',
      data: record(),
    });
  });

  it('shortens long check details first, marking the payload truncated', () => {
    const checks = Array.from({ length: 12 }, (_, i) => ({ id: `check-${i}`, status: 'failed', detail: 'x'.repeat(3_000) }));

    const payload = buildWebhookPayload({ type: 'byob.failed', record: record(checks), occurredAt: OCCURRED });

    expect(payload.truncated).toBe(true);
    expect(payloadBytes(payload)).toBeLessThan(MAX_WEBHOOK_PAYLOAD_BYTES);
    const kept = (payload.data['verification'] as { checks: { id: string; detail: string }[] }).checks;
    expect(kept).toHaveLength(12);
    expect(kept[0]?.detail).toHaveLength(TRIMMED_DETAIL_CHARS);
    expect(kept[0]?.detail.endsWith('…')).toBe(true);
  });

  it('drops check details when shortening is not enough', () => {
    const checks = Array.from({ length: 150 }, (_, i) => ({ id: `check-${i}`, status: 'failed', detail: 'y'.repeat(500) }));

    const payload = buildWebhookPayload({ type: 'byob.failed', record: record(checks), occurredAt: OCCURRED });

    const kept = (payload.data['verification'] as { checks: Record<string, unknown>[] }).checks;
    expect(kept[0]).toEqual({ id: 'check-0', status: 'failed' });
    expect(payloadBytes(payload)).toBeLessThan(MAX_WEBHOOK_PAYLOAD_BYTES);
  });

  it('throws when the record is too big even without details', () => {
    const huge = { ...record(), tags: { note: 'z'.repeat(MAX_WEBHOOK_PAYLOAD_BYTES) } };

    expect(() => buildWebhookPayload({ type: 'byob.status_changed', record: huge, occurredAt: OCCURRED })).toThrow(
      WebhookPayloadTooLargeError,
    );
  });

  it('counts bytes, not characters', () => {
    const checks = [{ id: 'cors', status: 'failed', detail: 'é'.repeat(12_000) }];

    const payload = buildWebhookPayload({ type: 'byob.failed', record: record(checks), occurredAt: OCCURRED });

    expect(payload.truncated).toBe(true);
  });
});

describe('eventsForTransition', () => {
  it.each([
    ['PENDING', 'CREATING', ['byob.status_changed']],
    ['VERIFYING', 'READY', ['byob.status_changed', 'byob.ready']],
    ['CREATING', 'FAILED', ['byob.status_changed', 'byob.failed']],
    [null, 'PENDING', ['byob.status_changed']],
    ['READY', 'READY', []],
  ])('%s → %s raises %j', (from, to, events) => {
    expect(eventsForTransition(from, to)).toEqual(events);
  });

  it.each([
    ['VERIFYING', 'READY', 'succeeded', ['byob.status_changed', 'byob.updated']],
    ['VERIFYING', 'DEGRADED', 'succeeded', ['byob.status_changed', 'byob.degraded', 'byob.updated']],
    ['UPDATING', 'READY', 'succeeded', ['byob.status_changed', 'byob.updated']],
    ['UPDATING', 'READY', 'failed', ['byob.status_changed', 'byob.update_failed']],
    ['UPDATING', 'DEGRADED', 'failed', ['byob.status_changed', 'byob.update_failed']],
    ['VERIFYING', 'DEGRADED', 'failed', ['byob.status_changed', 'byob.update_failed']],
  ] as const)('%s → %s settling an update that %s raises %j (never ready or recovered)', (from, to, settles, events) => {
    expect(eventsForTransition(from, to, settles)).toEqual(events);
  });

  it('only raises known event types', () => {
    expect(WEBHOOK_EVENT_TYPES).toEqual([
      'byob.status_changed',
      'byob.ready',
      'byob.failed',
      'byob.degraded',
      'byob.recovered',
      'byob.updated',
      'byob.update_failed',
      'byob.update_available',
    ]);
  });
});
