import { createHmac, timingSafeEqual } from 'node:crypto';
import { OnboardingLinkError } from './link-error.js';

/** What an onboarding token grants: reading one request's page until `expiresAt`, while its link epoch is `epoch`. */
export interface OnboardingGrant {
  requestId: string;
  /** The record's `onboardingEpoch` when the link was issued; revoking moves the record's on. */
  epoch: number;
  expiresAt: Date;
}

/** The shape of an onboarding token (expiry, epoch, MAC). */
export const ONBOARDING_TOKEN_PATTERN = /^(\d{1,12})\.(\d{1,9})\.([\w-]{43})$/;

// Domain-separated from every other HMAC the service computes and versioned; computed over the numbers'
// texts as they appear in the token, so only the issued spelling verifies.
const mac = (key: string, requestId: string, epoch: string, expires: string): string =>
  createHmac('sha256', key).update(`byob-onboarding:v1:${requestId}:${epoch}:${expires}`, 'utf8').digest('base64url');

/**
 * The token of a grant, `<expiry in unix seconds>.<epoch>.<HMAC-SHA256>`: the expiry and epoch ride in
 * clear so the service can say "expired" or "withdrawn"; the MAC binds both to the request id.
 */
export const signOnboardingToken = (key: string, grant: OnboardingGrant): string => {
  const expires = Math.floor(grant.expiresAt.getTime() / 1000);
  return `${expires}.${grant.epoch}.${mac(key, grant.requestId, String(grant.epoch), String(expires))}`;
};

/**
 * Checks a presented token for `requestId` without touching the table: a forged or altered token costs
 * one HMAC. The MAC is compared as text, so an edit anywhere (even in bits base64 would ignore) fails.
 * Throws OnboardingLinkError `invalid` or `expired`; revocation is the caller's check against the record.
 */
export const verifyOnboardingToken = (key: string, requestId: string, token: string | undefined, now: Date): OnboardingGrant => {
  const parts = ONBOARDING_TOKEN_PATTERN.exec(token ?? '');
  if (!parts) throw new OnboardingLinkError('invalid');
  const [, expires, epoch, presented] = parts as unknown as [string, string, string, string];
  const expected = Buffer.from(mac(key, requestId, epoch, expires), 'utf8');
  const given = Buffer.from(presented, 'utf8');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw new OnboardingLinkError('invalid');
  const expiresAt = new Date(Number(expires) * 1000);
  if (now.getTime() >= expiresAt.getTime()) throw new OnboardingLinkError('expired');
  return { requestId, epoch: Number(epoch), expiresAt };
};
