import { describe, expect, it } from 'vitest';
import { openOnboarding } from '../../../lib/onboarding/access.js';
import { revokeOnboardingLinks } from '../../../lib/onboarding/revoke.js';
import { onboardingLinker } from '../../../lib/onboarding/link.js';
import { toView } from '../../../lib/provisioning/record.js';
import { T0, VIEW } from '../../support/fakes.js';
import { quickCreateRecord, REQUEST_ID } from '../../support/records.js';
import { onboardingConfig, storeWith } from './support.js';

const config = onboardingConfig();
const later = new Date(T0.getTime() + 60_000);
const tokenOf = (url: string) => new URL(url).searchParams.get('t')!;

describe('revokeOnboardingLinks', () => {
  it('withdraws every link issued so far (410) and the next read issues one that opens the page; nothing else changes', async () => {
    const store = storeWith(quickCreateRecord());
    const d = { store, clock: () => later, config };
    const before = toView(store.current('acme', REQUEST_ID), { ...VIEW, onboardingUrl: onboardingLinker(d) }).onboardingUrl!;

    const revoked = await revokeOnboardingLinks(d, 'acme', REQUEST_ID);

    expect(revoked).toEqual({ ...quickCreateRecord(), onboardingEpoch: 1, version: quickCreateRecord().version + 1, revision: quickCreateRecord().version, updatedAt: later.toISOString() });
    await expect(openOnboarding(d, REQUEST_ID, tokenOf(before))).rejects.toMatchObject({ status: 410, problem: 'revoked' });
    const fresh = toView(revoked, { ...VIEW, onboardingUrl: onboardingLinker(d) }).onboardingUrl!;
    expect(fresh).not.toBe(before);
    expect((await openOnboarding(d, REQUEST_ID, tokenOf(fresh))).onboardingEpoch).toBe(1);
    expect(store.commits).toEqual([]);
  });

  it('is the tenant\'s own: another tenant\'s id is a 404', async () => {
    const store = storeWith(quickCreateRecord());
    await expect(revokeOnboardingLinks({ store, clock: () => later }, 'other-tenant', REQUEST_ID)).rejects.toMatchObject({ status: 404 });
    expect(store.current('acme', REQUEST_ID).onboardingEpoch).toBeUndefined();
  });

  it('retries when a concurrent writer moved the record first, and keeps that writer\'s change', async () => {
    const store = storeWith(quickCreateRecord());
    const get = store.get.bind(store);
    let raced = false;
    store.get = async (tenant, id) => {
      const read = await get(tenant, id);
      if (!raced && read) {
        raced = true;
        await store.patch(read, { tags: { moved: 'yes' } }, T0.toISOString());
      }
      return read;
    };

    const revoked = await revokeOnboardingLinks({ store, clock: () => later }, 'acme', REQUEST_ID);

    expect(revoked).toMatchObject({ onboardingEpoch: 1, tags: { moved: 'yes' } });
  });
});
