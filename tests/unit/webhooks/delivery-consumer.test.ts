import type { SQSRecord } from 'aws-lambda';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { logger } from '../../../lib/logger.js';
import type { OutboxItem } from '../../../lib/provisioning/store.js';
import { consumeDeliveries, type DeliveryWorkerDeps, failedRunRetrySeconds } from '../../../lib/webhooks/delivery-consumer.js';
import type { DeliveryOutcome, DeliveryRequest } from '../../../lib/webhooks/delivery.js';
import { sequentialIds, T0 } from '../../support/fakes.js';
import { MemoryStore } from '../../support/memory-store.js';
import { directRecord, idleCallback, outboxEvent } from '../../support/records.js';

// One SQS batch through the consumer, against the memory store and a scripted sendWebhook per
// callback URL; the queue is a fake that records which messages were kept for a retry and when.
// `random` is 0, so a first failure's retry is due 15 s later.
const ids = ['byob_01JQC0000000000000000000AA', 'byob_01JQC0000000000000000000BB', 'byob_01JQC0000000000000000000CC'];
const urlOf = (id: string) => `https://hooks.example.com/${id}`;

const OK: DeliveryOutcome = { kind: 'delivered', status: 204 };
const HTTP_503: DeliveryOutcome = { kind: 'failed', status: 503, error: 'HTTP 503' };

const pending = (requestId: string, n: number): OutboxItem =>
  outboxEvent({ requestId, eventId: `evt_${requestId.slice(-2)}${n}`, body: JSON.stringify({ n }) });

let n = 0;
const message = (body: unknown): SQSRecord =>
  ({ messageId: `m${++n}`, receiptHandle: `receipt-m${n}`, body: typeof body === 'string' ? body : JSON.stringify(body), attributes: {}, messageAttributes: {} }) as unknown as SQSRecord;
const runOf = (requestId: string) => message({ tenant: 'acme', requestId });

const world = () => {
  const store = new MemoryStore();
  const sent: DeliveryRequest[] = [];
  const answers = new Map<string, (r: DeliveryRequest) => Promise<DeliveryOutcome>>();
  const kept: Array<{ receiptHandle: string; seconds: number }> = [];
  const deps: DeliveryWorkerDeps = {
    store,
    ids: sequentialIds(),
    clock: () => T0,
    random: () => 0,
    sendWebhook: async (request) => {
      sent.push(request);
      return (answers.get(request.url) ?? (async () => OK))(request);
    },
    deliveryQueue: {
      enqueue: async () => undefined,
      retryIn: async (receiptHandle, seconds) => void kept.push({ receiptHandle, seconds }),
    },
  };
  const request = async (id: string, events = 1) => {
    store.seed(directRecord({ id, team: id.slice(-2).toLowerCase(), activeKey: `team#${id}`, callback: idleCallback(urlOf(id)) }));
    for (let i = 1; i <= events; i++) await store.putOutbox(pending(id, i));
  };
  return { store, sent, answers, kept, deps, request };
};

beforeEach(() => {
  vi.spyOn(logger, 'error').mockImplementation(() => undefined);
});
afterEach(() => vi.restoreAllMocks());

describe('consumeDeliveries', () => {
  it("sends a request's due events in order and finishes its message", async () => {
    const w = world();
    await w.request(ids[0]!, 2);

    const out = await consumeDeliveries(w.deps, [runOf(ids[0]!)]);

    expect(out).toEqual({ batchItemFailures: [] });
    expect(w.sent.map((s) => s.id)).toEqual(['evt_AA1', 'evt_AA2']);
    expect(w.kept).toEqual([]);
  });

  it('keeps the message of a request left waiting for a retry, visible again when the retry is due', async () => {
    const w = world();
    await w.request(ids[0]!, 2);
    w.answers.set(urlOf(ids[0]!), async () => HTTP_503);
    const m = runOf(ids[0]!);

    const out = await consumeDeliveries(w.deps, [m]);

    expect(out).toEqual({ batchItemFailures: [{ itemIdentifier: m.messageId }] });
    expect(w.kept).toEqual([{ receiptHandle: m.receiptHandle, seconds: 15 }]);
    expect(w.sent.map((s) => s.id)).toEqual(['evt_AA1']);
  });

  it('runs every request of the batch at once: a receiver that hangs holds only its own message', async () => {
    const w = world();
    for (const id of ids) await w.request(id);
    let release!: (o: DeliveryOutcome) => void;
    w.answers.set(urlOf(ids[0]!), () => new Promise((resolve) => (release = resolve)));
    const batch = ids.map(runOf);

    const out = consumeDeliveries(w.deps, batch);
    await vi.waitFor(() => expect(w.sent.map((s) => s.url).sort()).toEqual(ids.map(urlOf).sort()));
    const others = await Promise.all(ids.slice(1).map(async (id) => (await w.store.outboxFor('acme', id))[0]!.status));
    release(HTTP_503);

    expect(others).toEqual(['delivered', 'delivered']);
    expect((await out).batchItemFailures).toEqual([{ itemIdentifier: batch[0]!.messageId }]);
  });

  it("gives a request named twice in a batch one run: the first message carries a retry, the second is done", async () => {
    const w = world();
    await w.request(ids[0]!);
    w.answers.set(urlOf(ids[0]!), async () => HTTP_503);
    const [first, second] = [runOf(ids[0]!), runOf(ids[0]!)];

    const out = await consumeDeliveries(w.deps, [first!, second!]);

    expect(w.sent).toHaveLength(1);
    expect(out.batchItemFailures).toEqual([{ itemIdentifier: first!.messageId }]);
  });

  it('finishes a message whose request has nothing pending (already delivered, or no callback)', async () => {
    const w = world();
    await w.request(ids[0]!);
    await consumeDeliveries(w.deps, [runOf(ids[0]!)]);
    w.store.seed(directRecord({ id: ids[1], activeKey: 'team#x', callback: null }));

    const out = await consumeDeliveries(w.deps, [runOf(ids[0]!), runOf(ids[1]!)]);

    expect(out.batchItemFailures).toEqual([]);
    expect(w.sent).toHaveLength(1);
  });

  it('keeps every message of a run that failed (AWS down) for SQS to hand out again; other requests go on', async () => {
    const w = world();
    for (const id of ids.slice(0, 2)) await w.request(id);
    const outboxFor = w.store.outboxFor.bind(w.store);
    w.store.outboxFor = async (tenant, requestId) => {
      if (requestId === ids[0]) throw Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
      return outboxFor(tenant, requestId);
    };
    const [a1, a2, b] = [runOf(ids[0]!), runOf(ids[0]!), runOf(ids[1]!)];

    const out = await consumeDeliveries(w.deps, [a1!, b!, a2!]);

    expect(out.batchItemFailures).toEqual([{ itemIdentifier: a1!.messageId }, { itemIdentifier: a2!.messageId }]);
    expect(w.sent.map((s) => s.url)).toEqual([urlOf(ids[1]!)]);
  });

  it('tries a run AWS cut off again soon, backing off with each receive; any other failure waits the visibility timeout', async () => {
    const w = world();
    await w.request(ids[0]!);
    await w.request(ids[1]!);
    const outboxFor = w.store.outboxFor.bind(w.store);
    w.store.outboxFor = async (tenant, requestId) => {
      if (requestId === ids[0]) throw Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException', $fault: 'client', $metadata: { httpStatusCode: 400 } });
      if (requestId === ids[1]) throw new TypeError('a bug');
      return outboxFor(tenant, requestId);
    };
    const third = { ...runOf(ids[0]!), attributes: { ApproximateReceiveCount: '3' } } as unknown as SQSRecord;

    await consumeDeliveries(w.deps, [third, runOf(ids[1]!)]);

    expect(w.kept).toEqual([{ receiptHandle: third.receiptHandle, seconds: 20 }]);
    expect([1, 2, 3, 6, 7, 60].map(failedRunRetrySeconds)).toEqual([5, 10, 20, 160, 300, 300]);
  });

  it('keeps a message that names no request, so the redrive policy takes it to the dead-letter queue', async () => {
    const w = world();
    const bad = message('{"not":"a run"}');

    const out = await consumeDeliveries(w.deps, [bad]);

    expect(out.batchItemFailures).toEqual([{ itemIdentifier: bad.messageId }]);
    expect(logger.error).toHaveBeenCalledWith('a delivery message that names no request', { messageId: bad.messageId });
  });

  it('brings a kept message back no sooner than a second later, even when its retry fell due during the run', async () => {
    const w = world();
    await w.request(ids[0]!);
    let now = T0;
    w.deps.clock = () => now;
    w.answers.set(urlOf(ids[0]!), async () => {
      now = new Date(T0.getTime() + 60_000);
      return HTTP_503;
    });

    await consumeDeliveries(w.deps, [runOf(ids[0]!)]);

    expect(w.kept.map((k) => k.seconds)).toEqual([1]);
  });
});
