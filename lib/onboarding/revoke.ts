import type { Clock } from '../clock.js';
import { NotFoundError } from '../errors.js';
import type { ByobRecord } from '../provisioning/record.js';
import { retryOnStale } from '../provisioning/stale-record.js';
import type { Store } from '../provisioning/store.js';

/**
 * POST /byob/{id}/onboarding/revoke: moves the request's link epoch on, so every onboarding link issued
 * so far answers "withdrawn"; the next authenticated read issues a working one. Status and webhooks are
 * untouched.
 */
export const revokeOnboardingLinks = async (d: { store: Pick<Store, 'get' | 'patch'>; clock: Clock }, tenant: string, id: string): Promise<ByobRecord> =>
  retryOnStale(id, async () => {
    const record = await d.store.get(tenant, id);
    if (!record) throw new NotFoundError();
    return d.store.patch(record, { onboardingEpoch: (record.onboardingEpoch ?? 0) + 1 }, d.clock().toISOString());
  });
