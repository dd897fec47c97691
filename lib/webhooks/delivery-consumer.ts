import type { SQSBatchResponse, SQSRecord } from 'aws-lambda';
import { isDependencyFailure } from '../aws/dependency-failure.js';
import { logger } from '../logger.js';
import { type DeliveryQueue, parseDeliveryMessage } from './delivery-queue.js';
import { deliveryRun, type OutboxDeps } from './outbox.js';

/** What the delivery function needs: the outbox and the queue its messages came from. */
export interface DeliveryWorkerDeps extends OutboxDeps {
  deliveryQueue: DeliveryQueue;
}

/** The soonest a kept message comes back: a due event written while its run was reading is not run hot. */
const MIN_RETRY_SECONDS = 1;

/**
 * When a run cut off by AWS (time-out, throttling, 5xx) is tried again: 5 s after its first receive,
 * doubling with each receive up to 5 min, rather than the queue's whole visibility timeout. Other
 * failures wait that timeout; either way the redrive policy ends a message in the dead-letter queue.
 */
export const failedRunRetrySeconds = (receiveCount: number): number => Math.min(300, 5 * 2 ** Math.max(0, Math.min(receiveCount - 1, 10)));

/**
 * Handles one batch from the delivery queue (SQS event source, ReportBatchItemFailures). Each request
 * named in the batch gets one delivery run, all of them at once, so a receiver that hangs holds only
 * its own request's message for its attempt's timeout. Of a request's messages, the first carries on:
 * when an event is left waiting for a retry, that message is kept and comes back when the retry is due;
 * the others are done. A run that fails keeps every message of its request for SQS to hand out again
 * (soon when AWS cut it off: failedRunRetrySeconds; otherwise after the visibility timeout); a message
 * that names no request is kept too, until the queue's redrive policy moves it to the dead-letter queue.
 */
export const consumeDeliveries = async (deps: DeliveryWorkerDeps, records: readonly SQSRecord[]): Promise<SQSBatchResponse> => {
  const kept: string[] = [];
  const runs = new Map<string, { tenant: string; requestId: string; messages: SQSRecord[] }>();
  for (const r of records) {
    const run = parseDeliveryMessage(r.body);
    if (!run) {
      logger.error('a delivery message that names no request', { messageId: r.messageId });
      kept.push(r.messageId);
      continue;
    }
    const key = `${run.tenant}\n${run.requestId}`;
    const entry = runs.get(key) ?? { ...run, messages: [] };
    entry.messages.push(r);
    runs.set(key, entry);
  }
  await Promise.all(
    [...runs.values()].map(async ({ tenant, requestId, messages }) => {
      try {
        const { nextAttemptAt } = await deliveryRun(deps, tenant, requestId);
        if (nextAttemptAt === null) return;
        const first = messages[0]!;
        const seconds = Math.max(MIN_RETRY_SECONDS, (Date.parse(nextAttemptAt) - deps.clock().getTime()) / 1000);
        await deps.deliveryQueue.retryIn(first.receiptHandle, seconds);
        kept.push(first.messageId);
      } catch (error) {
        logger.error('delivery run failed; its messages come back later', { requestId, error: error as Error });
        kept.push(...messages.map((m) => m.messageId));
        if (!isDependencyFailure(error)) return;
        await Promise.all(
          messages.map((m) =>
            deps.deliveryQueue
              .retryIn(m.receiptHandle, failedRunRetrySeconds(Number(m.attributes.ApproximateReceiveCount) || 1))
              .catch(() => undefined),
          ),
        );
      }
    }),
  );
  return { batchItemFailures: kept.map((itemIdentifier) => ({ itemIdentifier })) };
};
