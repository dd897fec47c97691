import { afterEach, describe, expect, it, vi } from 'vitest';
import { localEnv } from '../../support/fakes.js';

// The deployed reconciler queues due webhooks and sends none itself: it needs the delivery queue.
afterEach(() => {
  vi.unstubAllEnvs();
  vi.resetModules();
});

const withEnv = async (env: Record<string, string>) => {
  for (const [k, v] of Object.entries(env)) vi.stubEnv(k, v);
  return import('../../../lib/wiring/provisioning.js');
};

describe('reconcileTierDeps', () => {
  it('refuses to start without the delivery queue, naming DELIVERY_QUEUE_URL', async () => {
    vi.stubEnv('DELIVERY_QUEUE_URL', '');
    const { reconcileTierDeps } = await withEnv(localEnv());

    expect(() => reconcileTierDeps()).toThrow(/DELIVERY_QUEUE_URL/);
  });

  it('queues with it, and its sender refuses to send', async () => {
    const { reconcileTierDeps } = await withEnv(localEnv({ DELIVERY_QUEUE_URL: 'http://127.0.0.1:4566/123456789012/byob-local-deliveries.fifo' }));

    const deps = reconcileTierDeps();

    expect(deps.deliveryQueue).toBeDefined();
    await expect(deps.sendWebhook({} as never)).rejects.toThrow(/delivery queue/);
  });
});
