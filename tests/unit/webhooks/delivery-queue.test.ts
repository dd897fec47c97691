import { createHash } from 'node:crypto';
import { ChangeMessageVisibilityCommand, SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-vitest/extend';
import { afterEach, describe, expect, it } from 'vitest';
import { MAX_VISIBILITY_SECONDS, parseDeliveryMessage, sqsDeliveryQueue } from '../../../lib/webhooks/delivery-queue.js';
import { RETRY_MAX_DELAY_MS } from '../../../lib/webhooks/backoff.js';
import { REQUEST_ID } from '../../support/records.js';

const sqsMock = mockClient(SQSClient);
afterEach(() => sqsMock.reset());

const QUEUE_URL = 'https://sqs.eu-west-1.amazonaws.com/123456789012/byob-prod-deliveries.fifo';
const queue = sqsDeliveryQueue(new SQSClient({ region: 'eu-west-1' }), QUEUE_URL);
const run = (n: number, cause = 'version 2') => ({ tenant: 'acme', requestId: `${REQUEST_ID.slice(0, -3)}${String(n).padStart(3, '0')}`, cause });
const sentBatches = () => sqsMock.commandCalls(SendMessageBatchCommand).map((c) => c.args[0].input);

describe('enqueue', () => {
  it('sends one message per run: the request as its body and as its FIFO group, a stable deduplication id', async () => {
    sqsMock.on(SendMessageBatchCommand).resolves({ Successful: [], Failed: [] });

    await queue.enqueue([run(1)]);

    const [batch] = sentBatches();
    expect(batch).toEqual({
      QueueUrl: QUEUE_URL,
      Entries: [
        {
          Id: '0',
          MessageBody: JSON.stringify({ tenant: 'acme', requestId: run(1).requestId }),
          MessageGroupId: run(1).requestId,
          MessageDeduplicationId: createHash('sha256').update(`acme\n${run(1).requestId}\nversion 2`).digest('hex'),
        },
      ],
    });
  });

  it('the same cause is the same message (a retried send adds no run); another cause is another', async () => {
    sqsMock.on(SendMessageBatchCommand).resolves({});

    await queue.enqueue([run(1), run(1), run(1, 'version 3')]);

    const ids = sentBatches()[0]!.Entries!.map((e) => e.MessageDeduplicationId);
    expect(ids[0]).toBe(ids[1]);
    expect(ids[2]).not.toBe(ids[0]);
  });

  it('sends at most 10 entries per batch (the SQS limit)', async () => {
    sqsMock.on(SendMessageBatchCommand).resolves({});

    await queue.enqueue(Array.from({ length: 23 }, (_, i) => run(i)));

    expect(sentBatches().map((b) => b.Entries!.length)).toEqual([10, 10, 3]);
  });

  it('fails when SQS refuses an entry, naming how many and why', async () => {
    sqsMock.on(SendMessageBatchCommand).resolves({ Failed: [{ Id: '1', Code: 'InternalError', SenderFault: false }] });

    await expect(queue.enqueue([run(1), run(2)])).rejects.toThrow('the delivery queue refused 1 of 2 runs: InternalError');
  });

  it('sends nothing for no runs', async () => {
    await queue.enqueue([]);

    expect(sqsMock).toHaveReceivedCommandTimes(SendMessageBatchCommand, 0);
  });
});

describe('retryIn', () => {
  it('makes the received message visible again when the retry is due, in whole seconds', async () => {
    sqsMock.on(ChangeMessageVisibilityCommand).resolves({});

    await queue.retryIn('receipt-1', 14.2);

    expect(sqsMock).toHaveReceivedCommandWith(ChangeMessageVisibilityCommand, { QueueUrl: QUEUE_URL, ReceiptHandle: 'receipt-1', VisibilityTimeout: 15 });
  });

  it("holds the back-off's longest wait, and is cut at SQS's 12 h", async () => {
    sqsMock.on(ChangeMessageVisibilityCommand).resolves({});

    await queue.retryIn('r', RETRY_MAX_DELAY_MS / 1000);
    await queue.retryIn('r', 13 * 3600);
    await queue.retryIn('r', -5);

    expect(sqsMock.commandCalls(ChangeMessageVisibilityCommand).map((c) => c.args[0].input.VisibilityTimeout)).toEqual([RETRY_MAX_DELAY_MS / 1000, MAX_VISIBILITY_SECONDS, 0]);
    expect(RETRY_MAX_DELAY_MS / 1000).toBeLessThanOrEqual(MAX_VISIBILITY_SECONDS);
  });
});

describe('parseDeliveryMessage', () => {
  it('reads the request a message names', () => {
    expect(parseDeliveryMessage(JSON.stringify({ tenant: 'acme', requestId: REQUEST_ID }))).toEqual({ tenant: 'acme', requestId: REQUEST_ID });
  });

  it.each([
    ['not JSON', 'hello'],
    ['JSON that is not an object', '"acme"'],
    ['no request id', JSON.stringify({ tenant: 'acme' })],
    ['a number for the tenant', JSON.stringify({ tenant: 7, requestId: REQUEST_ID })],
    ['an empty tenant', JSON.stringify({ tenant: '', requestId: REQUEST_ID })],
    ['a control character', JSON.stringify({ tenant: 'ac\nme', requestId: REQUEST_ID })],
  ])('answers null for %s', (_name, body) => {
    expect(parseDeliveryMessage(body)).toBeNull();
  });
});
