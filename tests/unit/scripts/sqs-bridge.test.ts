import { DeleteMessageBatchCommand, type Message, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { SQSEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-vitest/extend';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { sqsRecordOf, startSqsBridge } from '../../../scripts/sqs-bridge.js';

// The local event source mapping against a scripted SQS: what it hands the function, and what it
// deletes afterwards.
const sqsMock = mockClient(SQSClient);
afterEach(() => sqsMock.reset());

const QUEUE_URL = 'http://127.0.0.1:4566/123456789012/byob-local-deliveries.fifo';
const QUEUE_ARN = 'arn:aws:sqs:eu-west-1:123456789012:byob-local-deliveries.fifo';
const msg = (n: number, over: Partial<Message> = {}): Message => ({ MessageId: `m${n}`, ReceiptHandle: `r${n}`, Body: `{"n":${n}}`, MD5OfBody: 'md5', ...over });

const bridge = (invoke: (e: SQSEvent) => Promise<unknown>, maximumConcurrency = 2) =>
  startSqsBridge({ sqs: new SQSClient({ region: 'eu-west-1' }), queueUrl: QUEUE_URL, queueArn: QUEUE_ARN, region: 'eu-west-1', batchSize: 10, maximumConcurrency, invoke });

const deleted = () => sqsMock.commandCalls(DeleteMessageBatchCommand).flatMap((c) => c.args[0].input.Entries!.map((e) => e.ReceiptHandle));

describe('startSqsBridge', () => {
  it('hands a batch over in the Lambda SQS event shape and deletes all of it when the function answers no failures', async () => {
    sqsMock.on(ReceiveMessageCommand).resolvesOnce({ Messages: [msg(1, { Attributes: { MessageGroupId: 'byob_1', ApproximateReceiveCount: '3' } }), msg(2)] }).resolves({});
    sqsMock.on(DeleteMessageBatchCommand).resolves({});
    const events: SQSEvent[] = [];

    const b = bridge(async (e) => {
      events.push(e);
      return { batchItemFailures: [] };
    });
    await vi.waitFor(() => expect(deleted()).toEqual(['r1', 'r2']));
    await b.stop();

    expect(events).toHaveLength(1);
    expect(events[0]!.Records[0]).toMatchObject({
      messageId: 'm1',
      receiptHandle: 'r1',
      body: '{"n":1}',
      eventSource: 'aws:sqs',
      eventSourceARN: QUEUE_ARN,
      awsRegion: 'eu-west-1',
      attributes: { MessageGroupId: 'byob_1', ApproximateReceiveCount: '3' },
    });
    expect(sqsMock).toHaveReceivedCommandWith(ReceiveMessageCommand, { QueueUrl: QUEUE_URL, MaxNumberOfMessages: 10, MessageSystemAttributeNames: ['All'] });
  });

  it('leaves the messages the function keeps (batchItemFailures) to come back after their visibility timeout', async () => {
    sqsMock.on(ReceiveMessageCommand).resolvesOnce({ Messages: [msg(1), msg(2), msg(3)] }).resolves({});
    sqsMock.on(DeleteMessageBatchCommand).resolves({});

    const b = bridge(async () => ({ batchItemFailures: [{ itemIdentifier: 'm2' }] }));
    await vi.waitFor(() => expect(deleted()).toEqual(['r1', 'r3']));
    await b.stop();
  });

  it('deletes nothing of a batch whose invocation failed, and tells about it', async () => {
    sqsMock.on(ReceiveMessageCommand).resolvesOnce({ Messages: [msg(1)] }).resolves({});
    const errors: Error[] = [];

    const b = startSqsBridge({
      sqs: new SQSClient({ region: 'eu-west-1' }),
      queueUrl: QUEUE_URL,
      queueArn: QUEUE_ARN,
      region: 'eu-west-1',
      batchSize: 10,
      maximumConcurrency: 1,
      invoke: async () => Promise.reject(new Error('invoke deliverWebhooks: 502')),
      onError: (e) => errors.push(e),
    });
    await vi.waitFor(() => expect(errors.map((e) => e.message)).toContain('invoke deliverWebhooks: 502'));
    await b.stop();

    expect(sqsMock).toHaveReceivedCommandTimes(DeleteMessageBatchCommand, 0);
  });

  it('has at most `maximumConcurrency` batches in flight; a slow one holds only its own slot', async () => {
    let n = 0;
    sqsMock.on(ReceiveMessageCommand).callsFake(async () => ({ Messages: n < 6 ? [msg(++n)] : [] }));
    sqsMock.on(DeleteMessageBatchCommand).resolves({});
    let inFlight = 0;
    let most = 0;
    let releaseSlow!: () => void;
    const slow = new Promise<void>((r) => (releaseSlow = r));

    const b = bridge(async (e) => {
      inFlight++;
      most = Math.max(most, inFlight);
      if (e.Records[0]!.messageId === 'm1') await slow;
      inFlight--;
      return { batchItemFailures: [] };
    }, 2);
    await vi.waitFor(() => expect(deleted()).toEqual(['r2', 'r3', 'r4', 'r5', 'r6']));
    releaseSlow();
    await vi.waitFor(() => expect(deleted()).toContain('r1'));
    await b.stop();

    expect(most).toBe(2);
  });

  it('sqsRecordOf fills the attributes Lambda always sends when the queue gave none', () => {
    const r = sqsRecordOf(msg(7), QUEUE_ARN, 'eu-west-1');

    expect(r.attributes.ApproximateReceiveCount).toBe('1');
    expect(r.md5OfBody).toBe('md5');
  });
});
