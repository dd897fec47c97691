/**
 * Delivery and reconciliation at scale (`BENCH_ONLY=scale npm run bench`), on the emulator: 10,000
 * requests in flight across 50 tenants, one tenant's receiver hanging.
 *
 * The records are seeded through the store (CREATING, each with a callback URL) rather than made by
 * launching 10,000 stacks: what is measured is webhook delivery and the reconciler, not provisioning.
 * Then status changes (CREATING → VERIFYING, the real transition and its outbox event) are made at a
 * steady rate across the tenants, each queuing its run as deps.ts does, and the delivery function's
 * consumer takes them off the emulator's SQS queue behind the local event-source bridge, with the
 * deployed mapping (batches of 10, 20 at once), delivering to loopback receivers for real.
 * Figures: each delivery's arrival after its event (the payload's timestamp) for every tenant but
 * the hanging one; the hanging tenant's deliveries after its receiver recovers, none lost; and the
 * DynamoDB reads of one reconciler run with the same number of records due, at 1,000 and at 10,000
 * records in the table.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { CreateTableCommand } from '@aws-sdk/client-dynamodb';
import { documentClientOf, makeDynamo } from '../lib/aws/clients.js';
import { systemClock } from '../lib/clock.js';
import { parseConfig } from '../lib/config.js';
import { realIds } from '../lib/ids.js';
import { dynamoStore } from '../lib/provisioning/dynamo-store.js';
import { inPool } from '../lib/provisioning/pool.js';
import { reconcile } from '../lib/provisioning/reconcile.js';
import type { ByobRecord } from '../lib/provisioning/record.js';
import { TABLE_DEFINITION } from '../lib/provisioning/table.js';
import { transition } from '../lib/provisioning/transition.js';
import { tenantSettings } from '../lib/tenants/settings.js';
import { deliverWebhook } from '../lib/webhooks/delivery.js';
import { makeDeps } from '../lib/wiring/deps.js';
// @ts-expect-error plain ESM script without types
import { startEmulator } from '../scripts/emulator.mjs';
import { createDeliveryQueues, LOCAL_NAMES, localServiceEnv } from '../scripts/local-aws.js';
import { startDeliveryWorker } from '../tests/support/delivery-worker.js';
import { directRecord } from '../tests/support/records.js';
import { type GoalRow, median, ms, quantile, times } from './stats.js';

const RECORDS = Number(process.env.BENCH_SCALE_RECORDS ?? 10_000);
const TENANTS = Number(process.env.BENCH_SCALE_TENANTS ?? 50);
/**
 * Status changes made during the run, and how many a second. A delivery costs the emulator ~10 calls,
 * two of them Queries that read the tenant's whole partition (~400 items with 10,000 requests across
 * 50 tenants; DynamoDB reads only the matching ones): ~50 ms of its one process. 8 a second keeps it
 * under half busy, so what is measured is the delivery path, not the emulator's queue.
 */
const EVENTS = Number(process.env.BENCH_SCALE_EVENTS ?? 1_000);
const RATE = Number(process.env.BENCH_SCALE_RATE ?? 8);
/** How long the hanging tenant's receiver hangs, from the first event. */
const HANG_MS = Number(process.env.BENCH_SCALE_HANG_S ?? 30) * 1000;
/** Records due at each reconciler measurement. */
const DUE = 20;
const FIRST = 1_000;
const REGION = 'eu-west-1';
const TABLE = 'byob-scale';
const credentials = { accessKeyId: 'testing', secretAccessKey: 'testing' };

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Arrival {
  tenant: string;
  eventId: string;
  /** Milliseconds from the event (its payload timestamp) to its arrival here. */
  latencyMs: number;
  at: number;
}

/** Loopback receivers on one server, `/t/<tenant>`; `hanging` gets no answer (until it recovers). */
const receivers = async (hanging: string) => {
  const arrivals: Arrival[] = [];
  let recoveredAt = Number.POSITIVE_INFINITY;
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const tenant = decodeURIComponent((req.url ?? '').split('/')[2] ?? '');
      const at = Date.now();
      if (tenant === hanging && at < recoveredAt) return;
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { timestamp: string };
      arrivals.push({ tenant, eventId: String(req.headers['webhook-id']), latencyMs: at - Date.parse(body.timestamp), at });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as { port: number }).port}`,
    arrivals,
    recover: () => void (recoveredAt = Date.now()),
    recoveredAt: () => recoveredAt,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
};

/** DynamoDB reads of one call, counted in the client's own middleware: requests by operation, and items returned. */
const readCounter = (client: ReturnType<typeof makeDynamo>) => {
  const reads: Record<string, number> = {};
  let items = 0;
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const out = await next(args);
      const op = context.commandName?.replace(/Command$/, '') ?? '?';
      if (/^(Get|BatchGet|TransactGet)Item$|^(Query|Scan)$/.test(op)) {
        reads[op] = (reads[op] ?? 0) + 1;
        const o = out.output as { Count?: number; Item?: unknown; Responses?: unknown[] };
        items += o.Count ?? (o.Item ? 1 : 0) + (o.Responses?.length ?? 0);
      }
      return out;
    },
    { step: 'initialize', name: 'countReads' },
  );
  return {
    during: async <T>(work: () => Promise<T>) => {
      for (const k of Object.keys(reads)) delete reads[k];
      items = 0;
      const result = await work();
      return { result, requests: Object.values(reads).reduce((a, b) => a + b, 0), items, byOperation: { ...reads } };
    },
  };
};

/** Runs the scale bench; its rows for the report, and the figures logged on the way. */
export const benchScale = async (log: (s: string) => void): Promise<GoalRow[]> => {
  process.env.AWS_ACCESS_KEY_ID ??= credentials.accessKeyId;
  process.env.AWS_SECRET_ACCESS_KEY ??= credentials.secretAccessKey;
  const emulator = (await startEmulator({ quiet: true })) as { endpoint: string; stop: () => Promise<void> };
  const tenants = Array.from({ length: TENANTS }, (_, i) => `scale-${String(i).padStart(2, '0')}`);
  const hanging = tenants.at(-1)!;
  const hooks = await receivers(hanging);
  let worker: ReturnType<typeof startDeliveryWorker> | undefined;
  try {
    const target = { region: REGION, endpoint: emulator.endpoint, credentials, profile: 'background' as const };
    await makeDynamo(target).send(new CreateTableCommand({ TableName: TABLE, ...(structuredClone(TABLE_DEFINITION) as object) } as never));
    const queues = await createDeliveryQueues(emulator.endpoint, REGION, { deliveries: 'byob-scale-deliveries.fifo', deadLetters: 'byob-scale-deliveries-dlq.fifo' });
    const cfg = parseConfig(
      localServiceEnv({ endpoint: emulator.endpoint, jwks: '{"keys":[]}', linkKey: 'k'.repeat(48), names: { ...LOCAL_NAMES, table: TABLE }, regions: [REGION], deliveryQueueUrl: queues.queueUrl }),
    );
    const dynamo = makeDynamo(target);
    const counter = readCounter(dynamo);
    const store = dynamoStore(documentClientOf(dynamo), TABLE);
    const ids = realIds();
    const base = { store, ids, clock: systemClock, statusDeadlineMinutes: cfg.statusDeadlineMinutes, config: cfg };
    for (const t of tenants) await tenantSettings(base, t);

    // Seeding: every record CREATING with a callback; DUE of each block overdue for the reconciler.
    const records: ByobRecord[] = [];
    const seed = async (count: number, due: number) => {
      const started = Date.now();
      const now = Date.now();
      const made = await inPool(Array.from({ length: count }, (_, i) => i), 8, async (i) => {
        const tenant = tenants[(records.length + i) % TENANTS]!;
        const id = ids.requestId();
        const record = directRecord({
          tenant,
          id,
          team: id.slice(-10).toLowerCase(),
          activeKey: `team#${id}`,
          callback: { url: `${hooks.url}/t/${tenant}`, status: 'idle', attempts: 0, lastAttemptAt: null, lastError: null, nextAttemptAt: null },
          launch: { ...directRecord().launch, stackName: `byob-${id.slice(5).toLowerCase()}`, stackId: `arn:aws:cloudformation:${REGION}:${LOCAL_NAMES.accountId}:stack/byob-${id.slice(5).toLowerCase()}/x` },
          dueAt: new Date(now + (i < due ? -60_000 : 86_400_000)).toISOString(),
          createdAt: new Date(now).toISOString(),
          updatedAt: new Date(now).toISOString(),
        });
        await store.create(record);
        return record;
      });
      records.push(...made);
      log(`scale: seeded ${records.length} records (${((count / (Date.now() - started)) * 1000).toFixed(0)}/s)`);
    };
    const reconciler = makeDeps(cfg, { store }, 'background');
    const reconcileRun = () => counter.during(() => reconcile(reconciler));

    await seed(FIRST, DUE);
    const atFirst = await reconcileRun();
    await seed(RECORDS - FIRST, DUE);
    const atAll = await reconcileRun();
    log(`scale: reconciler at ${FIRST}: ${JSON.stringify(atFirst.byOperation)} (${atFirst.items} items, examined ${atFirst.result.examined}); at ${records.length}: ${JSON.stringify(atAll.byOperation)} (${atAll.items} items, examined ${atAll.result.examined})`);

    // Delivery: status changes at RATE a second, round the tenants, each queuing its run.
    worker = startDeliveryWorker(
      emulator.endpoint,
      queues,
      { store, ids, clock: systemClock, sendWebhook: (request) => deliverWebhook({ allowLoopback: true, clock: systemClock }, request) },
      { batchSize: 10, maximumConcurrency: 20 },
    );
    const queue = worker.queue;
    // Records were dealt to the tenants in turn: every tenant gets its share of events, spread over the table.
    const stride = Math.max(1, Math.floor(records.length / EVENTS));
    const chosen = Array.from({ length: Math.min(EVENTS, records.length) }, (_, i) => records[(TENANTS * Math.floor(i / TENANTS) * stride + (i % TENANTS)) % records.length]!);
    const t0 = Date.now();
    setTimeout(() => hooks.recover(), HANG_MS).unref();
    await inPool(chosen, 16, async (record, i) => {
      const when = t0 + (i / RATE) * 1000;
      if (when > Date.now()) await sleep(when - Date.now());
      // Read afresh, as the handlers do: the reconciler runs above moved some of these records on.
      const moved = await transition(base, (await store.get(record.tenant, record.id))!, 'VERIFYING');
      await queue.enqueue([{ tenant: moved.tenant, requestId: moved.id, cause: `version ${moved.version}` }]);
    });
    const produced = Date.now() - t0;
    log(`scale: ${chosen.length} status changes in ${(produced / 1000).toFixed(0)} s; waiting for every delivery`);
    const waitUntil = Date.now() + Number(process.env.BENCH_SCALE_WAIT_S ?? 300) * 1000;
    const delivered = () => new Set(hooks.arrivals.map((a) => a.eventId)).size;
    while (delivered() < chosen.length && Date.now() < waitUntil) await sleep(1_000);
    await worker.stop();
    worker = undefined;

    const others = hooks.arrivals.filter((a) => a.tenant !== hanging);
    const mine = hooks.arrivals.filter((a) => a.tenant === hanging);
    const hangingEvents = chosen.filter((r) => r.tenant === hanging).length;
    const firstArrivals = new Map<string, Arrival>();
    for (const a of others) if (!firstArrivals.has(a.eventId)) firstArrivals.set(a.eventId, a);
    const latencies = [...firstArrivals.values()].map((a) => a.latencyMs);
    const duplicates = hooks.arrivals.length - delivered();
    const p95 = quantile(latencies, 0.95);
    const afterRecovery = mine.map((a) => (a.at - hooks.recoveredAt()) / 1000);
    log(`scale: others p50 ${ms(median(latencies))} p95 ${ms(p95)} max ${ms(Math.max(...latencies))}; hanging tenant ${new Set(mine.map((a) => a.eventId)).size}/${hangingEvents}; duplicates ${duplicates}`);

    return [
      {
        goal: `scale: other tenants' deliveries ≤ 2 s after their event (p95, ${latencies.length} of ${chosen.length - hangingEvents}, ${RECORDS} in flight, ${TENANTS} tenants)`,
        measured: `p50 ${ms(median(latencies))}, p95 ${ms(p95)}, max ${ms(Math.max(...latencies))}`,
        baseline: `${RATE}/s events, one tenant hanging ${HANG_MS / 1000} s`,
        ratio: times(p95 / 2000),
        pass: p95 <= 2000 && latencies.length === chosen.length - hangingEvents,
      },
      {
        goal: `scale: the hanging tenant's deliveries arrive after it recovers, none lost`,
        measured: `${new Set(mine.map((a) => a.eventId)).size}/${hangingEvents}, ${afterRecovery.length ? `${Math.min(...afterRecovery).toFixed(1)}–${Math.max(...afterRecovery).toFixed(1)} s after recovery` : 'none'}`,
        baseline: `back-off 15–30 s, then 30–60 s`,
        ratio: `${new Set(mine.map((a) => a.eventId)).size}/${hangingEvents}`,
        pass: new Set(mine.map((a) => a.eventId)).size === hangingEvents && afterRecovery.every((s) => s >= 0),
      },
      {
        goal: `scale: every event delivered (${chosen.length}), none lost`,
        measured: `${delivered()} delivered, ${duplicates} repeated`,
        baseline: `${chosen.length} status changes`,
        ratio: `${delivered()}/${chosen.length}`,
        pass: delivered() === chosen.length,
      },
      {
        goal: `scale: reconciler DynamoDB reads per run follow what is due (${DUE} due), not the table`,
        measured: `${RECORDS} records: ${atAll.requests} reads (${atAll.items} items)`,
        baseline: `${FIRST} records: ${atFirst.requests} reads (${atFirst.items} items)`,
        ratio: times(atAll.requests / atFirst.requests),
        pass: atAll.requests <= atFirst.requests * 1.1 && atAll.items <= atFirst.items * 1.1 && atAll.result.examined === DUE,
      },
    ];
  } finally {
    await worker?.stop();
    await hooks.close();
    await emulator.stop();
  }
};
