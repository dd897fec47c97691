import { SECURITY_HEADERS } from '../lib/http/security-headers.js';
import { type OnboardingDeps } from '../lib/onboarding/access.js';
import { toOnboardingView } from '../lib/onboarding/projection.js';
import { onboardingRoute } from '../lib/onboarding/public-route.js';
import { onboardingDeps } from '../lib/wiring/onboarding.js';
import { lazyHandler } from '../lib/wiring/once.js';

const json = (statusCode: number, type: string, body: unknown) => ({ statusCode, headers: { ...SECURITY_HEADERS, 'content-type': type }, body: JSON.stringify(body) });

/** GET /onboarding/{id}/status?t=<token> (public): what the onboarding page shows, for its script to refresh from. */
export const makeHandler = (d: OnboardingDeps) =>
  onboardingRoute(d, {
    ok: (record) => json(200, 'application/json', toOnboardingView(record, d.config)),
    fail: (problem) => json(problem.status, 'application/problem+json', problem),
  });

export const handler = lazyHandler(() => makeHandler(onboardingDeps()));
