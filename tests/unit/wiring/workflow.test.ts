import { SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-vitest/extend';
import { afterEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../../../lib/config.js';
import { makeWorkflowBase } from '../../../lib/wiring/workflow.js';
import { localEnv } from '../../support/fakes.js';
import { directRecord, REQUEST_ID } from '../../support/records.js';

// The functions' own tiers: a status change queues a delivery run; none of them carries a webhook
// sender (what the deployed bundles leave out: tests/integration/core/bundle-tiers.test.ts).
const sqsMock = mockClient(SQSClient);
afterEach(() => sqsMock.reset());

const QUEUE_URL = 'http://127.0.0.1:4566/123456789012/byob-local-deliveries.fifo';

describe('makeWorkflowBase', () => {
  it('queues a run for the changed request when the deployment has a delivery queue', async () => {
    sqsMock.on(SendMessageBatchCommand).resolves({});
    const { base } = makeWorkflowBase(parseConfig(localEnv({ DELIVERY_QUEUE_URL: QUEUE_URL })), 'http');

    await base.deliverNow(directRecord({ version: 3 }));

    expect(sqsMock).toHaveReceivedCommandWith(SendMessageBatchCommand, { QueueUrl: QUEUE_URL });
    expect(sqsMock.commandCalls(SendMessageBatchCommand)[0]!.args[0].input.Entries![0]).toMatchObject({ MessageGroupId: REQUEST_ID });
    expect('sendWebhook' in base).toBe(false);
  });

  it('leaves the webhooks in the outbox for the reconciler without one', async () => {
    const { base } = makeWorkflowBase(parseConfig(localEnv()), 'background');

    await expect(base.deliverNow(directRecord())).resolves.toBeUndefined();

    expect(sqsMock.calls()).toEqual([]);
    expect(base.deliveryQueue).toBeUndefined();
  });
});
