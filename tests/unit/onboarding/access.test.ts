import { describe, expect, it, vi } from 'vitest';
import { openOnboarding } from '../../../lib/onboarding/access.js';
import { onboardingLinkSettings, onboardingPageUrl } from '../../../lib/onboarding/link.js';
import { T0 } from '../../support/fakes.js';
import { quickCreateRecord, REQUEST_ID } from '../../support/records.js';
import { onboardingConfig, storeWith } from './support.js';

const config = onboardingConfig();
const tokenFor = (id: string, epoch: number, issuedAt = T0) => new URL(onboardingPageUrl(onboardingLinkSettings(config)!, id, epoch, issuedAt)).searchParams.get('t')!;
const outcome = (p: Promise<unknown>) =>
  p.then(
    () => 'opened',
    (e: { status?: number; type?: string }) => `${e.status} ${e.type}`,
  );

describe('openOnboarding', () => {
  it('opens the record its link was issued for, whatever its tenant', async () => {
    const store = storeWith(quickCreateRecord());

    const record = await openOnboarding({ store, clock: () => T0, config }, REQUEST_ID, tokenFor(REQUEST_ID, 0));

    expect(record).toEqual(quickCreateRecord());
  });

  it('checks the token before reading the table: an altered link costs no read', async () => {
    const store = storeWith(quickCreateRecord());
    const findById = vi.spyOn(store, 'findById');
    const token = tokenFor(REQUEST_ID, 0);

    expect(await outcome(openOnboarding({ store, clock: () => T0, config }, REQUEST_ID, `${token.slice(0, -2)}AA`))).toBe('404 onboarding-link-invalid');
    expect(await outcome(openOnboarding({ store, clock: () => T0, config }, 'byob_01JQC00000000000000000OTHR', token))).toBe('404 onboarding-link-invalid');
    expect(await outcome(openOnboarding({ store, clock: () => T0, config }, REQUEST_ID, undefined))).toBe('404 onboarding-link-invalid');
    expect(findById).not.toHaveBeenCalled();
  });

  it('answers a valid link for a request that is gone like an altered one', async () => {
    expect(await outcome(openOnboarding({ store: storeWith(), clock: () => T0, config }, REQUEST_ID, tokenFor(REQUEST_ID, 0)))).toBe('404 onboarding-link-invalid');
  });

  it('answers 410 for a link past its expiry, and for one issued before the links were revoked', async () => {
    const store = storeWith(quickCreateRecord({ onboardingEpoch: 1 }));
    const late = () => new Date(T0.getTime() + 169 * 3_600_000);

    expect(await outcome(openOnboarding({ store, clock: late, config }, REQUEST_ID, tokenFor(REQUEST_ID, 1)))).toBe('410 onboarding-link-expired');
    expect(await outcome(openOnboarding({ store, clock: () => T0, config }, REQUEST_ID, tokenFor(REQUEST_ID, 0)))).toBe('410 onboarding-link-revoked');
    expect(await outcome(openOnboarding({ store, clock: () => T0, config }, REQUEST_ID, tokenFor(REQUEST_ID, 1)))).toBe('opened');
  });

  it('answers 503 when the deployment has no onboarding key', async () => {
    const off = onboardingConfig({ ONBOARDING_LINK_KEY: '' });
    expect(await outcome(openOnboarding({ store: storeWith(quickCreateRecord()), clock: () => T0, config: off }, REQUEST_ID, tokenFor(REQUEST_ID, 0)))).toBe(
      '503 dependency-unavailable',
    );
  });
});
