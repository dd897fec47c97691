import type { SNSEvent } from 'aws-lambda';
import { type Deps, deps } from '../lib/deps.js';
import { handleRegistration } from '../lib/registration.js';

/** SNS: custom resource requests from quick-create stacks in customer accounts. */
export const makeHandler = (d: Deps) => async (event: SNSEvent) => {
  for (const r of event.Records) await handleRegistration(d, r.Sns.Message);
};

export const handler = makeHandler(deps());
