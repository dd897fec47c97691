import { AppError } from '../errors.js';

/** Why an onboarding link opens nothing. */
export type OnboardingLinkProblem = 'invalid' | 'expired' | 'revoked';

const ANSWERS: Record<OnboardingLinkProblem, { status: number; title: string; detail: string }> = {
  // A tampered token and an unknown request answer alike: the link tells nothing about what exists.
  invalid: { status: 404, title: 'Link not valid', detail: 'This onboarding link is not valid. Check that you opened all of it, or ask the sender for a new one.' },
  expired: { status: 410, title: 'Link expired', detail: 'This onboarding link has expired. Ask the sender for a new one.' },
  revoked: { status: 410, title: 'Link withdrawn', detail: 'This onboarding link was withdrawn by its sender. Ask them for a new one.' },
};

/** A presented onboarding link that grants nothing: 404 when it is not valid, 410 when it expired or was revoked. */
export class OnboardingLinkError extends AppError {
  override name = 'OnboardingLinkError';
  constructor(readonly problem: OnboardingLinkProblem) {
    const answer = ANSWERS[problem];
    super(answer.status, `onboarding-link-${problem}`, answer.title, answer.detail);
  }
}
