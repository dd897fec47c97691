/**
 * The webhook delivery queue: an SQS FIFO queue whose messages each name one request whose due
 * webhooks should be sent (a "delivery run"). The message group is the request, so SQS hands out one
 * run per request at a time (its events stay in order, none is sent twice by two runs at once) while
 * runs for other requests go on in parallel. A run that leaves a failed event waiting keeps its message
 * and makes it visible again when the event's retry is due (ChangeMessageVisibility, ≤ 12 h: the
 * back-off's longest wait is 6 h), so retries come back through the queue on the schedule of backoff.ts.
 */
import { createHash } from 'node:crypto';
import { ChangeMessageVisibilityCommand, SendMessageBatchCommand, type SQSClient } from '@aws-sdk/client-sqs';

/** One request whose due webhooks a run should send. */
export interface DeliveryRun {
  tenant: string;
  requestId: string;
  /**
   * What asked for the run (a status change's record version, a due event): the same cause for the
   * same request within SQS's 5-minute window is one message, so a retried send adds no second run.
   */
  cause: string;
}

/** The delivery queue as producers (enqueue) and the delivery function (retryIn) use it. */
export interface DeliveryQueue {
  /** Queues one delivery run per entry. */
  enqueue(runs: readonly DeliveryRun[]): Promise<void>;
  /** Keeps a received message: it is handed out again in `seconds` (its request's next attempt). */
  retryIn(receiptHandle: string, seconds: number): Promise<void>;
}

/**
 * The delivery queue's settings, as serverless.yml declares them (tests/integration/core/package.test.ts
 * holds the two together); the local stack makes its queue in the emulator with the same.
 */
export const DELIVERY_QUEUE_SETTINGS = {
  /** 6 × the delivery function's timeout (60 s), as Lambda asks of an SQS event source; also the wait after a failed run. */
  visibilityTimeoutSeconds: 360,
  /** A message comes back once per retry of its request's oldest waiting event (≤ 34 in 3 days): room for 25 failed runs. */
  maxReceiveCount: 60,
  /** 14 days, SQS's longest: the 3 days of retries and the dead-letter queue's stay with room to spare. */
  retentionSeconds: 1_209_600,
} as const;

/** The longest a message can stay invisible (SQS's limit for ChangeMessageVisibility). */
export const MAX_VISIBILITY_SECONDS = 12 * 60 * 60;

/** SendMessageBatch takes at most this many entries. */
const BATCH = 10;

const FIELD = /^[\x21-\x7e]{1,256}$/;

/** The body of a delivery message: the request to run, or null when it names none (left for the dead-letter queue). */
export const parseDeliveryMessage = (body: string): Pick<DeliveryRun, 'tenant' | 'requestId'> | null => {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return null;
  }
  if (!parsed || typeof parsed !== 'object') return null;
  const { tenant, requestId } = parsed as Record<string, unknown>;
  return typeof tenant === 'string' && typeof requestId === 'string' && FIELD.test(tenant) && FIELD.test(requestId) ? { tenant, requestId } : null;
};

const deduplicationId = (run: DeliveryRun) => createHash('sha256').update(`${run.tenant}\n${run.requestId}\n${run.cause}`).digest('hex');

/** The delivery queue on SQS (`queueUrl` of a FIFO queue). */
export const sqsDeliveryQueue = (sqs: SQSClient, queueUrl: string): DeliveryQueue => ({
  async enqueue(runs) {
    for (let i = 0; i < runs.length; i += BATCH) {
      const chunk = runs.slice(i, i + BATCH);
      const out = await sqs.send(
        new SendMessageBatchCommand({
          QueueUrl: queueUrl,
          Entries: chunk.map((run, n) => ({
            Id: String(n),
            MessageBody: JSON.stringify({ tenant: run.tenant, requestId: run.requestId }),
            MessageGroupId: run.requestId,
            MessageDeduplicationId: deduplicationId(run),
          })),
        }),
      );
      const failed = out.Failed ?? [];
      if (failed.length) throw new Error(`the delivery queue refused ${failed.length} of ${chunk.length} runs: ${failed.map((f) => f.Code).join(', ')}`);
    }
  },
  async retryIn(receiptHandle, seconds) {
    const VisibilityTimeout = Math.min(MAX_VISIBILITY_SECONDS, Math.max(0, Math.ceil(seconds)));
    await sqs.send(new ChangeMessageVisibilityCommand({ QueueUrl: queueUrl, ReceiptHandle: receiptHandle, VisibilityTimeout }));
  },
});
