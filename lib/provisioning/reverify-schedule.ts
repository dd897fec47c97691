import { createHash } from 'node:crypto';

/**
 * When a READY or DEGRADED request is verified again: every `REVERIFY_INTERVAL` (an ISO-8601
 * duration), DEGRADED ones more often, each request at its own fixed phase within the period so the
 * work is spread evenly over it.
 */

/** REVERIFY_INTERVAL when the environment does not set it. */
export const DEFAULT_REVERIFY_INTERVAL = 'P1D';

/** Shortest accepted interval: below this the reconciler (every minute on AWS) cannot keep up anyway. */
export const MIN_REVERIFY_INTERVAL_MS = 10_000;

/** Longest accepted interval: a broken bucket should not go unnoticed for longer than a quarter. */
export const MAX_REVERIFY_INTERVAL_MS = 90 * 24 * 3_600_000;

/** DEGRADED requests are looked at no more often than this (unless the interval itself is shorter). */
export const DEGRADED_FLOOR_MS = 5 * 60_000;

const UNIT_MS: Record<string, number> = { W: 7 * 86_400_000, D: 86_400_000, H: 3_600_000, M: 60_000, S: 1_000 };

/**
 * Milliseconds of an ISO-8601 duration made of weeks, days, hours, minutes and seconds
 * (`P1D`, `PT12H`, `P1DT30M`, `PT0.5S`), or null when it is not one. Years and months are refused:
 * their length depends on the calendar.
 */
export const parseIsoDuration = (text: string): number | null => {
  const m = /^P(?:(\d+(?:\.\d+)?)W)?(?:(\d+(?:\.\d+)?)D)?(?:T(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?)?$/.exec(text.trim().toUpperCase());
  if (!m || text.trim().toUpperCase().endsWith('T') || m.slice(1).every((v) => v === undefined)) return null;
  const [, w, d, h, min, s] = m;
  const parts: Array<[string | undefined, string]> = [[w, 'W'], [d, 'D'], [h, 'H'], [min, 'M'], [s, 'S']];
  return Math.round(parts.reduce((sum, [v, unit]) => sum + (v === undefined ? 0 : Number(v) * UNIT_MS[unit]!), 0));
};

/** {@link DEFAULT_REVERIFY_INTERVAL} in milliseconds: what a deps object without `reverifyIntervalMs` gets. */
export const DEFAULT_REVERIFY_INTERVAL_MS = parseIsoDuration(DEFAULT_REVERIFY_INTERVAL)!;

/**
 * How often a DEGRADED request is verified again: a 24th of the interval (hourly at the default P1D,
 * so a fixed bucket turns READY within the hour without anyone asking), never more often than every
 * 5 minutes, and never less often than a READY one.
 */
export const degradedIntervalMs = (intervalMs: number): number => Math.min(intervalMs, Math.max(intervalMs / 24, DEGRADED_FLOOR_MS));

/** The period of a request in `status` under `intervalMs`. */
export const reverifyPeriodMs = (status: 'READY' | 'DEGRADED', intervalMs: number): number =>
  status === 'DEGRADED' ? degradedIntervalMs(intervalMs) : intervalMs;

/** The fractional part of the golden ratio. */
const GOLDEN = (Math.sqrt(5) - 1) / 2;

/**
 * A request's phase in [0, 1): where in every period it is verified. Slots are numbered in the order
 * requests first became READY, and slot n sits at frac(n × golden ratio): by the three-gap theorem
 * the first N such points split the period into gaps of at most three lengths, so any minute holds
 * close to its even share (10,000 requests over a day: at most 8 in a minute, for an even 6.9).
 * Hashing ids alone would put up to 19 in the busiest minute. A record without a slot (written
 * before slots existed) falls back to a hash of its id.
 */
export const schedulePhase = (record: { id: string; scheduleSlot?: number | null | undefined }): number => {
  if (typeof record.scheduleSlot === 'number') return (record.scheduleSlot * GOLDEN) % 1;
  return createHash('sha256').update(record.id).digest().readUInt32BE(0) / 2 ** 32;
};

/** The first instant strictly after `now` that sits at `phase` within a period of `periodMs` (periods start at the epoch). */
export const nextAtPhase = (phase: number, periodMs: number, now: Date): Date => {
  const offset = Math.floor(phase * periodMs);
  const k = Math.floor((now.getTime() - offset) / periodMs) + 1;
  return new Date(k * periodMs + offset);
};

/** When a request entering (or staying in) READY or DEGRADED is next verified. */
export const nextReverifyAt = (
  record: { id: string; scheduleSlot?: number | null | undefined },
  status: 'READY' | 'DEGRADED',
  intervalMs: number,
  now: Date,
): string => nextAtPhase(schedulePhase(record), reverifyPeriodMs(status, intervalMs), now).toISOString();

/**
 * How long after starting a drift detection its result is read: a quarter of the period, between 5 s
 * and a minute (AWS takes seconds to minutes for a handful of resources).
 */
export const driftPollDelayMs = (periodMs: number): number => Math.min(60_000, Math.max(5_000, periodMs / 4));

/** What the due time of a READY or DEGRADED record depends on. */
export interface ScheduledRecord {
  id: string;
  scheduleSlot?: number | null | undefined;
  driftDetection?: { startedAt: string } | null | undefined;
}

/** When the reconciler next looks at an assured record: to read a running drift detection back, else at its next slot. */
export const assuredDueAt = (record: ScheduledRecord, status: 'READY' | 'DEGRADED', intervalMs: number, now: Date): string => {
  if (record.driftDetection) {
    const pollAt = Date.parse(record.driftDetection.startedAt) + driftPollDelayMs(reverifyPeriodMs(status, intervalMs));
    return new Date(Math.max(pollAt, now.getTime())).toISOString();
  }
  return nextReverifyAt(record, status, intervalMs, now);
};
