/**
 * When to try a failed webhook delivery again: exponential back-off with jitter, capped per step,
 * for at least three days from the first attempt; then the delivery is dead.
 *
 * The jitter is "equal jitter" (half the step fixed, half random), not full jitter: with a
 * time-based horizon, full jitter lets a run of small draws make thousands of attempts, while
 * here every schedule takes 22 to 34 attempts and still spreads retries across receivers.
 */

/** Upper bound of the first retry's delay; the n-th retry's bound is this times 2^(n-1). */
export const RETRY_BASE_DELAY_MS = 30_000;

/** No single wait is longer than this (a Retry-After is bounded by it too). */
export const RETRY_MAX_DELAY_MS = 6 * 60 * 60 * 1000;

/** Retries go on until this long after the first attempt; an attempt failing later is final. */
export const RETRY_GIVE_UP_AFTER_MS = 3 * 24 * 60 * 60 * 1000;

/** What the schedule needs to know about a delivery that just failed. */
export interface BackoffInput {
  /** Attempts made so far, including the one that just failed (1 after the first failure). */
  attempts: number;
  /** When the first attempt was made: the give-up horizon counts from here. */
  firstAttemptAt: Date;
  /** The current time (injected). */
  now: Date;
  /** The receiver's Retry-After, in milliseconds from `now`, if it sent one. */
  retryAfterMs?: number;
  /** A uniform draw in [0, 1) (injected; `Math.random` in production). */
  random: () => number;
}

/** Upper bound of the wait after `attempts` attempts: min(6 h, 30 s × 2^(attempts-1)); non-decreasing. */
export const retryStepCapMs = (attempts: number): number => {
  const exponent = Math.max(0, Math.min(attempts - 1, 30));
  return Math.min(RETRY_MAX_DELAY_MS, RETRY_BASE_DELAY_MS * 2 ** exponent);
};

/**
 * When to attempt again, or null to give up (mark the delivery dead). The wait is a random time
 * between half and all of `retryStepCapMs(attempts)`, or the receiver's Retry-After when that is
 * longer (bounded to 6 h). Gives up only once `now` is three days or more past `firstAttemptAt`,
 * so the schedule spans at least three days whatever the draws.
 */
export const nextAttemptAt = ({ attempts, firstAttemptAt, now, retryAfterMs, random }: BackoffInput): Date | null => {
  if (now.getTime() - firstAttemptAt.getTime() >= RETRY_GIVE_UP_AFTER_MS) return null;
  const draw = Math.min(Math.max(random(), 0), 1);
  const cap = retryStepCapMs(attempts);
  const jittered = Math.floor(cap / 2 + (draw * cap) / 2);
  const asked =
    retryAfterMs !== undefined && Number.isFinite(retryAfterMs) ? Math.min(Math.max(retryAfterMs, 0), RETRY_MAX_DELAY_MS) : 0;
  return new Date(now.getTime() + Math.max(jittered, asked));
};

const human = (ms: number): string => {
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000} h`;
  if (ms % 60_000 === 0) return `${ms / 60_000} min`;
  return `${ms / 1000} s`;
};

/** The retry schedule in one paragraph, for the README and the OpenAPI description. */
export const retryScheduleSummary = (): string =>
  [
    `A failed delivery is retried with exponential back-off and jitter: after the n-th failed`,
    `attempt the next waits a random time between half and all of`,
    `min(${human(RETRY_MAX_DELAY_MS)}, ${human(RETRY_BASE_DELAY_MS)} × 2^(n-1)), so the first retry comes 15 to 30 s later.`,
    `A Retry-After header (seconds or HTTP date) is honoured when it asks for longer, up to ${human(RETRY_MAX_DELAY_MS)}.`,
    `Retries continue until ${human(RETRY_GIVE_UP_AFTER_MS)} (${RETRY_GIVE_UP_AFTER_MS / 86_400_000} days) after the first attempt;`,
    `a 410 Gone answer stops deliveries to that endpoint at once. Every retry carries the same webhook-id.`,
  ].join(' ');
