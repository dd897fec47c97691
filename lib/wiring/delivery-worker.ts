import { documentClientOf, makeDynamo, makeSqs } from '../aws/clients.js';
import { systemClock } from '../clock.js';
import { type Config, config, ConfigError } from '../config.js';
import { realIds } from '../ids.js';
import { dynamoStore } from '../provisioning/dynamo-store.js';
import type { DeliveryWorkerDeps } from '../webhooks/delivery-consumer.js';
import { sqsDeliveryQueue } from '../webhooks/delivery-queue.js';
import { makeSendWebhook } from './webhooks.js';
import { once } from './once.js';

/**
 * The delivery function's dependencies: the table, webhook delivery and its queue (DynamoDB and SQS,
 * background profile). No auth, no stack or bucket clients: its bundle carries only what a run uses.
 */
export const makeDeliveryWorkerDeps = (cfg: Config): DeliveryWorkerDeps => {
  if (!cfg.deliveryQueueUrl) throw new ConfigError('Invalid configuration: DELIVERY_QUEUE_URL: the delivery function needs its queue');
  const target = { region: cfg.region, endpoint: cfg.endpoint, profile: 'background' as const };
  return {
    store: dynamoStore(documentClientOf(makeDynamo(target)), cfg.tableName),
    ids: realIds(),
    clock: systemClock,
    sendWebhook: makeSendWebhook(cfg, systemClock),
    deliveryQueue: sqsDeliveryQueue(makeSqs(target), cfg.deliveryQueueUrl),
  };
};

/** The container's delivery dependencies, built on first use. */
export const deliveryWorkerDeps = /* @__PURE__ */ once((): DeliveryWorkerDeps => makeDeliveryWorkerDeps(config()));
