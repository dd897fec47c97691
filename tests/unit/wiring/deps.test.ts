import { SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-vitest/extend';
import { afterEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../../../lib/config.js';
import { makeDeps } from '../../../lib/wiring/deps.js';
import type { DeliveryRequest } from '../../../lib/webhooks/delivery.js';
import { localEnv } from '../../support/fakes.js';
import { MemoryStore } from '../../support/memory-store.js';
import { directRecord, idleCallback, outboxEvent, REQUEST_ID } from '../../support/records.js';

// Where a status change's webhooks go: with DELIVERY_QUEUE_URL a run on the queue, without it (tests,
// scripts) sent in the same call.
const sqsMock = mockClient(SQSClient);
afterEach(() => sqsMock.reset());

const QUEUE_URL = 'http://127.0.0.1:4566/123456789012/byob-local-deliveries.fifo';

describe('deliverNow', () => {
  it('queues a run for the request, named by the record version, when the deployment has a delivery queue', async () => {
    sqsMock.on(SendMessageBatchCommand).resolves({});
    const deps = makeDeps(parseConfig(localEnv({ DELIVERY_QUEUE_URL: QUEUE_URL })), { store: new MemoryStore() });

    await deps.deliverNow(directRecord({ version: 4 }));

    const entries = sqsMock.commandCalls(SendMessageBatchCommand)[0]!.args[0].input.Entries!;
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ MessageGroupId: REQUEST_ID, MessageBody: JSON.stringify({ tenant: 'acme', requestId: REQUEST_ID }) });
    expect(sqsMock.commandCalls(SendMessageBatchCommand)[0]!.args[0].input.QueueUrl).toBe(QUEUE_URL);
  });

  it('sends the due webhooks itself without one', async () => {
    const store = new MemoryStore();
    const record = store.seed(directRecord({ callback: idleCallback() }));
    await store.putOutbox(outboxEvent({ eventId: 'evt_1', occurredAt: record.updatedAt, nextAttemptAt: record.updatedAt }));
    const sent: DeliveryRequest[] = [];
    const deps = makeDeps(parseConfig(localEnv()), { store, sendWebhook: async (r) => (sent.push(r), { kind: 'delivered', status: 200 }), clock: () => new Date(record.updatedAt) });

    await deps.deliverNow(record);

    expect(sent.map((r) => r.id)).toEqual(['evt_1']);
    expect(deps.deliveryQueue).toBeUndefined();
    expect(sqsMock.calls()).toEqual([]);
  });
});
