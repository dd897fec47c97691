import type { SNSEvent } from 'aws-lambda';
import { backgroundDeps, type Deps } from '../lib/wiring/deps.js';
import { handleStackEvents } from '../lib/provisioning/stack-events.js';
import { lazyHandler } from '../lib/wiring/once.js';

/** SNS: CloudFormation notifications of direct-mode stacks (NotificationARNs). */
export const makeHandler = (d: Deps) => async (event: SNSEvent) => handleStackEvents(d, event.Records);

export const handler = lazyHandler(() => makeHandler(backgroundDeps()));
