import type { SNSEvent } from 'aws-lambda';
import { type Deps, deps } from '../lib/deps.js';
import { handleStackEvents } from '../lib/stack-event-handling.js';

/** SNS: CloudFormation notifications of direct-mode stacks (NotificationARNs). */
export const makeHandler = (d: Deps) => async (event: SNSEvent) => handleStackEvents(d, event.Records);

export const handler = makeHandler(deps());
