import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toView, type ByobRecord } from '../../../lib/provisioning/record.js';
import { transition } from '../../../lib/provisioning/transition.js';
import { type Store } from '../../../lib/provisioning/store.js';
import { eventsForTransition } from '../../../lib/webhooks/events.js';
import { createRecord, emulatorTable, outboxOf, testClock, testIds, webhookDeps } from './support.js';
import { VIEW } from '../../support/fakes.js';
import type { Status } from '../../../lib/provisioning/state-machine.js';
import { InvalidTransitionError, TRANSITIONS } from '../../../lib/provisioning/state-machine.js';
import { StaleRecordError } from '../../../lib/provisioning/stale-record.js';

// transition() against the emulator's DynamoDB: the record, the team lock and the outbox events are
// one TransactWriteItems, so every change has its events and a refused write leaves none.
let table: Awaited<ReturnType<typeof emulatorTable>>;
let store: Store;
const clock = testClock();
const ids = testIds();

beforeAll(async () => {
  table = await emulatorTable('transitions');
  store = table.store;
});
afterAll(async () => {
  await table?.drop();
});

const deps = () => webhookDeps(store, clock, ids).deps;

// Shortest way from PENDING to every status, through allowed transitions only.
const pathTo = (() => {
  const paths = new Map<Status, Status[]>([['PENDING', []]]);
  const queue: Status[] = ['PENDING'];
  while (queue.length) {
    const from = queue.shift()!;
    for (const to of TRANSITIONS[from]) {
      if (!paths.has(to)) {
        paths.set(to, [...paths.get(from)!, to]);
        queue.push(to);
      }
    }
  }
  return paths;
})();

const EDGES = (Object.entries(TRANSITIONS) as Array<[Status, readonly Status[]]>).flatMap(([from, tos]) => tos.map((to) => [from, to] as const));

const walk = async (record: ByobRecord, path: Status[]) => {
  let r = record;
  for (const to of path) r = await transition(deps(), r, to);
  return r;
};

describe('transition(): each status change and its webhook events are one write', () => {
  it('every status can be reached from PENDING (so every edge below is exercised)', () => {
    expect([...pathTo.keys()].sort()).toEqual(Object.keys(TRANSITIONS).sort());
    expect(EDGES.length).toBeGreaterThanOrEqual(25);
  });

  it.each(EDGES)('%s → %s writes the record and exactly its events, each carrying the record as written', async (from, to) => {
    const start = await walk(await createRecord(store, clock, ids, { callbackUrl: 'https://portal.example.com/hooks/byob' }), pathTo.get(from)!);
    const before = await outboxOf(store, start);
    clock.advance(1000);

    const after = await transition(deps(), start, to);

    const stored = await store.get(start.tenant, start.id);
    expect(stored).toMatchObject({ status: to, version: start.version + 1, updatedAt: clock().toISOString() });
    const added = (await outboxOf(store, start)).slice(before.length);
    expect(added.map((o) => o.type)).toEqual(eventsForTransition(from, to));
    expect(added.length).toBeGreaterThan(0);
    for (const o of added) {
      expect(o).toMatchObject({ status: 'pending', attempts: 0, occurredAt: stored!.updatedAt, nextAttemptAt: stored!.updatedAt });
      const payload = JSON.parse(o.body);
      expect(payload).toMatchObject({ type: o.type, version: expect.any(String), timestamp: stored!.updatedAt });
      expect(payload.data).toEqual(JSON.parse(JSON.stringify(toView(after, VIEW))));
    }
    expect(stored!.callback).toMatchObject({ status: 'pending', nextAttemptAt: stored!.updatedAt });
  });

  it('a request walked to READY has one status_changed per change and a byob.ready, in order', async () => {
    const r = await walk(await createRecord(store, clock, ids, { callbackUrl: 'https://portal.example.com/hooks/byob' }), ['CREATING', 'VERIFYING', 'READY']);
    const events = (await outboxOf(store, r)).map((o) => [o.type, JSON.parse(o.body).data.status]);
    expect(events).toEqual([
      ['byob.status_changed', 'CREATING'],
      ['byob.status_changed', 'VERIFYING'],
      ['byob.status_changed', 'READY'],
      ['byob.ready', 'READY'],
    ]);
  });

  it('a conditional write that fails (stale version) changes nothing and leaves no outbox item', async () => {
    const record = await createRecord(store, clock, ids, { callbackUrl: 'https://portal.example.com/hooks/byob' });
    const moved = await transition(deps(), record, 'CREATING');
    const outboxBefore = await outboxOf(store, record);

    await expect(transition(deps(), record, 'FAILED')).rejects.toBeInstanceOf(StaleRecordError);

    expect(await store.get(record.tenant, record.id)).toEqual(moved);
    expect(await outboxOf(store, record)).toEqual(outboxBefore);
  });

  it('a transition that would take a team lock another request holds fails whole: no status, no event', async () => {
    const first = await createRecord(store, clock, ids, { callbackUrl: 'https://portal.example.com/hooks/byob' });
    const failed = await transition(deps(), first, 'FAILED');
    // A second request for the same team takes the freed lock.
    const second = { ...(await createRecord(store, clock, ids)), activeKey: first.activeKey };
    await store.create({ ...second, id: ids.requestId() });
    const outboxBefore = await outboxOf(store, first);

    await expect(transition(deps(), failed, 'VERIFYING')).rejects.toThrow(/holds this team/);

    expect((await store.get(first.tenant, first.id))!.status).toBe('FAILED');
    expect(await outboxOf(store, first)).toEqual(outboxBefore);
  });

  it('a transition the state machine forbids writes nothing', async () => {
    const record = await createRecord(store, clock, ids, { callbackUrl: 'https://portal.example.com/hooks/byob' });
    await expect(transition(deps(), record, 'READY')).rejects.toBeInstanceOf(InvalidTransitionError);
    expect(await store.get(record.tenant, record.id)).toEqual(record);
    expect(await outboxOf(store, record)).toEqual([]);
  });

  it('a request without callbackUrl changes status with no outbox', async () => {
    const record = await createRecord(store, clock, ids, { callbackUrl: null });
    await transition(deps(), record, 'CREATING');
    expect(await outboxOf(store, record)).toEqual([]);
  });
});
