import { randomUUID } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ChangeMessageVisibilityCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterEach, beforeEach, describe, expect, inject, it, vi } from 'vitest';
import { logger } from '../../../lib/logger.js';
import type { ByobRecord } from '../../../lib/provisioning/record.js';
import { dynamoStore } from '../../../lib/provisioning/dynamo-store.js';
import { documentClientOf } from '../../../lib/aws/clients.js';
import { tenantSettings } from '../../../lib/tenants/settings.js';
import { transition } from '../../../lib/provisioning/transition.js';
import { deliverWebhook } from '../../../lib/webhooks/delivery.js';
import type { OutboxDeps } from '../../../lib/webhooks/outbox.js';
import { createDeliveryQueues, type LocalQueues } from '../../../scripts/local-aws.js';
import { type DeliveryWorker, startDeliveryWorker } from '../../support/delivery-worker.js';
import { startReceiver, type Receiver } from '../../support/receiver.js';
import { createRecord, outboxOf, useWebhookWorld } from './support.js';

// Webhook delivery through the emulator's SQS, as deployed: a status change queues a run on the FIFO
// delivery queue, the local event-source bridge hands batches to the delivery function's consumer
// (in this process), which sends for real to loopback receivers. The queue's visibility timeout is
// 2 s and its receive count 2 here, so failed runs reach the dead-letter queue in seconds. Back-off
// waits are real SQS visibility: a test that needs a retry now moves the injected clock and the
// kept message's visibility on together, as the schedule would after the wait.
const TENANT = 'tenant-queue';
const world = useWebhookWorld('queue');
const endpoint = () => inject('emulatorEndpoint');
const sqs = () => new SQSClient({ endpoint: endpoint(), region: 'eu-west-1', credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } });

let queues: LocalQueues;
let worker: DeliveryWorker | undefined;
const receivers: Receiver[] = [];

beforeEach(async () => {
  vi.spyOn(logger, 'error').mockImplementation(() => undefined);
  const name = `it-deliveries-${randomUUID().slice(0, 8)}`;
  queues = await createDeliveryQueues(endpoint(), 'eu-west-1', { deliveries: `${name}.fifo`, deadLetters: `${name}-dlq.fifo` }, { visibilityTimeoutSeconds: 2, maxReceiveCount: 2 });
});
afterEach(async () => {
  await worker?.stop();
  worker = undefined;
  await Promise.all(receivers.splice(0).map((r) => r.close()));
  vi.restoreAllMocks();
});

/** The worker over `deps` (the world's, by default): each attempt cut at 3 s rather than 10. */
const startWorker = (deps: OutboxDeps = world.deps) => {
  worker = startDeliveryWorker(endpoint(), queues, {
    ...deps,
    sendWebhook: (request) => deliverWebhook({ allowLoopback: true, clock: world.clock, timeoutMs: 3_000 }, request),
  });
  return worker;
};

/** A status change and its run on the queue, as deps.ts's deliverNow queues it. */
const change = async (record: ByobRecord, to: 'CREATING') => {
  world.clock.advance(1_000);
  const next = await transition(world.deps, record, to);
  await worker!.queue.enqueue([{ tenant: next.tenant, requestId: next.id, cause: `version ${next.version}` }]);
  return next;
};

const counts = async (url = queues.queueUrl) => {
  const a = (await sqs().send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }))).Attributes!;
  return { visible: Number(a.ApproximateNumberOfMessages), inFlight: Number(a.ApproximateNumberOfMessagesNotVisible) };
};

const secret = async () => (await tenantSettings(world.deps, TENANT)).webhookSecrets[0]!.secret;

describe('webhook delivery through the SQS queue, against the emulator', () => {
  it('a status change queues a run; the consumer sends the signed event and the message is gone', async () => {
    const w = startWorker();
    const r = await world.receive(await secret(), () => ({ status: 204 }));
    const record = await createRecord(world.store, world.clock, world.deps.ids, { tenant: TENANT, callbackUrl: `${r.url}/hooks` });

    await change(record, 'CREATING');

    await vi.waitFor(() => expect(r.received).toHaveLength(1), { timeout: 10_000 });
    await vi.waitFor(async () => expect(await counts()).toEqual({ visible: 0, inFlight: 0 }), { timeout: 10_000 });
    expect(r.received[0]!.verified).toBe('ok');
    expect(r.received[0]!.headers['webhook-id']).toBe((await outboxOf(world.store, record))[0]!.eventId);
    expect((await world.store.get(TENANT, record.id))!.callback).toMatchObject({ status: 'delivered', attempts: 1 });
    expect(w.kept).toEqual([]);
  });

  it('a failed attempt keeps the message until the back-off says; it comes back through the queue with the same webhook-id', async () => {
    const w = startWorker();
    const r = await world.receive(await secret(), (n) => ({ status: n === 0 ? 503 : 204 }));
    const record = await createRecord(world.store, world.clock, world.deps.ids, { tenant: TENANT, callbackUrl: `${r.url}/hooks` });

    await change(record, 'CREATING');

    await vi.waitFor(() => expect(w.kept).toHaveLength(1), { timeout: 10_000 });
    const [item] = await outboxOf(world.store, record);
    expect(item).toMatchObject({ status: 'pending', attempts: 1, lastError: 'HTTP 503' });
    expect(w.kept[0]!.seconds).toBe((Date.parse(item!.nextAttemptAt!) - world.clock().getTime()) / 1000);
    expect(await counts()).toEqual({ visible: 0, inFlight: 1 });

    world.clock.set(item!.nextAttemptAt!);
    await sqs().send(new ChangeMessageVisibilityCommand({ QueueUrl: queues.queueUrl, ReceiptHandle: w.kept[0]!.receiptHandle, VisibilityTimeout: 0 }));

    await vi.waitFor(() => expect(r.received).toHaveLength(2), { timeout: 10_000 });
    await vi.waitFor(async () => expect(await counts()).toEqual({ visible: 0, inFlight: 0 }), { timeout: 10_000 });
    expect(new Set(r.received.map((x) => x.headers['webhook-id']))).toEqual(new Set([item!.eventId]));
    expect(r.received.map((x) => x.verified)).toEqual(['ok', 'ok']);
    expect((await outboxOf(world.store, record))[0]).toMatchObject({ status: 'delivered', attempts: 2 });
  });

  it('one hanging receiver holds only its own message: another tenant is delivered meanwhile', async () => {
    startWorker();
    const hanging = await startReceiver({ reply: () => ({ status: 204, delayMs: 6_000 }) });
    const healthy = await startReceiver({ reply: () => ({ status: 204 }) });
    receivers.push(hanging, healthy);
    const slow = await createRecord(world.store, world.clock, world.deps.ids, { tenant: 'tenant-slow', callbackUrl: `${hanging.url}/hooks` });
    const fast = await createRecord(world.store, world.clock, world.deps.ids, { tenant: 'tenant-fast', callbackUrl: `${healthy.url}/hooks` });

    await change(slow, 'CREATING');
    await vi.waitFor(() => expect(hanging.received).toHaveLength(1), { timeout: 10_000 });
    const queuedAt = Date.now();
    await change(fast, 'CREATING');

    await vi.waitFor(() => expect(healthy.received).toHaveLength(1), { timeout: 10_000 });
    expect(Date.now() - queuedAt).toBeLessThan(2_000);
    expect((await outboxOf(world.store, slow))[0]!.attempts).toBe(0);
    await vi.waitFor(async () => expect((await outboxOf(world.store, slow))[0]).toMatchObject({ attempts: 1, lastError: 'timed out after 3000 ms' }), { timeout: 10_000 });
  });

  it('a run that keeps failing, and a message that names no request, end in the dead-letter queue', async () => {
    const missingTable = dynamoStore(documentClientOf(new DynamoDBClient({ endpoint: endpoint(), region: 'eu-west-1', credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } })), 'no-such-table');
    startWorker({ ...world.deps, store: missingTable });
    const record = await createRecord(world.store, world.clock, world.deps.ids, { tenant: TENANT, callbackUrl: 'http://127.0.0.1:9/hooks' });
    await worker!.queue.enqueue([{ tenant: TENANT, requestId: record.id, cause: 'version 1' }]);
    await sqs().send(new SendMessageCommand({ QueueUrl: queues.queueUrl, MessageBody: 'not a run', MessageGroupId: 'poison', MessageDeduplicationId: 'poison-1' }));

    const dead: string[] = [];
    await vi.waitFor(
      async () => {
        const out = await sqs().send(new ReceiveMessageCommand({ QueueUrl: queues.deadLetterQueueUrl, MaxNumberOfMessages: 10, VisibilityTimeout: 60 }));
        dead.push(...(out.Messages ?? []).map((m) => m.Body!));
        expect(dead.sort()).toEqual([JSON.stringify({ tenant: TENANT, requestId: record.id }), 'not a run'].sort());
      },
      { timeout: 30_000, interval: 500 },
    );
    expect(await counts()).toEqual({ visible: 0, inFlight: 0 });
  });
});
