import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  nextAttemptAt,
  RETRY_GIVE_UP_AFTER_MS,
  RETRY_MAX_DELAY_MS,
  retryScheduleSummary,
  retryStepCapMs,
} from '../../../lib/webhooks/backoff.js';

const FIRST = new Date('2026-11-05T00:00:00Z');
const DAY = 24 * 60 * 60 * 1000;

/** Runs the schedule from the first failure until it gives up; time only moves by injection. */
const simulate = (random: () => number, retryAfterMs?: (attempt: number) => number | undefined) => {
  const attempts: Date[] = [FIRST];
  for (;;) {
    const now = attempts[attempts.length - 1] ?? FIRST;
    const next = nextAttemptAt({
      attempts: attempts.length,
      firstAttemptAt: FIRST,
      now,
      retryAfterMs: retryAfterMs?.(attempts.length),
      random,
    });
    if (next === null) return attempts;
    attempts.push(next);
    if (attempts.length > 100_000) throw new Error('runaway schedule');
  }
};

describe('nextAttemptAt', () => {
  it('the first retry comes 15 to 30 s after the first failure', () => {
    const at = (draw: number) =>
      nextAttemptAt({ attempts: 1, firstAttemptAt: FIRST, now: FIRST, random: () => draw })?.getTime();

    expect(at(0)).toBe(FIRST.getTime() + 15_000);
    expect(at(0.5)).toBe(FIRST.getTime() + 22_500);
    expect(at(0.999_999)).toBeLessThanOrEqual(FIRST.getTime() + 30_000);
  });

  it('the step cap doubles from 30 s and stops at 6 h, never decreasing', () => {
    const caps = Array.from({ length: 40 }, (_, i) => retryStepCapMs(i + 1));

    expect(caps.slice(0, 4)).toEqual([30_000, 60_000, 120_000, 240_000]);
    expect(caps.at(-1)).toBe(RETRY_MAX_DELAY_MS);
    caps.slice(1).forEach((cap, i) => expect(cap).toBeGreaterThanOrEqual(caps[i] ?? 0));
  });

  it('whatever the jitter draws: increasing, each wait ≤ 6 h, spanning at least 3 days in 22 to 34 attempts', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), { minLength: 1 }), (draws) => {
        let i = 0;
        const attempts = simulate(() => draws[i++ % draws.length] ?? 0);
        const last = attempts[attempts.length - 1] ?? FIRST;

        expect(last.getTime() - FIRST.getTime()).toBeGreaterThanOrEqual(RETRY_GIVE_UP_AFTER_MS);
        expect(last.getTime() - FIRST.getTime()).toBeLessThan(RETRY_GIVE_UP_AFTER_MS + RETRY_MAX_DELAY_MS);
        attempts.slice(1).forEach((at, k) => {
          const wait = at.getTime() - (attempts[k] ?? FIRST).getTime();
          expect(wait).toBeGreaterThanOrEqual(retryStepCapMs(k + 1) / 2);
          expect(wait).toBeLessThanOrEqual(RETRY_MAX_DELAY_MS);
        });
        expect(attempts.length).toBeGreaterThanOrEqual(22);
        expect(attempts.length).toBeLessThanOrEqual(34);
      }),
      { numRuns: 50 },
    );
  });

  it.each([
    [0, 34],
    [0.5, 26],
    [0.999_999, 22],
  ])('with every draw %s, gives up after %i attempts, just past 3 days', (draw, count) => {
    const attempts = simulate(() => draw);
    const span = (attempts.at(-1)?.getTime() ?? 0) - FIRST.getTime();

    expect(attempts).toHaveLength(count);
    expect(span).toBeGreaterThanOrEqual(3 * DAY);
    expect(span).toBeLessThan(3 * DAY + RETRY_MAX_DELAY_MS);
  });

  it('gives up (null) once the first attempt is 3 days old', () => {
    const now = new Date(FIRST.getTime() + RETRY_GIVE_UP_AFTER_MS);

    expect(nextAttemptAt({ attempts: 30, firstAttemptAt: FIRST, now, random: () => 0.5 })).toBeNull();
    expect(
      nextAttemptAt({ attempts: 30, firstAttemptAt: FIRST, now: new Date(now.getTime() - 1), random: () => 0.5 }),
    ).not.toBeNull();
  });

  it('waits for Retry-After when it is longer than the back-off, bounded to 6 h', () => {
    const at = (retryAfterMs: number) =>
      nextAttemptAt({ attempts: 1, firstAttemptAt: FIRST, now: FIRST, retryAfterMs, random: () => 0.5 })?.getTime();

    expect(at(120_000)).toBe(FIRST.getTime() + 120_000);
    expect(at(1_000)).toBe(FIRST.getTime() + 22_500);
    expect(at(30 * DAY)).toBe(FIRST.getTime() + RETRY_MAX_DELAY_MS);
    expect(at(-5)).toBe(FIRST.getTime() + 22_500);
    expect(at(Number.NaN)).toBe(FIRST.getTime() + 22_500);
  });

  it('a receiver always asking for an hour still gets retried until the 3-day horizon', () => {
    const attempts = simulate(
      () => 0,
      () => 60 * 60 * 1000,
    );

    expect((attempts.at(-1)?.getTime() ?? 0) - FIRST.getTime()).toBeGreaterThanOrEqual(3 * DAY);
    attempts.slice(1).forEach((at, k) => {
      expect(at.getTime() - (attempts[k] ?? FIRST).getTime()).toBeGreaterThanOrEqual(60 * 60 * 1000);
    });
  });
});

describe('retryScheduleSummary', () => {
  it('states the numbers the code uses', () => {
    const text = retryScheduleSummary();

    expect(text).toContain('30 s × 2^(n-1)');
    expect(text).toContain('15 to 30 s');
    expect(text).toContain('6 h');
    expect(text).toContain('3 days');
    expect(text).toContain('Retry-After');
  });
});
