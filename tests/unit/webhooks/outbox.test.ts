import { describe, expect, it } from 'vitest';
import type { ByobRecord, CallbackState } from '../../../lib/provisioning/record.js';
import { StaleRecordError } from '../../../lib/provisioning/stale-record.js';
import type { OutboxItem, TenantSettings } from '../../../lib/provisioning/store.js';
import type { DeliveryOutcome, DeliveryRequest } from '../../../lib/webhooks/delivery.js';
import type { DeliveryRun } from '../../../lib/webhooks/delivery-queue.js';
import { callbackSummary, closePending, deliverDue, deliverPendingFor, deliveryRun, type OutboxDeps, redeliver, redeliverRequest } from '../../../lib/webhooks/outbox.js';
import { NotFoundError, PreconditionFailedError } from '../../../lib/errors.js';
import { generateWebhookSecret } from '../../../lib/webhooks/signing.js';
import { sequentialIds, T0, testClock } from '../../support/fakes.js';
import { awaitingRecord } from '../quick-create/support.js';
import { MemoryStore } from '../../support/memory-store.js';
import { outboxEvent, REQUEST_ID } from '../../support/records.js';

// The outbox against the in-memory store and a scripted sendWebhook: no network. `random` is 0, so
// every back-off wait is the lower bound, half the step cap (15 s, 30 s, 60 s, …).
const TENANT = 'acme';
const HOOK_URL = 'https://hooks.example.com/byob';
const NEW_SECRET = generateWebhookSecret(() => new Uint8Array(32).fill(1));
const OLD_SECRET = generateWebhookSecret(() => new Uint8Array(32).fill(2));
const SECOND = 1000;
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const at = (ms: number) => new Date(T0.getTime() + ms);
const iso = (ms: number) => at(ms).toISOString();

const OK: DeliveryOutcome = { kind: 'delivered', status: 200 };
const HTTP_500: DeliveryOutcome = { kind: 'failed', status: 500, error: 'HTTP 500' };
const GONE: DeliveryOutcome = { kind: 'gone', status: 410 };

const idleCallback: CallbackState = { url: HOOK_URL, status: 'idle', attempts: 0, lastAttemptAt: null, lastError: null, nextAttemptAt: null };

const evt = (n: number) => `evt_${String(n).padStart(2, '0')}`;

/** An event of the request, due at T0 and never attempted unless `over` says otherwise. */
const event = (n: number, over: Partial<OutboxItem> = {}): OutboxItem =>
  outboxEvent({ tenant: TENANT, eventId: evt(n), body: JSON.stringify({ type: 'byob.status_changed', n }), ...over });

const settingsWith = (secrets: TenantSettings['webhookSecrets']): TenantSettings => ({
  tenant: TENANT,
  externalId: 'byob-external',
  webhookSecrets: secrets,
  createdAt: T0.toISOString(),
  updatedAt: T0.toISOString(),
  version: 1,
});

type Answer = (request: DeliveryRequest, attempt: number) => DeliveryOutcome | Promise<DeliveryOutcome>;

/**
 * The outbox's dependencies around `store` (a fresh MemoryStore by default), the request's record
 * with a callback URL, and the tenant's settings (one secret) unless `settings` is null.
 * `answer` decides each send; `sent` lists what was sent.
 */
const world = (o: { store?: MemoryStore; settings?: TenantSettings | null; record?: Partial<ByobRecord>; random?: () => number } = {}) => {
  const store = o.store ?? new MemoryStore();
  const clock = testClock();
  const sent: DeliveryRequest[] = [];
  let answer: Answer = () => OK;
  const deps: OutboxDeps = {
    store,
    ids: sequentialIds(),
    clock: clock.now,
    random: o.random ?? (() => 0),
    sendWebhook: async (request) => {
      sent.push(request);
      return answer(request, sent.length - 1);
    },
  };
  store.seed(awaitingRecord({ callback: idleCallback, ...o.record }));
  const settings = o.settings === undefined ? settingsWith([{ secret: NEW_SECRET, createdAt: T0.toISOString() }]) : o.settings;
  if (settings) store.settings.set(TENANT, settings);
  const add = async (...items: OutboxItem[]) => {
    for (const item of items) await store.putOutbox(item);
  };
  const items = async () => Object.fromEntries((await store.outboxFor(TENANT, REQUEST_ID)).map((i) => [i.eventId, i])) as Record<string, OutboxItem>;
  return {
    deps,
    store,
    clock,
    sent,
    add,
    items,
    answer: (a: Answer) => void (answer = a),
    sentIds: () => sent.map((r) => r.id),
    record: () => store.current(TENANT, REQUEST_ID),
  };
};

describe('deliverPendingFor: order', () => {
  it("sends a request's due events in event-id order, whatever order the store returns them in", async () => {
    const w = world();
    await w.add(event(3), event(1), event(2));

    const sent = await deliverPendingFor(w.deps, TENANT, REQUEST_ID);

    expect(sent).toBe(3);
    expect(w.sentIds()).toEqual([evt(1), evt(2), evt(3)]);
    expect(Object.values(await w.items()).map((i) => [i.status, i.attempts, i.lastAttemptAt])).toEqual([
      ['delivered', 1, T0.toISOString()],
      ['delivered', 1, T0.toISOString()],
      ['delivered', 1, T0.toISOString()],
    ]);
  });

  it('an undelivered earlier event holds back later ones until its retry, then they follow it in order', async () => {
    const w = world();
    await w.add(event(1), event(2), event(3));
    w.answer((r, n) => (r.id === evt(1) && n === 0 ? HTTP_500 : OK));

    expect(await deliverPendingFor(w.deps, TENANT, REQUEST_ID)).toBe(1);
    const held = await w.items();
    expect(held[evt(1)]).toMatchObject({ status: 'pending', attempts: 1, nextAttemptAt: iso(15 * SECOND), lastError: 'HTTP 500' });
    expect(held[evt(2)]).toMatchObject({ status: 'pending', attempts: 0, nextAttemptAt: iso(15 * SECOND) });
    expect(held[evt(3)]).toMatchObject({ status: 'pending', attempts: 0, nextAttemptAt: iso(15 * SECOND) });

    w.clock.set(at(10 * SECOND));
    expect(await deliverPendingFor(w.deps, TENANT, REQUEST_ID)).toBe(0);

    w.clock.set(at(15 * SECOND));
    expect(await deliverPendingFor(w.deps, TENANT, REQUEST_ID)).toBe(3);
    expect(w.sentIds()).toEqual([evt(1), evt(1), evt(2), evt(3)]);
    expect(Object.values(await w.items()).every((i) => i.status === 'delivered')).toBe(true);
  });

  it('an earlier event waiting for its retry holds back a later one that is due, and never brings a later schedule forward', async () => {
    const w = world();
    await w.add(
      event(1, { attempts: 1, nextAttemptAt: iso(60 * SECOND), lastError: 'HTTP 500' }),
      event(2),
      event(3, { nextAttemptAt: iso(2 * 60 * SECOND) }),
    );

    expect(await deliverPendingFor(w.deps, TENANT, REQUEST_ID)).toBe(0);

    expect(w.sent).toEqual([]);
    const items = await w.items();
    expect(items[evt(2)]?.nextAttemptAt).toBe(iso(60 * SECOND));
    expect(items[evt(3)]?.nextAttemptAt).toBe(iso(2 * 60 * SECOND));
  });

  it('a dead or delivered earlier event holds nothing back', async () => {
    const w = world();
    await w.add(
      event(1, { status: 'dead', attempts: 25, nextAttemptAt: null, lastError: 'HTTP 500; gave up after 25 attempts' }),
      event(2, { status: 'delivered', attempts: 1, nextAttemptAt: null }),
      event(3),
    );

    expect(await deliverPendingFor(w.deps, TENANT, REQUEST_ID)).toBe(1);

    expect(w.sentIds()).toEqual([evt(3)]);
  });

  it('sends nothing for a request without a callback URL', async () => {
    const w = world({ record: { callback: null } });
    await w.add(event(1));

    expect(await deliverPendingFor(w.deps, TENANT, REQUEST_ID)).toBe(0);

    expect(w.sent).toEqual([]);
    expect((await w.items())[evt(1)]).toEqual(event(1));
  });

  it('with nothing due it sends nothing, writes no summary and creates no settings', async () => {
    const w = world({ settings: null });
    await w.add(event(1, { nextAttemptAt: iso(HOUR) }));
    const before = w.record();

    expect(await deliverPendingFor(w.deps, TENANT, REQUEST_ID)).toBe(0);

    expect(w.sent).toEqual([]);
    expect(w.record()).toEqual(before);
    expect(w.store.settings.size).toBe(0);
  });
});

describe('deliverPendingFor: 410 Gone', () => {
  it('closes every remaining event of the request without sending it', async () => {
    const w = world();
    await w.add(event(1), event(2), event(3));
    w.answer((r) => (r.id === evt(1) ? GONE : OK));

    expect(await deliverPendingFor(w.deps, TENANT, REQUEST_ID)).toBe(1);

    expect(w.sentIds()).toEqual([evt(1)]);
    const items = await w.items();
    expect(items[evt(1)]).toMatchObject({ status: 'gone', attempts: 1, nextAttemptAt: null, lastError: expect.stringMatching(/410 Gone/) });
    for (const later of [evt(2), evt(3)]) {
      expect(items[later]).toMatchObject({ status: 'gone', attempts: 0, nextAttemptAt: null, lastError: expect.stringMatching(/not sent: .*410 Gone.*redeliver/) });
    }
    expect(w.record().callback).toMatchObject({ status: 'gone', attempts: 1, nextAttemptAt: null });
  });

  it('closes events raised after the 410 too, until redeliver sends every one of them in order with its own id', async () => {
    const w = world();
    await w.add(event(1), event(2));
    w.answer(() => GONE);
    await deliverPendingFor(w.deps, TENANT, REQUEST_ID);

    w.clock.set(at(HOUR));
    await w.add(event(3, { occurredAt: iso(HOUR), nextAttemptAt: iso(HOUR) }));
    w.answer(() => OK);
    expect(await deliverPendingFor(w.deps, TENANT, REQUEST_ID)).toBe(0);
    expect((await w.items())[evt(3)]).toMatchObject({ status: 'gone', attempts: 0 });
    expect(w.sentIds()).toEqual([evt(1)]);

    expect(await redeliver(w.deps, TENANT, REQUEST_ID)).toBe(3);

    expect(w.sentIds()).toEqual([evt(1), evt(1), evt(2), evt(3)]);
    expect(Object.values(await w.items()).map((i) => i.status)).toEqual(['delivered', 'delivered', 'delivered']);
    expect(w.record().callback?.status).toBe('delivered');
  });
});

describe('deliverPendingFor: refusals', () => {
  it('a callback URL the policy forbids is dead at once, and no longer holds later events back', async () => {
    const w = world();
    await w.add(event(1), event(2));
    w.answer((r) => (r.id === evt(1) ? { kind: 'refused', reason: 'the host is a private address', permanent: true } : OK));

    expect(await deliverPendingFor(w.deps, TENANT, REQUEST_ID)).toBe(2);

    const items = await w.items();
    expect(items[evt(1)]).toMatchObject({
      status: 'dead',
      attempts: 1,
      nextAttemptAt: null,
      lastError: 'refused: the host is a private address; not retried (the callbackUrl is not allowed)',
    });
    expect(items[evt(2)]?.status).toBe('delivered');
  });

  it('an address refusal, which a DNS change may clear, is retried with back-off', async () => {
    const w = world();
    await w.add(event(1));
    w.answer(() => ({ kind: 'refused', reason: 'hooks.example.com resolves to 10.0.0.1', permanent: false }));

    await deliverPendingFor(w.deps, TENANT, REQUEST_ID);

    expect((await w.items())[evt(1)]).toMatchObject({
      status: 'pending',
      attempts: 1,
      nextAttemptAt: iso(15 * SECOND),
      lastError: 'refused: hooks.example.com resolves to 10.0.0.1',
    });
  });
});

describe('deliverPendingFor: back-off', () => {
  it('reschedules each failure on the back-off schedule, counting attempts', async () => {
    const w = world();
    await w.add(event(1));
    w.answer(() => HTTP_500);
    const schedule: Array<string | null> = [];

    for (const t of [0, 15 * SECOND, 45 * SECOND]) {
      w.clock.set(at(t));
      await deliverPendingFor(w.deps, TENANT, REQUEST_ID);
      schedule.push((await w.items())[evt(1)]!.nextAttemptAt);
    }

    expect(schedule).toEqual([iso(15 * SECOND), iso(45 * SECOND), iso(105 * SECOND)]);
    expect((await w.items())[evt(1)]?.attempts).toBe(3);
  });

  it('draws the jitter from the injected random source', async () => {
    const w = world({ random: () => 1 });
    await w.add(event(1));
    w.answer(() => HTTP_500);

    await deliverPendingFor(w.deps, TENANT, REQUEST_ID);

    expect((await w.items())[evt(1)]?.nextAttemptAt).toBe(iso(30 * SECOND));
  });

  it.each([
    ['a longer Retry-After is honoured', 120 * SECOND, 120 * SECOND],
    ['a shorter Retry-After leaves the back-off', 1 * SECOND, 15 * SECOND],
  ])('%s', async (_name, retryAfterMs, wait) => {
    const w = world();
    await w.add(event(1));
    w.answer(() => ({ kind: 'failed', status: 503, error: 'HTTP 503', retryAfterMs }));

    await deliverPendingFor(w.deps, TENANT, REQUEST_ID);

    expect((await w.items())[evt(1)]?.nextAttemptAt).toBe(iso(wait));
  });

  it('gives up once the event is three days old: dead, saying after how many attempts', async () => {
    const w = world();
    await w.add(event(1, { attempts: 24, nextAttemptAt: iso(3 * DAY - SECOND) }), event(2, { nextAttemptAt: iso(3 * DAY - SECOND) }));
    w.answer((r) => (r.id === evt(1) ? { kind: 'failed', status: 503, error: 'HTTP 503' } : OK));

    w.clock.set(at(3 * DAY - SECOND));
    await deliverPendingFor(w.deps, TENANT, REQUEST_ID);
    const lastRetry = (await w.items())[evt(1)]!;
    expect(lastRetry).toMatchObject({ status: 'pending', attempts: 25 });

    w.clock.set(new Date(lastRetry.nextAttemptAt!));
    expect(Date.parse(lastRetry.nextAttemptAt!)).toBeGreaterThanOrEqual(at(3 * DAY).getTime());
    await deliverPendingFor(w.deps, TENANT, REQUEST_ID);

    const items = await w.items();
    expect(items[evt(1)]).toMatchObject({ status: 'dead', attempts: 26, nextAttemptAt: null, lastError: 'HTTP 503; gave up after 26 attempts' });
    // The dead event releases the one it held back, in the same run.
    expect(items[evt(2)]?.status).toBe('delivered');
    expect(w.record().callback?.status).toBe('failed');
  });
});

describe('deliverPendingFor: webhook-id and signing secrets', () => {
  it('every attempt of an event carries its event id and exact body, signed at the time of sending', async () => {
    const w = world();
    await w.add(event(1));
    w.answer((_r, n) => (n < 2 ? HTTP_500 : OK));

    for (const t of [0, 15 * SECOND, 45 * SECOND]) {
      w.clock.set(at(t));
      await deliverPendingFor(w.deps, TENANT, REQUEST_ID);
    }

    expect(w.sent.map((r) => [r.id, r.type, r.url, r.body, r.timestamp?.toISOString()])).toEqual([
      [evt(1), 'byob.status_changed', HOOK_URL, event(1).body, iso(0)],
      [evt(1), 'byob.status_changed', HOOK_URL, event(1).body, iso(15 * SECOND)],
      [evt(1), 'byob.status_changed', HOOK_URL, event(1).body, iso(45 * SECOND)],
    ]);
    expect((await w.items())[evt(1)]?.status).toBe('delivered');
  });

  it('signs with the newest secret and, for 24 h after a rotation, the rotated-out one too', async () => {
    const rotatedAt = T0.toISOString();
    const w = world({
      settings: settingsWith([
        { secret: NEW_SECRET, createdAt: rotatedAt },
        { secret: OLD_SECRET, createdAt: iso(-30 * DAY) },
      ]),
    });
    await w.add(event(1, { nextAttemptAt: iso(23 * HOUR) }), event(2, { nextAttemptAt: iso(24 * HOUR) }));

    w.clock.set(at(23 * HOUR));
    await deliverPendingFor(w.deps, TENANT, REQUEST_ID);
    w.clock.set(at(24 * HOUR));
    await deliverPendingFor(w.deps, TENANT, REQUEST_ID);

    expect(w.sent.map((r) => [r.id, r.secrets])).toEqual([
      [evt(1), [NEW_SECRET, OLD_SECRET]],
      [evt(2), [NEW_SECRET]],
    ]);
  });

  it('a tenant without settings gets a generated secret, kept for the next delivery', async () => {
    const w = world({ settings: null });
    await w.add(event(1), event(2, { nextAttemptAt: iso(HOUR) }));

    await deliverPendingFor(w.deps, TENANT, REQUEST_ID);
    w.clock.set(at(HOUR));
    await deliverPendingFor(w.deps, TENANT, REQUEST_ID);

    const stored = w.store.settings.get(TENANT)?.webhookSecrets.map((s) => s.secret);
    expect(stored).toEqual([expect.stringMatching(/^whsec_/)]);
    expect(w.sent.map((r) => r.secrets)).toEqual([stored, stored]);
  });
});

describe('callbackSummary', () => {
  const attempted = (n: number, status: OutboxItem['status'], lastAttemptAt: string, over: Partial<OutboxItem> = {}) =>
    event(n, { status, attempts: 1, lastAttemptAt, nextAttemptAt: null, ...over });

  it('is idle with no events', () => {
    expect(callbackSummary(HOOK_URL, [])).toEqual(idleCallback);
  });

  it.each<[string, OutboxItem['status'][], CallbackState['status']]>([
    ['delivered when every event was', ['delivered', 'delivered'], 'delivered'],
    ['pending while any event is, even beside a dead one', ['dead', 'pending', 'delivered'], 'pending'],
    ['failed when an event is dead and none pending', ['delivered', 'dead'], 'failed'],
    ['gone when any event is, whatever the others', ['gone', 'pending', 'dead'], 'gone'],
  ])('is %s', (_name, statuses, expected) => {
    const items = statuses.map((s, i) => attempted(i + 1, s, iso(i * SECOND), s === 'pending' ? { nextAttemptAt: iso(HOUR) } : {}));
    expect(callbackSummary(HOOK_URL, items).status).toBe(expected);
  });

  it('sums attempts, reports the latest attempt and its error, and the earliest next attempt', () => {
    const items = [
      attempted(1, 'pending', iso(5 * SECOND), { attempts: 3, lastError: 'HTTP 502', nextAttemptAt: iso(HOUR) }),
      attempted(2, 'pending', iso(9 * SECOND), { attempts: 2, lastError: 'timed out after 10000 ms', nextAttemptAt: iso(2 * HOUR) }),
      attempted(3, 'delivered', iso(1 * SECOND)),
      event(4, { nextAttemptAt: iso(30 * SECOND) }),
    ];

    expect(callbackSummary(HOOK_URL, items)).toEqual({
      url: HOOK_URL,
      status: 'pending',
      attempts: 6,
      lastAttemptAt: iso(9 * SECOND),
      lastError: 'timed out after 10000 ms',
      nextAttemptAt: iso(30 * SECOND),
    });
  });
});

describe('deliverPendingFor: the summary on the record', () => {
  it('writes the callback summary onto the record, leaving its status alone', async () => {
    const w = world();
    await w.add(event(1));
    w.answer(() => HTTP_500);
    const before = w.record();
    w.clock.set(at(2 * SECOND));

    await deliverPendingFor(w.deps, TENANT, REQUEST_ID);

    const after = w.record();
    expect(after.callback).toEqual({
      url: HOOK_URL,
      status: 'pending',
      attempts: 1,
      lastAttemptAt: iso(2 * SECOND),
      lastError: 'HTTP 500',
      nextAttemptAt: iso(17 * SECOND),
    });
    expect(after).toMatchObject({ status: before.status, version: before.version + 1, updatedAt: iso(2 * SECOND) });
    expect(w.store.commits).toEqual([]);
  });

  it('reads the outbox afresh for it, so an event raised during the run is counted', async () => {
    const w = world();
    await w.add(event(1));
    w.answer(async () => {
      await w.add(event(2, { nextAttemptAt: iso(HOUR) }));
      return OK;
    });

    await deliverPendingFor(w.deps, TENANT, REQUEST_ID);

    expect(w.sentIds()).toEqual([evt(1)]);
    expect(w.record().callback).toMatchObject({ status: 'pending', attempts: 1, nextAttemptAt: iso(HOUR) });
  });

  it('when another writer moves the record first, writes onto the fresh record and keeps that change', async () => {
    const store = new (class extends MemoryStore {
      raced = false;
      override async patch(record: ByobRecord, fields: Partial<ByobRecord>, now: string) {
        if (!this.raced) {
          this.raced = true;
          const current = this.current(record.tenant, record.id);
          this.seed({ ...current, tags: { owner: 'concurrent' }, version: current.version + 1 });
        }
        return super.patch(record, fields, now);
      }
    })();
    const w = world({ store });
    await w.add(event(1));

    await deliverPendingFor(w.deps, TENANT, REQUEST_ID);

    expect(w.record()).toMatchObject({ tags: { owner: 'concurrent' }, callback: { status: 'delivered', attempts: 1 } });
  });

  it('a summary that keeps losing races does not fail the delivery; any other store error does', async () => {
    let failure: Error = new StaleRecordError('moved');
    const store = new (class extends MemoryStore {
      override async patch(): Promise<ByobRecord> {
        throw failure;
      }
    })();
    const w = world({ store });
    await w.add(event(1), event(2, { nextAttemptAt: iso(HOUR) }));

    await expect(deliverPendingFor(w.deps, TENANT, REQUEST_ID)).resolves.toBe(1);
    expect((await w.items())[evt(1)]?.status).toBe('delivered');

    failure = new Error('table unavailable');
    w.clock.set(at(HOUR));
    await expect(deliverPendingFor(w.deps, TENANT, REQUEST_ID)).rejects.toThrow('table unavailable');
    expect((await w.items())[evt(2)]?.status).toBe('delivered');
  });
});

/** A memory store that records whose outbox was read, to count delivery runs per request. */
class ReadCountingStore extends MemoryStore {
  readonly reads: string[] = [];
  override async outboxFor(tenant: string, requestId: string): Promise<OutboxItem[]> {
    this.reads.push(requestId);
    return super.outboxFor(tenant, requestId);
  }
}

const OTHER_ID = 'byob_01JQC00000000000000000OTHR';
const THIRD_ID = 'byob_01JQC00000000000000000THRD';

describe('deliverDue', () => {
  it('delivers every due event of every request, taking each request once however many events it has due', async () => {
    const store = new ReadCountingStore();
    const w = world({ store });
    store.seed(awaitingRecord({ id: OTHER_ID, callback: idleCallback }));
    await w.add(event(1), event(2), event(3, { requestId: OTHER_ID }), event(4, { nextAttemptAt: iso(HOUR) }));

    expect(await deliverDue(w.deps)).toBe(3);

    expect(w.sentIds()).toEqual([evt(1), evt(2), evt(3)]);
    expect(store.reads.filter((id) => id === REQUEST_ID)).toHaveLength(store.reads.filter((id) => id === OTHER_ID).length);
    expect((await w.items())[evt(4)]?.status).toBe('pending');
  });

  it('honours its limit: only the requests of the first `limit` due events are taken, each with all it has due', async () => {
    const w = world();
    for (const id of [OTHER_ID, THIRD_ID]) w.store.seed(awaitingRecord({ id, callback: idleCallback }));
    await w.add(event(1), event(2), event(3, { requestId: OTHER_ID }), event(4, { requestId: THIRD_ID }));

    expect(await deliverDue(w.deps, 1)).toBe(2);
    expect(w.sentIds()).toEqual([evt(1), evt(2)]);

    expect(await deliverDue(w.deps, 2)).toBe(2);
    expect(w.sentIds()).toEqual([evt(1), evt(2), evt(3), evt(4)]);
  });
});

describe('deliveryRun: when the request needs its next run', () => {
  it('answers null when everything was delivered', async () => {
    const w = world();
    await w.add(event(1), event(2));

    expect(await deliveryRun(w.deps, TENANT, REQUEST_ID)).toEqual({ sent: 2, nextAttemptAt: null });
  });

  it("answers the failed event's retry time, which the events behind it wait for too", async () => {
    const w = world();
    await w.add(event(1), event(2));
    w.answer(() => HTTP_500);

    expect(await deliveryRun(w.deps, TENANT, REQUEST_ID)).toEqual({ sent: 1, nextAttemptAt: iso(15 * SECOND) });
  });

  it('answers the earliest pending time without sending when nothing is due yet', async () => {
    const w = world();
    await w.add(event(1, { attempts: 1, nextAttemptAt: iso(HOUR) }), event(2, { nextAttemptAt: iso(2 * HOUR) }));

    expect(await deliveryRun(w.deps, TENANT, REQUEST_ID)).toEqual({ sent: 0, nextAttemptAt: iso(HOUR) });
    expect(w.sent).toEqual([]);
  });

  it('answers null once a 410 closed every event, and for a request without a callback', async () => {
    const w = world();
    await w.add(event(1), event(2));
    w.answer(() => GONE);

    expect(await deliveryRun(w.deps, TENANT, REQUEST_ID)).toEqual({ sent: 1, nextAttemptAt: null });
    const none = world({ record: { callback: null } });
    await none.add(event(1));
    expect(await deliveryRun(none.deps, TENANT, REQUEST_ID)).toEqual({ sent: 0, nextAttemptAt: null });
  });
});

describe('deliverDue with a delivery queue', () => {
  it('queues one run per request with due events, naming the due event as the cause, and sends nothing here', async () => {
    const w = world();
    w.store.seed(awaitingRecord({ id: OTHER_ID, callback: idleCallback }));
    await w.add(event(1), event(2), event(3, { requestId: OTHER_ID }), event(4, { requestId: THIRD_ID, nextAttemptAt: iso(HOUR) }));
    const queued: DeliveryRun[][] = [];
    const deps: OutboxDeps = { ...w.deps, deliveryQueue: { enqueue: async (runs) => void queued.push([...runs]) } };

    expect(await deliverDue(deps)).toBe(0);

    expect(w.sent).toEqual([]);
    expect(queued).toEqual([
      [
        { tenant: TENANT, requestId: REQUEST_ID, cause: `due ${evt(1)} ${T0.toISOString()}` },
        { tenant: TENANT, requestId: OTHER_ID, cause: `due ${evt(3)} ${T0.toISOString()}` },
      ],
    ]);
  });
});

describe('redeliver', () => {
  it('requeues every undelivered event now and sends them in order with their ids; delivered ones are not sent again', async () => {
    const w = world();
    await w.add(
      event(1, { status: 'delivered', attempts: 1, nextAttemptAt: null, lastAttemptAt: T0.toISOString() }),
      event(2, { status: 'dead', attempts: 26, nextAttemptAt: null, occurredAt: iso(-5 * DAY), lastError: 'HTTP 500; gave up after 26 attempts' }),
      event(3, { status: 'gone', attempts: 0, nextAttemptAt: null, lastError: 'not sent' }),
      event(4, { attempts: 2, nextAttemptAt: iso(6 * HOUR) }),
    );
    w.clock.set(at(HOUR));

    expect(await redeliver(w.deps, TENANT, REQUEST_ID)).toBe(3);

    expect(w.sentIds()).toEqual([evt(2), evt(3), evt(4)]);
    const items = await w.items();
    expect(items[evt(1)]).toEqual(event(1, { status: 'delivered', attempts: 1, nextAttemptAt: null, lastAttemptAt: T0.toISOString() }));
    expect([items[evt(2)], items[evt(3)], items[evt(4)]].map((i) => [i?.status, i?.attempts, i?.lastError])).toEqual([
      ['delivered', 27, null],
      ['delivered', 1, null],
      ['delivered', 3, null],
    ]);
  });

  it('gives a requeued event a fresh three-day window: one that fails again is retried, not dead', async () => {
    const w = world();
    await w.add(event(1, { status: 'dead', attempts: 26, nextAttemptAt: null, occurredAt: iso(-5 * DAY) }));
    w.answer(() => HTTP_500);

    await redeliver(w.deps, TENANT, REQUEST_ID);

    expect((await w.items())[evt(1)]).toMatchObject({ status: 'pending', attempts: 27, occurredAt: T0.toISOString(), nextAttemptAt: expect.any(String) });
    expect(w.record().callback?.status).toBe('pending');
  });

  it('requeues but sends nothing for a request without a callback URL', async () => {
    const w = world({ record: { callback: null } });
    await w.add(event(1, { status: 'dead', attempts: 26, nextAttemptAt: null }));
    w.clock.set(at(HOUR));

    expect(await redeliver(w.deps, TENANT, REQUEST_ID)).toBe(0);

    expect(w.sent).toEqual([]);
    expect((await w.items())[evt(1)]).toMatchObject({ status: 'pending', nextAttemptAt: iso(HOUR) });
  });
});

describe('redeliverRequest (POST /byob/{id}/callbacks/redeliver)', () => {
  it('redelivers and answers the record as the attempts left it', async () => {
    const w = world();
    await w.add(event(1, { status: 'dead', attempts: 26, nextAttemptAt: null }));

    const out = await redeliverRequest(w.deps, TENANT, REQUEST_ID);

    expect(w.sentIds()).toEqual([evt(1)]);
    expect(out).toEqual(w.record());
    expect(out.callback?.status).toBe('delivered');
  });

  it('with an If-Match of the current version, claims it by a conditional write first; a stale one is a 412 and nothing is sent', async () => {
    const w = world();
    await w.add(event(1, { status: 'dead', attempts: 26, nextAttemptAt: null }));
    const version = w.record().version;

    await expect(redeliverRequest(w.deps, TENANT, REQUEST_ID, (v) => v === version - 1)).rejects.toBeInstanceOf(PreconditionFailedError);
    expect(w.sent).toEqual([]);
    expect(w.record().version).toBe(version);

    const out = await redeliverRequest(w.deps, TENANT, REQUEST_ID, (v) => v === version);
    expect(w.sentIds()).toEqual([evt(1)]);
    expect(out.version).toBeGreaterThan(version);
  });

  it('answers 404 for a request the tenant does not have', async () => {
    const w = world();

    await expect(redeliverRequest(w.deps, 'someone-else', REQUEST_ID)).rejects.toBeInstanceOf(NotFoundError);
  });
});

describe('closePending', () => {
  it('closes every event still waiting to be sent, and leaves the others as they are', async () => {
    const w = world();
    await w.add(event(1, { status: 'delivered', attempts: 1, nextAttemptAt: null }), event(2), event(3, { attempts: 2, nextAttemptAt: iso(HOUR) }));

    await closePending(w.deps, TENANT, REQUEST_ID, 'not sent: the callbackUrl was removed');

    const items = await w.items();
    expect(items[evt(1)]!.status).toBe('delivered');
    expect([items[evt(2)], items[evt(3)]].map((i) => [i?.status, i?.nextAttemptAt, i?.lastError])).toEqual([
      ['dead', null, 'not sent: the callbackUrl was removed'],
      ['dead', null, 'not sent: the callbackUrl was removed'],
    ]);
    expect(await w.deps.store.dueOutbox(iso(DAY), 10)).toEqual([]);
  });
});
