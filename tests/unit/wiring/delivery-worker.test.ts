import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '../../../lib/config.js';
import { makeDeliveryWorkerDeps } from '../../../lib/wiring/delivery-worker.js';
import { localEnv } from '../../support/fakes.js';

const QUEUE_URL = 'http://127.0.0.1:4566/123456789012/byob-local-deliveries.fifo';

describe('makeDeliveryWorkerDeps', () => {
  it('names the missing queue at cold start', () => {
    expect(() => makeDeliveryWorkerDeps(parseConfig(localEnv()))).toThrow(ConfigError);
    expect(() => makeDeliveryWorkerDeps(parseConfig(localEnv()))).toThrow(/DELIVERY_QUEUE_URL/);
  });

  it('wires the table, delivery and the queue its messages come from', () => {
    const deps = makeDeliveryWorkerDeps(parseConfig(localEnv({ DELIVERY_QUEUE_URL: QUEUE_URL })));

    expect(Object.keys(deps).sort()).toEqual(['clock', 'deliveryQueue', 'ids', 'sendWebhook', 'store']);
  });
});
