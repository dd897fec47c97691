import { monotonicFactory } from 'ulid';
import { describe, expect, it } from 'vitest';
import {
  assuredDueAt,
  degradedIntervalMs,
  driftPollDelayMs,
  nextAtPhase,
  nextReverifyAt,
  parseIsoDuration,
  schedulePhase,
} from '../../../lib/provisioning/reverify-schedule.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const NOW = new Date('2026-11-24T10:17:23.456Z');

/** Due times of `n` records over one period, counted per minute of the period. */
const perMinute = (dueTimes: string[], periodMs: number) => {
  const bins = new Array<number>(Math.round(periodMs / MINUTE)).fill(0);
  for (const t of dueTimes) bins[Math.floor((Date.parse(t) % periodMs) / MINUTE)]! += 1;
  return bins;
};

describe('parseIsoDuration', () => {
  it.each([
    ['P1D', DAY],
    ['PT30S', 30_000],
    ['PT12H', 12 * HOUR],
    ['P1DT30M', DAY + 30 * MINUTE],
    ['P2W', 14 * DAY],
    ['PT0.5S', 500],
    ['pt1m', MINUTE],
  ])('%s is %d ms', (text, ms) => {
    expect(parseIsoDuration(text)).toBe(ms);
  });

  it.each(['', 'P', 'PT', 'P1DT', '1D', 'P1M', 'P1Y', 'PT1X', 'P-1D', 'daily'])('refuses %j (calendar units and non-durations)', (text) => {
    expect(parseIsoDuration(text)).toBeNull();
  });
});

describe('degradedIntervalMs', () => {
  it('is a 24th of the interval, at least 5 minutes, at most the interval itself', () => {
    expect(degradedIntervalMs(DAY)).toBe(HOUR);
    expect(degradedIntervalMs(HOUR)).toBe(5 * MINUTE);
    expect(degradedIntervalMs(30_000)).toBe(30_000);
  });
});

describe('nextAtPhase', () => {
  it('is strictly after now, at the same offset within every period', () => {
    const first = nextAtPhase(0.25, DAY, NOW);
    const second = nextAtPhase(0.25, DAY, first);

    expect(first.getTime()).toBeGreaterThan(NOW.getTime());
    expect(first.getTime() - NOW.getTime()).toBeLessThanOrEqual(DAY);
    expect(first.toISOString()).toBe('2026-11-25T06:00:00.000Z');
    expect(second.getTime() - first.getTime()).toBe(DAY);
  });
});

describe('schedulePhase', () => {
  it('places slot n at frac(n × golden ratio), and a record without a slot by a hash of its id', () => {
    expect(schedulePhase({ id: 'byob_A', scheduleSlot: 1 })).toBeCloseTo(0.6180339887, 9);
    expect(schedulePhase({ id: 'byob_A', scheduleSlot: 2 })).toBeCloseTo(0.2360679775, 9);
    expect(schedulePhase({ id: 'byob_A' })).toBe(schedulePhase({ id: 'byob_A', scheduleSlot: null }));
    expect(schedulePhase({ id: 'byob_A' })).not.toBe(schedulePhase({ id: 'byob_B' }));
  });

  it('spreads 10,000 READY requests over a day so that no minute carries more than twice its even share', () => {
    // Prepare: slots as the table's counter hands them out, ids as lib/ids makes them
    const ulid = monotonicFactory();
    const records = Array.from({ length: 10_000 }, (_, i) => ({ id: `byob_${ulid()}`, scheduleSlot: i + 1 }));

    // Act
    const due = records.map((r) => nextReverifyAt(r, 'READY', DAY, NOW));

    // Assess
    const bins = perMinute(due, DAY);
    const evenShare = records.length / bins.length;
    expect(Math.max(...bins)).toBeLessThanOrEqual(2 * Math.ceil(evenShare));
    expect(Math.max(...bins)).toBeLessThanOrEqual(8);
    expect(Math.min(...bins)).toBeGreaterThanOrEqual(5);
    expect(due.every((t) => Date.parse(t) > NOW.getTime() && Date.parse(t) <= NOW.getTime() + DAY)).toBe(true);
  });

  it('keeps the promise for the first few hundred requests and when a random third of them is deleted', () => {
    const bins = perMinute(Array.from({ length: 300 }, (_, i) => nextReverifyAt({ id: `r${i}`, scheduleSlot: i + 1 }, 'READY', DAY, NOW)), DAY);
    expect(Math.max(...bins)).toBeLessThanOrEqual(2);

    let seed = 7;
    const random = () => ((seed = (seed * 16807) % 2147483647) / 2147483647);
    const kept = Array.from({ length: 15_000 }, (_, i) => i + 1).filter(() => random() > 1 / 3);
    const thinned = perMinute(kept.map((slot) => nextReverifyAt({ id: `r${slot}`, scheduleSlot: slot }, 'READY', DAY, NOW)), DAY);
    expect(Math.max(...thinned)).toBeLessThanOrEqual(2 * Math.ceil(kept.length / thinned.length));
  });
});

describe('assuredDueAt', () => {
  const record = { id: 'byob_A', scheduleSlot: 3 };

  it('READY at its slot in the interval; DEGRADED at its slot in the shorter period', () => {
    expect(assuredDueAt(record, 'READY', DAY, NOW)).toBe(nextAtPhase(schedulePhase(record), DAY, NOW).toISOString());
    expect(assuredDueAt(record, 'DEGRADED', DAY, NOW)).toBe(nextAtPhase(schedulePhase(record), HOUR, NOW).toISOString());
  });

  it('with a drift detection running, when its result is due (a quarter period, 5 s to a minute after it started)', () => {
    const running = { ...record, driftDetection: { startedAt: NOW.toISOString() } };

    expect(assuredDueAt(running, 'READY', DAY, NOW)).toBe(new Date(NOW.getTime() + MINUTE).toISOString());
    expect(assuredDueAt(running, 'READY', 30_000, NOW)).toBe(new Date(NOW.getTime() + 7_500).toISOString());
    expect(driftPollDelayMs(1_000)).toBe(5_000);
  });
});
