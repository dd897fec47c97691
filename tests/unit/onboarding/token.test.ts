import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { OnboardingLinkError } from '../../../lib/onboarding/link-error.js';
import { ONBOARDING_TOKEN_PATTERN, signOnboardingToken, verifyOnboardingToken } from '../../../lib/onboarding/token.js';
import { T0 } from '../../support/fakes.js';
import { REQUEST_ID } from '../../support/records.js';
import { ONBOARDING_KEY } from './support.js';

const EXPIRES = new Date(T0.getTime() + 7 * 24 * 3_600_000);
const grant = { requestId: REQUEST_ID, epoch: 0, expiresAt: EXPIRES };

const problemOf = (f: () => unknown): string => {
  try {
    f();
  } catch (e) {
    if (e instanceof OnboardingLinkError) return `${e.status} ${e.problem}`;
    throw e;
  }
  return 'accepted';
};

describe('onboarding tokens', () => {
  it('round-trips: the token names its expiry and epoch in clear and verifies for its request until it expires', () => {
    const token = signOnboardingToken(ONBOARDING_KEY, { ...grant, epoch: 3 });

    expect(token).toMatch(ONBOARDING_TOKEN_PATTERN);
    expect(token.split('.').slice(0, 2)).toEqual([String(EXPIRES.getTime() / 1000), '3']);
    expect(verifyOnboardingToken(ONBOARDING_KEY, REQUEST_ID, token, T0)).toEqual({ ...grant, epoch: 3 });
  });

  it('expires at its expiry to the second: 410 from then on, even for an otherwise valid token', () => {
    const token = signOnboardingToken(ONBOARDING_KEY, grant);

    expect(problemOf(() => verifyOnboardingToken(ONBOARDING_KEY, REQUEST_ID, token, new Date(EXPIRES.getTime() - 1)))).toBe('accepted');
    expect(problemOf(() => verifyOnboardingToken(ONBOARDING_KEY, REQUEST_ID, token, EXPIRES))).toBe('410 expired');
  });

  it('is bound to its request, its key, its expiry and its epoch: any other answers 404 invalid', () => {
    const token = signOnboardingToken(ONBOARDING_KEY, grant);
    const [expires, epoch, mac] = token.split('.') as [string, string, string];

    expect(problemOf(() => verifyOnboardingToken(ONBOARDING_KEY, 'byob_01JQC00000000000000000OTHR', token, T0))).toBe('404 invalid');
    expect(problemOf(() => verifyOnboardingToken('another-key-'.padEnd(48, 'x'), REQUEST_ID, token, T0))).toBe('404 invalid');
    expect(problemOf(() => verifyOnboardingToken(ONBOARDING_KEY, REQUEST_ID, `${Number(expires) + 3600}.${epoch}.${mac}`, T0))).toBe('404 invalid');
    expect(problemOf(() => verifyOnboardingToken(ONBOARDING_KEY, REQUEST_ID, `${expires}.1.${mac}`, T0))).toBe('404 invalid');
    // The same numbers spelled otherwise were never issued.
    expect(problemOf(() => verifyOnboardingToken(ONBOARDING_KEY, REQUEST_ID, `0${expires}.${epoch}.${mac}`, T0))).toBe('404 invalid');
  });

  it('rejects missing and malformed tokens before any HMAC', () => {
    for (const token of [undefined, '', 'abc', `1.2.${'a'.repeat(42)}`, `1.2.${'a'.repeat(44)}`, `x.0.${'a'.repeat(43)}`, `1.0.${'a'.repeat(42)}=`]) {
      expect(problemOf(() => verifyOnboardingToken(ONBOARDING_KEY, REQUEST_ID, token, T0)), String(token)).toBe('404 invalid');
    }
  });

  it('rejects every one-character edit of a valid token, the MAC\'s last character included', () => {
    const token = signOnboardingToken(ONBOARDING_KEY, grant);
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.';
    fc.assert(
      fc.property(fc.nat({ max: token.length - 1 }), fc.constantFrom(...alphabet), (at, c) => {
        fc.pre(token[at] !== c);
        const edited = token.slice(0, at) + c + token.slice(at + 1);
        expect(problemOf(() => verifyOnboardingToken(ONBOARDING_KEY, REQUEST_ID, edited, T0))).toBe('404 invalid');
      }),
      { numRuns: 400 },
    );
    // What the acceptance check does: the last two characters replaced.
    expect(problemOf(() => verifyOnboardingToken(ONBOARDING_KEY, REQUEST_ID, `${token.slice(0, -2)}AA`, T0))).toBe('404 invalid');
  });
});
