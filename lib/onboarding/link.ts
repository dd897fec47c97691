import type { Clock } from '../clock.js';
import type { Config } from '../config.js';
import type { OnboardingLinker } from '../provisioning/record.js';
import { signOnboardingToken } from './token.js';

/** How this deployment makes onboarding page links. */
export interface OnboardingLinkSettings {
  baseUrl: string;
  key: string;
  ttlHours: number;
}

const HOUR_MS = 3_600_000;

/** The deployment's link settings, or null when the page is off (no public base URL or no key). */
export const onboardingLinkSettings = (cfg: Config): OnboardingLinkSettings | null =>
  cfg.publicBaseUrl && cfg.onboardingLinkKey ? { baseUrl: cfg.publicBaseUrl, key: cfg.onboardingLinkKey, ttlHours: cfg.onboardingTtlHours } : null;

/**
 * When a link issued at `now` expires: `ttlHours` later, rounded up to the hour, so every read within
 * the same hour answers the same link (a portal that stores it sees no churn).
 */
export const onboardingExpiry = (now: Date, ttlHours: number): Date => new Date(Math.ceil((now.getTime() + ttlHours * HOUR_MS) / HOUR_MS) * HOUR_MS);

/** The absolute page link of a request at link epoch `epoch`, issued at `now` (serverless.yml's GET /onboarding/{id}). */
export const onboardingPageUrl = (s: OnboardingLinkSettings, requestId: string, epoch: number, now: Date): string =>
  `${s.baseUrl}/onboarding/${requestId}?t=${signOnboardingToken(s.key, { requestId, epoch, expiresAt: onboardingExpiry(now, s.ttlHours) })}`;

/** The deployment's page links for views (toView), issued at the clock's time; null links when the page is off. */
export const onboardingLinker = (d: { config: Config; clock: Clock }): OnboardingLinker => {
  const settings = onboardingLinkSettings(d.config);
  return (requestId, epoch) => (settings ? onboardingPageUrl(settings, requestId, epoch, d.clock()) : null);
};
