import type { SNSEvent } from 'aws-lambda';
import { verifyingTierDeps } from '../lib/wiring/provisioning.js';
import { handleRegistration, type RegistrationDeps } from '../lib/quick-create/registration.js';
import { lazyHandler } from '../lib/wiring/once.js';

/** SNS: custom resource requests from quick-create stacks in customer accounts. */
export const makeHandler = (d: RegistrationDeps) => async (event: SNSEvent) => {
  const undelivered: unknown[] = [];
  for (const r of event.Records) {
    // One record's failure must not keep the others' stacks waiting for their answer.
    await handleRegistration(d, r.Sns.Message).catch((e: unknown) => undelivered.push(e));
  }
  // Failing the invocation makes Lambda retry the event; a replayed request is answered the same, changing nothing.
  if (undelivered.length) throw undelivered[0];
};

export const handler = lazyHandler(() => makeHandler(verifyingTierDeps()));
