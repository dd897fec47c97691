import { describe, expect, it } from 'vitest';
import { onboardingExpiry, onboardingLinker, onboardingLinkSettings, onboardingPageUrl } from '../../../lib/onboarding/link.js';
import { verifyOnboardingToken } from '../../../lib/onboarding/token.js';
import { toView, withLinkToken, withOnboardingUrl } from '../../../lib/provisioning/record.js';
import { LINK_KEY, T0, VIEW } from '../../support/fakes.js';
import { quickCreateRecord, REQUEST_ID } from '../../support/records.js';
import { BASE_URL, ONBOARDING_KEY, onboardingConfig } from './support.js';

const HOUR = 3_600_000;
const tokenOf = (url: string) => new URL(url).searchParams.get('t')!;

describe('onboarding links', () => {
  it('are on only with both a public base URL and a key', () => {
    expect(onboardingLinkSettings(onboardingConfig())).toEqual({ baseUrl: BASE_URL, key: ONBOARDING_KEY, ttlHours: 168 });
    expect(onboardingLinkSettings(onboardingConfig({ PUBLIC_BASE_URL: '' }))).toBeNull();
    expect(onboardingLinkSettings(onboardingConfig({ ONBOARDING_LINK_KEY: '' }))).toBeNull();
  });

  it('expire ONBOARDING_TTL_HOURS after the read, rounded up to the hour, so reads within an hour answer one link', () => {
    expect(onboardingExpiry(new Date(T0.getTime() + 1), 168).getTime()).toBe(T0.getTime() + 169 * HOUR);
    expect(onboardingExpiry(T0, 168).getTime()).toBe(T0.getTime() + 168 * HOUR);
    const s = onboardingLinkSettings(onboardingConfig({ ONBOARDING_TTL_HOURS: '2' }))!;
    const early = onboardingPageUrl(s, REQUEST_ID, 0, new Date(T0.getTime() + 60_000));
    expect(onboardingPageUrl(s, REQUEST_ID, 0, new Date(T0.getTime() + 59 * 60_000))).toBe(early);
    expect(verifyOnboardingToken(ONBOARDING_KEY, REQUEST_ID, tokenOf(early), T0).expiresAt.getTime()).toBe(T0.getTime() + 3 * HOUR);
  });

  it('point at the request\'s page under the public base URL (its path kept), the token in `t`', () => {
    const url = new URL(onboardingPageUrl(onboardingLinkSettings(onboardingConfig({ PUBLIC_BASE_URL: 'https://byob.example.com/api/' }))!, REQUEST_ID, 2, T0));
    expect(`${url.origin}${url.pathname}`).toBe(`https://byob.example.com/api/onboarding/${REQUEST_ID}`);
    expect([...url.searchParams.keys()]).toEqual(['t']);
    expect(verifyOnboardingToken(ONBOARDING_KEY, REQUEST_ID, tokenOf(url.href), T0).epoch).toBe(2);
  });
});

describe('the view\'s onboardingUrl', () => {
  const d = { config: onboardingConfig(), clock: () => T0 };

  it('is derived on every authenticated read at the record\'s epoch, and absent without the linker (webhooks, the idempotency store)', () => {
    const record = quickCreateRecord({ onboardingEpoch: 4 });

    const url = toView(record, { ...VIEW, linkKey: LINK_KEY, onboardingUrl: onboardingLinker(d) }).onboardingUrl!;

    expect(verifyOnboardingToken(ONBOARDING_KEY, REQUEST_ID, tokenOf(url), T0)).toMatchObject({ epoch: 4 });
    expect(toView(record, VIEW).onboardingUrl).toBeNull();
    expect(toView(record, { ...VIEW, linkKey: LINK_KEY }).onboardingUrl).toBeNull();
    expect(verifyOnboardingToken(ONBOARDING_KEY, REQUEST_ID, tokenOf(toView(quickCreateRecord(), { ...VIEW, onboardingUrl: onboardingLinker(d) }).onboardingUrl!), T0).epoch).toBe(0);
    expect(toView(record, { ...VIEW, linkKey: LINK_KEY, onboardingUrl: onboardingLinker({ ...d, config: onboardingConfig({ PUBLIC_BASE_URL: '' }) }) }).onboardingUrl).toBeNull();
  });

  it('is added to a stored view at the epoch given, beside the quick-create token', () => {
    const record = quickCreateRecord();
    const stored = toView(record, VIEW);

    const linked = withOnboardingUrl(withLinkToken(stored, LINK_KEY), onboardingLinker(d), 1);

    expect(linked).toEqual({ ...toView(record, { ...VIEW, linkKey: LINK_KEY, onboardingUrl: onboardingLinker(d) }), onboardingUrl: linked.onboardingUrl });
    expect(verifyOnboardingToken(ONBOARDING_KEY, REQUEST_ID, tokenOf(linked.onboardingUrl!), T0).epoch).toBe(1);
  });
});
