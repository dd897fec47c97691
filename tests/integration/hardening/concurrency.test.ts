import { beforeAll, describe, expect, it } from 'vitest';
import type { Deps } from '../../../lib/wiring/deps.js';
import { IN_FLIGHT_LIMIT_MS } from '../../../lib/http/idempotency.js';
import { reconcile } from '../../../lib/provisioning/reconcile.js';
import type { Store } from '../../../lib/provisioning/store.js';
import { directBody, makeWorld, send, type World } from './world.js';

// Races and crashes against the emulator, through the real POST /byob handler (middy, the
// idempotency keys in DynamoDB, the store's lock item, CloudFormation). Nothing here depends on timing:
// every assertion is about outcomes (statuses, ids, stacks, events).
let world: World;

beforeAll(async () => {
  world = await makeWorld();
});

const post = async (deps: Deps, token: string, body: unknown, key?: string) =>
  send(await world.handler('POST /byob', deps), { method: 'POST', route: '/byob', token, json: body, ...(key ? { headers: { 'idempotency-key': key } } : {}) });

describe('POST /byob under concurrency', () => {
  it('20 parallel POSTs with one Idempotency-Key launch one stack; every 202 carries the same id, the rest are 409 in flight', async () => {
    const tenant = world.tenant('idem');
    const token = await world.token(tenant);
    const deps = world.deps();
    const replies = await Promise.all(Array.from({ length: 20 }, () => post(deps, token, directBody({ team: 'race' }), 'key-one')));

    const statuses = replies.map((r) => r.status);
    expect(statuses.filter((s) => s >= 500)).toEqual([]);
    expect(statuses.every((s) => s === 202 || s === 409)).toBe(true);
    const ids = new Set(replies.filter((r) => r.status === 202).map((r) => r.body.id));
    expect(ids.size).toBe(1);
    for (const r of replies.filter((x) => x.status === 409)) {
      expect(r.headers['content-type']).toBe('application/problem+json');
      expect(r.body.detail).toMatch(/Idempotency-Key/);
    }
    const stacks = await world.stacksOf(tenant);
    expect(stacks.map((s) => s.Tags?.find((t) => t.Key === 'byob:request')?.Value)).toEqual([...ids]);

    // Once the first call is done, the same key replays the stored answer: same id, still one stack.
    const replay = await post(deps, token, directBody({ team: 'race' }), 'key-one');
    expect(replay.status).toBe(202);
    expect(replay.body.id).toBe([...ids][0]);
    expect(await world.stacksOf(tenant)).toHaveLength(1);

    // The same key with another body is refused, and launches nothing.
    const other = await post(deps, token, directBody({ team: 'race', tags: { changed: 'yes' } }), 'key-one');
    expect(other.status).toBe(422);
    expect(other.headers['content-type']).toBe('application/problem+json');
    expect(other.body.type).toMatch(/idempotency-key-reused$/);
    expect(await world.stacksOf(tenant)).toHaveLength(1);
  });

  it('a call that dies in flight holds its Idempotency-Key only for the function timeout, not for the 24 h TTL', async () => {
    const tenant = world.tenant('hang');
    const token = await world.token(tenant);
    const real = world.deps();
    let release!: () => void;
    const stuck = new Promise<void>((r) => (release = r));
    // store.create never returns while the test looks: the call is "killed" with its key in flight.
    const deps = world.deps({ store: { ...real.store, create: async (r) => stuck.then(() => real.store.create(r)) } });
    const first = post(deps, token, directBody({ team: 'hang' }), 'key-hang');
    let item: Record<string, { N?: string; S?: string }> | undefined;
    for (let i = 0; i < 100 && !item; i++) {
      item = (await world.idempotencyItems()).find((x) => x.status?.S === 'INPROGRESS');
      if (!item) await new Promise((r) => setTimeout(r, 50));
    }
    const second = await post(world.deps(), token, directBody({ team: 'hang' }), 'key-hang');
    expect(second.status).toBe(409);
    const inFlightUntil = Number(item!.in_progress_expiration!.N);
    const keptUntil = Number(item!.expiration!.N) * 1000;
    expect(inFlightUntil).toBeLessThanOrEqual(Date.now() + IN_FLIGHT_LIMIT_MS);
    expect(keptUntil - inFlightUntil).toBeGreaterThan(23 * 3_600_000);
    release();
    expect((await first).status).toBe(202);
  });

  it('a call that fails frees its Idempotency-Key: the same key then runs again', async () => {
    const tenant = world.tenant('idem-fail');
    const token = await world.token(tenant);
    const real = world.deps();
    const failing = world.deps({ store: { ...real.store, create: async () => Promise.reject(new Error('table unavailable')) } });

    const first = await post(failing, token, directBody({ team: 'retry' }), 'key-retry');
    expect(first.status).toBe(500);
    const again = await post(real, token, directBody({ team: 'retry' }), 'key-retry');
    expect(again.status).toBe(202);
    expect(await world.stacksOf(tenant)).toHaveLength(1);
  });

  it('20 parallel POSTs with different keys for one team: exactly one 202, every other a 409 naming its id', async () => {
    const tenant = world.tenant('team');
    const token = await world.token(tenant);
    const deps = world.deps();
    const replies = await Promise.all(Array.from({ length: 20 }, (_, i) => post(deps, token, directBody({ team: 'contended' }), `key-${i}`)));

    const accepted = replies.filter((r) => r.status === 202);
    const conflicts = replies.filter((r) => r.status === 409);
    expect(accepted).toHaveLength(1);
    expect(conflicts).toHaveLength(19);
    const winner = accepted[0]!.body.id as string;
    for (const c of conflicts) {
      expect(c.headers['content-type']).toBe('application/problem+json');
      expect(c.body.existingId).toBe(winner);
    }
    const stacks = await world.stacksOf(tenant);
    expect(stacks).toHaveLength(1);
    expect(stacks[0]!.Tags).toContainEqual({ Key: 'byob:request', Value: winner });
    // One record, one lock: nothing half-made was left by the losers.
    const items = await world.itemsOf(tenant);
    expect(items.filter((i) => i.sk?.S?.startsWith('R#'))).toHaveLength(1);
    expect(items.filter((i) => i.sk?.S?.startsWith('A#'))).toHaveLength(1);
  });

  it('a crash after CreateStack and before the record write is converged by the reconciler: adopted stack, READY, one event per state', async () => {
    // Its own table, so the reconciler run sees only this test's record.
    const world = await makeWorld();
    const tenant = world.tenant('crash');
    const token = await world.token(tenant);
    const real = world.deps();
    let armed = true;
    // The Lambda "dies" right after CreateStack answered: the write that records the launch never happens.
    const store: Store = {
      ...real.store,
      commit: async (plan) => {
        if (armed && plan.after.status === 'CREATING') {
          armed = false;
          throw new Error('injected: Lambda killed after CreateStack');
        }
        return real.store.commit(plan);
      },
    };
    const crashing = world.deps({ store });
    const crashed = await post(crashing, token, directBody({ team: 'phoenix', callbackUrl: 'http://127.0.0.1:9/hooks' }));
    expect(crashed.status).toBe(500);
    expect(crashed.body.detail).not.toMatch(/injected/);

    const [record] = (await real.store.list(tenant, { limit: 10 })).items;
    expect(record).toMatchObject({ status: 'PENDING', launch: { stackId: null } });
    const stacks = await world.stacksOf(tenant);
    expect(stacks).toHaveLength(1);
    expect(stacks[0]!.StackName).toBe(record!.launch.stackName);

    // The scheduled run, with the clock past the record's deadline.
    const later = new Date(Date.parse(record!.dueAt!) + 60_000);
    const reconciler = world.deps({ clock: () => later, deliverNow: async () => undefined });
    const report = await reconcile(reconciler);
    expect(report.errors).toBe(0);

    const settled = (await real.store.get(tenant, record!.id))!;
    expect(settled.status, JSON.stringify(settled.failure ?? settled.verification)).toBe('READY');
    expect(settled.launch.stackId).toBe(stacks[0]!.StackId);
    expect(settled.outputs?.bucketName).toBe(record!.bucketName);
    expect(await world.stacksOf(tenant)).toHaveLength(1);

    // One event per state change: status_changed for VERIFYING and READY, and one byob.ready.
    const events = (await real.store.outboxFor(tenant, record!.id)).map((o) => {
      const payload = JSON.parse(o.body) as { type: string; data: { status: string } };
      return `${payload.type}:${payload.data.status}`;
    });
    expect(events.sort()).toEqual(['byob.ready:READY', 'byob.status_changed:READY', 'byob.status_changed:VERIFYING']);

    // A second run (or a late duplicate) changes nothing: converged.
    const again = await reconcile(world.deps({ clock: () => new Date(later.getTime() + 3_600_000), deliverNow: async () => undefined }));
    expect(again.errors).toBe(0);
    expect((await real.store.get(tenant, record!.id))!).toMatchObject({ status: 'READY', launch: { stackId: settled.launch.stackId } });
    expect(await world.stacksOf(tenant)).toHaveLength(1);
    expect(await real.store.outboxFor(tenant, record!.id)).toHaveLength(3);
  });
});
