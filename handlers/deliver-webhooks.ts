import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { consumeDeliveries, type DeliveryWorkerDeps } from '../lib/webhooks/delivery-consumer.js';
import { deliveryWorkerDeps } from '../lib/wiring/delivery-worker.js';
import { lazyHandler } from '../lib/wiring/once.js';

/** SQS (the delivery queue, ReportBatchItemFailures): one delivery run per request named in the batch. */
export const makeHandler = (d: DeliveryWorkerDeps) => async (event: SQSEvent): Promise<SQSBatchResponse> => consumeDeliveries(d, event.Records);

export const handler = lazyHandler(() => makeHandler(deliveryWorkerDeps()));
