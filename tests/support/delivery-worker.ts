import { SQSClient } from '@aws-sdk/client-sqs';
import { consumeDeliveries, type DeliveryWorkerDeps } from '../../lib/webhooks/delivery-consumer.js';
import { type DeliveryQueue, sqsDeliveryQueue } from '../../lib/webhooks/delivery-queue.js';
import type { OutboxDeps } from '../../lib/webhooks/outbox.js';
import type { LocalQueues } from '../../scripts/local-aws.js';
import { startSqsBridge } from '../../scripts/sqs-bridge.js';

/** A delivery worker in this process: the local SQS bridge handing batches to consumeDeliveries. */
export interface DeliveryWorker {
  /** The queue as the producers and the consumer use it. */
  queue: DeliveryQueue;
  /** Every message the consumer kept for a retry, with the delay it asked for. */
  kept: Array<{ receiptHandle: string; seconds: number }>;
  stop(): Promise<void>;
}

/**
 * Starts the delivery function's path against the emulator's queue, in this process: the bridge polls
 * `queues` (as the event source mapping would) and `consumeDeliveries` runs each batch over `deps`.
 */
export const startDeliveryWorker = (
  endpoint: string,
  queues: LocalQueues,
  deps: OutboxDeps,
  mapping: { batchSize: number; maximumConcurrency: number } = { batchSize: 10, maximumConcurrency: 4 },
  region = 'eu-west-1',
): DeliveryWorker => {
  const sqs = new SQSClient({ endpoint, region, credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } });
  const real = sqsDeliveryQueue(sqs, queues.queueUrl);
  const kept: DeliveryWorker['kept'] = [];
  const queue: DeliveryQueue = {
    enqueue: (runs) => real.enqueue(runs),
    retryIn: async (receiptHandle, seconds) => {
      kept.push({ receiptHandle, seconds });
      await real.retryIn(receiptHandle, seconds);
    },
  };
  const worker: DeliveryWorkerDeps = { ...deps, deliveryQueue: queue };
  const bridge = startSqsBridge({ sqs, queueUrl: queues.queueUrl, queueArn: queues.queueArn, region, ...mapping, invoke: (event) => consumeDeliveries(worker, event.Records) });
  return {
    queue,
    kept,
    stop: async () => {
      await bridge.stop();
      sqs.destroy();
    },
  };
};
