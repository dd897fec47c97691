import { afterEach, describe, expect, it } from 'vitest';
import { nextReverifyAt } from '../../../lib/provisioning/reverify-schedule.js';
import { emulatorTable } from '../webhooks/support.js';

// The re-verification schedule's slots come from one counter item in the table (dynamo-store.ts
// nextScheduleSlot); the spread they give 10,000 requests is asserted on a histogram in
// tests/unit/provisioning/reverify-schedule.test.ts.
let table: Awaited<ReturnType<typeof emulatorTable>> | undefined;
afterEach(async () => {
  await table?.drop();
  table = undefined;
});

describe('schedule slots from the table', () => {
  it('requests that become READY at the same moment still get distinct, consecutive slots', async () => {
    table = await emulatorTable('slots');

    const slots = await Promise.all(Array.from({ length: 200 }, () => table!.store.nextScheduleSlot()));

    expect([...slots].sort((a, b) => a - b)).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
  });

  it('those slots put no two of 200 requests in the same minute of a day', async () => {
    table = await emulatorTable('spread');
    const now = new Date('2026-11-24T10:00:00.000Z');
    const slots = await Promise.all(Array.from({ length: 200 }, () => table!.store.nextScheduleSlot()));

    const minutes = slots.map((slot) => Math.floor(Date.parse(nextReverifyAt({ id: `r${slot}`, scheduleSlot: slot }, 'READY', 86_400_000, now)) / 60_000));

    expect(new Set(minutes).size).toBe(200);
  });
});
