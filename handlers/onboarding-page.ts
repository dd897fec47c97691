import { pageAssets } from '../lib/onboarding/assets.js';
import { type OnboardingDeps } from '../lib/onboarding/access.js';
import { renderErrorPage } from '../lib/onboarding/error-page.js';
import { pageHeaders } from '../lib/onboarding/headers.js';
import { renderOnboardingPage } from '../lib/onboarding/page.js';
import { toOnboardingView } from '../lib/onboarding/projection.js';
import { onboardingRoute } from '../lib/onboarding/public-route.js';
import { onboardingDeps } from '../lib/wiring/onboarding.js';
import { lazyHandler } from '../lib/wiring/once.js';

/** GET /onboarding/{id}?t=<token> (public): the customer's onboarding page, or an error page with no data. */
export const makeHandler = (d: OnboardingDeps) => {
  const headers = pageHeaders(d.config.onboardingFrameAncestors);
  return onboardingRoute(d, {
    ok: (record, statusUrl) => ({
      statusCode: 200,
      headers,
      body: renderOnboardingPage(toOnboardingView(record, d.config), statusUrl, pageAssets()),
    }),
    fail: (problem) => ({ statusCode: problem.status, headers, body: renderErrorPage(problem, d.config.vendor.name, pageAssets()) }),
  });
};

export const handler = lazyHandler(() => makeHandler(onboardingDeps()));
