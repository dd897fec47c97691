import type { Clock } from '../clock.js';
import type { Config } from '../config.js';
import { DependencyError } from '../errors.js';
import type { ByobRecord } from '../provisioning/record.js';
import type { Store } from '../provisioning/store.js';
import { OnboardingLinkError } from './link-error.js';
import { verifyOnboardingToken } from './token.js';

/** What the public onboarding routes need: the table (read only), time and configuration. */
export interface OnboardingDeps {
  store: Pick<Store, 'findById'>;
  clock: Clock;
  config: Config;
}

/**
 * The record an onboarding link opens, or OnboardingLinkError. The token is checked before the table is
 * read, so a forged link costs one HMAC and no read; the id it binds is then the only record it can open.
 */
export const openOnboarding = async (d: OnboardingDeps, requestId: string, token: string | undefined): Promise<ByobRecord> => {
  const key = d.config.onboardingLinkKey;
  if (!key) throw new DependencyError('The onboarding page is not configured on this deployment.');
  const grant = verifyOnboardingToken(key, requestId, token, d.clock());
  const record = await d.store.findById(requestId);
  if (!record) throw new OnboardingLinkError('invalid');
  if ((record.onboardingEpoch ?? 0) !== grant.epoch) throw new OnboardingLinkError('revoked');
  return record;
};
