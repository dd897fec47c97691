import { documentClientOf, makeDynamo } from '../aws/clients.js';
import { systemClock } from '../clock.js';
import { config } from '../config.js';
import type { OnboardingDeps } from '../onboarding/access.js';
import { dynamoStore } from '../provisioning/dynamo-store.js';
import { once } from './once.js';

// The public onboarding routes' tier: below the core, since they read one record by id and need no
// authenticator, rate limiter or id source (the link is the credential; API Gateway throttles the stage).

/** The container's onboarding dependencies (one DynamoDB client), built on first use. */
export const onboardingDeps = /* @__PURE__ */ once((): OnboardingDeps => {
  const cfg = config();
  return { store: dynamoStore(documentClientOf(makeDynamo({ region: cfg.region, endpoint: cfg.endpoint, profile: 'http' })), cfg.tableName), clock: systemClock, config: cfg };
});
