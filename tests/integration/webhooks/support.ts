import { randomUUID } from 'node:crypto';
import { createServer } from 'node:net';
import { CreateTableCommand, DeleteTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterEach, beforeEach, inject } from 'vitest';
import { documentClientOf } from '../../../lib/aws/clients.js';
import type { Ids } from '../../../lib/ids.js';
import { deliverDue, deliverPendingFor, type OutboxDeps } from '../../../lib/webhooks/outbox.js';
import type { ByobRecord } from '../../../lib/provisioning/record.js';
import { type OutboxItem, type Store } from '../../../lib/provisioning/store.js';
import { transition, type TransitionDeps } from '../../../lib/provisioning/transition.js';
import { deliverWebhook, type DeliveryOutcome, type DeliveryRequest } from '../../../lib/webhooks/delivery.js';
import { startReceiver, type Receiver, type Reply } from '../../support/receiver.js';
import type { Status } from '../../../lib/provisioning/state-machine.js';
import { TABLE_DEFINITION } from '../../../lib/provisioning/table.js';
import { dynamoStore } from '../../../lib/provisioning/dynamo-store.js';
import { TEMPLATE_VERSION } from '../../../templates/version.js';

/** The injected clock: starts at a fixed instant and moves only when a test moves it. */
export interface TestClock {
  (): Date;
  set(at: Date | string): void;
  advance(ms: number): void;
}

export const testClock = (start = '2026-11-02T10:00:00.000Z'): TestClock => {
  let now = Date.parse(start);
  const clock = (() => new Date(now)) as TestClock;
  clock.set = (at) => {
    now = typeof at === 'string' ? Date.parse(at) : at.getTime();
  };
  clock.advance = (ms) => {
    now += ms;
  };
  return clock;
};

/** Ids whose event ids sort in creation order, as ULIDs do. */
export const testIds = (): Ids => {
  let n = 0;
  return {
    requestId: () => `byob_${randomUUID().replace(/-/g, '').slice(0, 26).toUpperCase()}`,
    eventId: () => `evt_${String(++n).padStart(6, '0')}`,
    updateId: () => `upd-${String(++n).padStart(6, '0')}`,
    token: (size) => randomUUID().replace(/-/g, '').slice(0, size),
  };
};

/** A table of its own in the run's emulator (the name is unique per call) and the real store over it. */
export const emulatorTable = async (label: string) => {
  const client = new DynamoDBClient({ endpoint: inject('emulatorEndpoint'), region: 'eu-west-1', credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } });
  const TableName = `byob-it-${label}-${randomUUID().slice(0, 8)}`;
  await client.send(new CreateTableCommand({ TableName, ...(structuredClone(TABLE_DEFINITION) as object) } as never));
  const store = dynamoStore(documentClientOf(client), TableName);
  return {
    store,
    client,
    tableName: TableName,
    drop: async () => {
      await client.send(new DeleteTableCommand({ TableName }));
      client.destroy();
    },
  };
};

/** Everything transition() and the outbox need, with the real store and the real SSRF-safe delivery (loopback allowed, as local mode wires it). */
export const webhookDeps = (store: Store, clock: TestClock, ids: Ids = testIds()) => {
  const sent: Array<{ request: DeliveryRequest; outcome: DeliveryOutcome }> = [];
  const deps: TransitionDeps & OutboxDeps = {
    store,
    ids,
    clock,
    statusDeadlineMinutes: 30,
    config: { templateVersion: TEMPLATE_VERSION },
    random: () => 0.5,
    sendWebhook: async (request) => {
      const outcome = await deliverWebhook({ allowLoopback: true, clock }, request);
      sent.push({ request, outcome });
      return outcome;
    },
  };
  return { deps, sent };
};

/** A fresh PENDING direct-mode request, stored with its team lock. */
export const createRecord = async (store: Store, clock: TestClock, ids: Ids, over: { tenant?: string; callbackUrl?: string | null } = {}): Promise<ByobRecord> => {
  const id = ids.requestId();
  const at = clock().toISOString();
  const team = `team-${id.slice(-8).toLowerCase()}`;
  const record: ByobRecord = {
    tenant: over.tenant ?? 'tenant-webhooks',
    id,
    status: 'PENDING',
    version: 1,
    scope: 'team',
    team,
    region: 'eu-west-1',
    bucketName: `acme-${team}`,
    encryption: { type: 'sse-kms' },
    corsRules: [],
    accessRole: false,
    launch: { mode: 'direct', roleArn: null, stackName: `byob-${id.slice(5).toLowerCase()}`, stackId: null, stackStatus: null },
    quickCreate: null,
    templateKey: `templates/${id}.json`,
    templateBucket: 'byob-templates-eu-west-1',
    callback:
      over.callbackUrl === null
        ? null
        : { url: over.callbackUrl ?? 'http://127.0.0.1:9/hook', status: 'idle', attempts: 0, lastAttemptAt: null, lastError: null, nextAttemptAt: null },
    tags: {},
    outputs: null,
    verification: null,
    failure: null,
    activeKey: `team#${team}`,
    dueAt: null,
    createdAt: at,
    updatedAt: at,
  };
  await store.create(record);
  return record;
};

/** Outputs of a completed stack, as the record carries them. */
export const OUTPUTS = {
  bucketName: 'acme-omega-artifacts',
  bucketArn: 'arn:aws:s3:::acme-omega-artifacts',
  kmsKeyArn: 'arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab',
  region: 'eu-west-1',
  roleArn: null,
  accountId: '123456789012',
};

/** A loopback port with nothing listening: connections are refused (a receiver that is down). */
export const closedPort = async (): Promise<number> => {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
};

/** The request's outbox in event order. */
export const outboxOf = async (store: Store, record: Pick<ByobRecord, 'tenant' | 'id'>): Promise<OutboxItem[]> =>
  (await store.outboxFor(record.tenant, record.id)).sort((a, b) => (a.eventId < b.eventId ? -1 : 1));

/** Per-test state of the delivery tests: a fresh table, clock and tenant secret, and the receiver to close. */
export interface WebhookWorld {
  store: Store;
  clock: TestClock;
  deps: TransitionDeps & OutboxDeps;
  receiver: Receiver | undefined;
  /** Starts the loopback receiver, verifying with `secret` (when given) at the injected time. */
  receive(secret: string | undefined, reply?: (n: number) => Reply): Promise<Receiver>;
  /** A status change followed by its immediate delivery attempt, as lib/provisioning/workflow.ts does it; returns the stored record. */
  step(record: ByobRecord, to: Status, patch?: Partial<ByobRecord>): Promise<ByobRecord>;
  /** One run of the reconciler's every-minute schedule at the next minute an event is due; false when none is pending. */
  nextScheduledRun(record: ByobRecord): Promise<boolean>;
}

/** Registers beforeEach/afterEach that give every test its own table, clock and receiver. */
export const useWebhookWorld = (label: string): WebhookWorld => {
  let table: Awaited<ReturnType<typeof emulatorTable>> | undefined;
  const world: WebhookWorld = {
    store: undefined as never,
    clock: undefined as never,
    deps: undefined as never,
    receiver: undefined,
    async receive(secret, reply = () => ({ status: 204 })) {
      world.receiver = await startReceiver({ ...(secret ? { secret } : {}), now: world.clock, reply });
      return world.receiver;
    },
    async step(record, to, patch = {}) {
      world.clock.advance(1_000);
      const next = await transition(world.deps, record, to, patch);
      await deliverPendingFor(world.deps, next.tenant, next.id);
      return (await world.store.get(next.tenant, next.id))!;
    },
    async nextScheduledRun(record) {
      const due = (await outboxOf(world.store, record)).filter((o) => o.status === 'pending').map((o) => o.nextAttemptAt!).sort()[0];
      if (!due) return false;
      world.clock.set(new Date(Math.ceil(Date.parse(due) / 60_000) * 60_000));
      await deliverDue(world.deps);
      return true;
    },
  };
  beforeEach(async () => {
    table = await emulatorTable(label);
    world.store = table.store;
    world.clock = testClock();
    world.deps = webhookDeps(world.store, world.clock, testIds()).deps;
  });
  afterEach(async () => {
    await world.receiver?.close();
    world.receiver = undefined;
    await table?.drop();
  });
  return world;
};
