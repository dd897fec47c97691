import type { SNSEvent } from 'aws-lambda';
import { type ProvisioningTierDeps, provisioningTierDeps } from '../lib/wiring/provisioning.js';
import { handleStackEvents } from '../lib/provisioning/stack-events.js';
import { lazyHandler } from '../lib/wiring/once.js';

/** SNS: CloudFormation notifications of direct-mode stacks (NotificationARNs). */
export const makeHandler = (d: ProvisioningTierDeps) => async (event: SNSEvent) => handleStackEvents(d, event.Records);

export const handler = lazyHandler(() => makeHandler(provisioningTierDeps()));
