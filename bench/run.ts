/**
 * `npm run bench`: every performance goal of issues 8 and 13, each against a baseline measured in the
 * same run, printed as one table with the Node version it ran on; exits 1 if a goal fails. See
 * bench/README.md.
 */
import { createServer, request as httpRequest, type Server } from 'node:http';
import { cpus, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import * as fc from 'fast-check';
import { Webhook } from 'standardwebhooks';
import { makeDynamo } from '../lib/aws/clients.js';
import { bootstrapLocalAws, createDeliveryQueues, LOCAL_NAMES, localServiceEnv } from '../scripts/local-aws.js';
import { localJwks, mintToken } from '../scripts/local-auth.js';
// @ts-expect-error plain ESM script without types
import { startEmulator } from '../scripts/emulator.mjs';
import { byobTemplateSpecArb } from '../tests/support/arbitraries.js';
import { call, directBody, startApi } from '../tests/support/local-api.js';
import { attribution, PIECES } from './attribution.js';
import { benchScale } from './scale.js';
import { buildBaseline, buildHandlers, CLIENTS_USED, ensureDir, freshProcess, functionsOf, packageZips, pairedColdImports, zipSize } from './bundles.js';
import { type GoalRow, kb, median, ms, plusMs, printTable, quantile, times } from './stats.js';

const root = resolve(import.meta.dirname, '..');
const rows: GoalRow[] = [];
const notes: string[] = [];
const log = (s: string) => process.stderr.write(`[bench] ${s}\n`);
const row = (r: GoalRow) => {
  rows.push(r);
  log(`${r.pass ? 'pass' : 'FAIL'} ${r.goal}: ${r.measured} (baseline ${r.baseline}, ${r.ratio})`);
};

const IMPORT_RUNS = Number(process.env.BENCH_IMPORT_RUNS ?? 21);
/** Issue 13: what a function may add to a bundle of only its SDK clients. */
const ZIP_HEADROOM_KB = 64;
const IMPORT_HEADROOM_MS = 12;
const POLLS = Number(process.env.BENCH_POLLS ?? 2000);
const E2E_RUNS = Number(process.env.BENCH_E2E_RUNS ?? 20);
const POLL_TENANTS = 8;
const TENANT = 'bench';

type Emulator = { endpoint: string; stop: () => Promise<void> };

/** The handlers' environment against an emulator endpoint (what serverless.yml sets, stage local). */
// With the delivery queue, as deployed: status changes queue a delivery run, and deliverWebhooks can start.
const handlerEnv = async (endpoint: string, deliveryQueueUrl: string): Promise<NodeJS.ProcessEnv> => ({
  PATH: process.env.PATH,
  NODE_NO_WARNINGS: '1',
  ...localServiceEnv({ endpoint, jwks: await localJwks(), linkKey: 'k'.repeat(48), regions: ['eu-west-1'], deliveryQueueUrl }),
  POWERTOOLS_SERVICE_NAME: 'byob',
  POWERTOOLS_LOG_LEVEL: 'CRITICAL',
});

/** A loopback HTTP proxy in front of the emulator that counts requests per AWS service (SigV4 scope). */
const countingProxy = async (target: string) => {
  const up = new URL(target);
  const counts: Record<string, number> = {};
  const server: Server = createServer((req, res) => {
    const service = /Credential=[^/]+\/[^/]+\/[^/]+\/([^/]+)\//.exec(req.headers.authorization ?? '')?.[1] ?? 'unsigned';
    counts[service] = (counts[service] ?? 0) + 1;
    const fwd = httpRequest({ host: up.hostname, port: up.port, method: req.method, path: req.url, headers: req.headers }, (r) => {
      res.writeHead(r.statusCode ?? 502, r.headers);
      r.pipe(res);
    });
    fwd.on('error', () => res.writeHead(502).end());
    req.pipe(fwd);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as { port: number }).port}`,
    counts,
    reset: () => Object.keys(counts).forEach((k) => delete counts[k]),
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
};

const httpEvent = (token: string, path: string, over: Partial<APIGatewayProxyEventV2> = {}): APIGatewayProxyEventV2 =>
  ({
    version: '2.0',
    routeKey: '$default',
    rawPath: path,
    rawQueryString: '',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    requestContext: { http: { method: 'GET', path } } as APIGatewayProxyEventV2['requestContext'],
    isBase64Encoded: false,
    ...over,
  }) as APIGatewayProxyEventV2;

// ---------------------------------------------------------------------------------------------------
async function benchBundles(emulatorEnv: NodeJS.ProcessEnv, token: string, recordId: string) {
  const fns = functionsOf(root);
  log(`packaging ${fns.length} functions (npx serverless package)`);
  const zips = packageZips(root);
  const out = ensureDir(join(root, 'bench', '.out'));
  const bundles = await buildHandlers(root, out, fns);
  const baselineFor = new Map<string, string>();
  for (const b of bundles) {
    const used = CLIENTS_USED[b.name] ?? b.clients;
    const key = used.join('+');
    if (!baselineFor.has(key)) baselineFor.set(key, await buildBaseline(root, out, used));
  }
  const baselineZip = new Map<string, number>();
  for (const [key, file] of baselineFor) baselineZip.set(key, await zipSize(file));
  log(`cold imports: ${bundles.length} bundles and their baselines, back to back, × ${IMPORT_RUNS} fresh processes`);
  const importEnv = { ...emulatorEnv };
  const imports = await pairedColdImports(
    bundles.map((b) => ({ file: b.file, baseline: baselineFor.get((CLIENTS_USED[b.name] ?? b.clients).join('+'))! })),
    importEnv,
    IMPORT_RUNS,
  );
  const memory: Record<string, number> = {};
  for (const [i, b] of bundles.entries()) {
    const used = CLIENTS_USED[b.name] ?? [];
    const key = used.join('+');
    const zip = zips[b.name];
    const extra = b.clients.filter((c) => !used.includes(c));
    const missing = used.filter((c) => !b.clients.includes(c));
    const base = baselineZip.get(key)!;
    row({
      goal: `${b.name}: zip ≤ clients-only zip + ${ZIP_HEADROOM_KB} KB, clients = {${used.join(',') || 'none'}}`,
      measured: `${zip === undefined ? 'no zip' : kb(zip)} (+${kb((zip ?? 0) - base)})${extra.length ? ` +${extra.join(',')}` : ''}${missing.length ? ` -${missing.join(',')}` : ''}`,
      baseline: `${kb(base)} clients only`,
      ratio: times((zip ?? b.gzipBytes) / base),
      pass: zip !== undefined && zip <= base + ZIP_HEADROOM_KB * 1024 && extra.length === 0 && missing.length === 0,
    });
    const { mine, clientsOnly } = imports[i]!;
    row({
      goal: `${b.name}: cold import adds ≤ ${IMPORT_HEADROOM_MS} ms to clients-only`,
      measured: `${ms(mine.wallMs)} (${plusMs(mine.wallMs - clientsOnly.wallMs)}; CPU ${ms(mine.cpuMs)}, ${plusMs(mine.cpuMs - clientsOnly.cpuMs)})`,
      baseline: `${ms(clientsOnly.wallMs)} (CPU ${ms(clientsOnly.cpuMs)})`,
      ratio: times(mine.wallMs / clientsOnly.wallMs),
      pass: mine.wallMs - clientsOnly.wallMs <= IMPORT_HEADROOM_MS,
    });
  }
  log('memory: one cold invocation per handler');
  for (const b of bundles) {
    const event = memoryEvent(b.name, token, recordId);
    const s = await freshProcess(b.file, emulatorEnv, event);
    memory[b.name] = s.maxRssKb;
    notes.push(`memory ${b.name}: peak RSS ${(s.maxRssKb / 1024).toFixed(0)} MB (${s.invoked}) → memorySize ${memorySizeFor(s.maxRssKb)} MB`);
  }
  return memory;
}

/** serverless.yml memorySize from a cold invocation's peak RSS: max(256, 1.5 × RSS rounded up to 64 MB). */
export const memorySizeFor = (maxRssKb: number): number => Math.max(256, Math.ceil((1.5 * maxRssKb) / 1024 / 64) * 64);

const memoryEvent = (name: string, token: string, id: string): unknown => {
  if (name === 'stackEvents' || name === 'registration' || name === 'deliverWebhooks') return { Records: [] };
  if (name === 'reconcile') return { source: 'bench' };
  if (name === 'openapi') return {};
  if (name === 'createRequest') {
    return httpEvent(token, '/byob', { body: JSON.stringify(directBody({ team: `mem-${Date.now()}` })), requestContext: { http: { method: 'POST', path: '/byob' } } as APIGatewayProxyEventV2['requestContext'] });
  }
  if (name === 'patchRequest') {
    // A merge patch that changes nothing: parsed, merged and checked against the record, no change set.
    return httpEvent(token, `/byob/${id}`, { pathParameters: { id }, body: '{}', requestContext: { http: { method: 'PATCH', path: `/byob/${id}` } } as APIGatewayProxyEventV2['requestContext'] });
  }
  if (name === 'verifyExisting') {
    return httpEvent(token, '/byob/verify', { body: JSON.stringify({ region: 'eu-west-1', bucketName: 'bench-missing-bucket' }) });
  }
  return httpEvent(token, `/byob/${id}`, { pathParameters: { id } });
};

// ---------------------------------------------------------------------------------------------------
async function benchPolls(env: NodeJS.ProcessEnv, proxy: Awaited<ReturnType<typeof countingProxy>>, token: string) {
  Object.assign(process.env, env, { AWS_ENDPOINT_URL: proxy.endpoint });
  const { config } = await import('../lib/config.js');
  const { makeDeps } = await import('../lib/wiring/deps.js');
  const { createByob } = await import('../lib/provisioning/create.js');
  const { CreateByobRequest } = await import('../lib/provisioning/request.js');
  const { makeHandler } = await import('../handlers/get-request.js');
  // The full dependencies, CloudFormation clients included: the route must still not call it.
  const deps = makeDeps(config());
  const handler = makeHandler(deps) as unknown as (e: APIGatewayProxyEventV2, c: Context) => Promise<APIGatewayProxyStructuredResultV2>;
  const raw = makeDynamo({ region: 'eu-west-1', endpoint: proxy.endpoint });
  // Polls are spread over POLL_TENANTS tenants, each polling its own request, so that every one of the
  // POLLS calls is a full answer within the per-tenant budget (600 a minute), as portal users would be.
  const pollers = await Promise.all(
    Array.from({ length: POLL_TENANTS }, async (_, t) => {
      const tenant = t === 0 ? TENANT : `${TENANT}-${t}`;
      const record = await createByob(deps, tenant, CreateByobRequest.parse(directBody({ team: `poll-${t}-${Date.now()}` })));
      return {
        event: httpEvent(t === 0 ? token : await mintToken(tenant), `/byob/${record.id}`, { pathParameters: { id: record.id } }),
        getItem: new GetItemCommand({ TableName: LOCAL_NAMES.table, Key: { pk: { S: `T#${tenant}` }, sk: { S: `R#${record.id}` } }, ConsistentRead: true }),
      };
    }),
  );
  for (const p of pollers) {
    const first = await handler(p.event, {} as Context);
    if (first.statusCode !== 200) throw new Error(`GET /byob/{id} answered ${first.statusCode}: ${first.body}`);
  }
  for (let i = 0; i < 50; i++) {
    const p = pollers[i % POLL_TENANTS]!;
    await handler(p.event, {} as Context);
    await raw.send(p.getItem);
  }
  proxy.reset();
  const h: number[] = [];
  const g: number[] = [];
  const answered: Record<number, number> = {};
  for (let i = 0; i < POLLS; i++) {
    const p = pollers[i % POLL_TENANTS]!;
    const order = i % 2 === 0;
    for (const which of order ? [0, 1] : [1, 0]) {
      const t0 = performance.now();
      if (which === 0) {
        const r = await handler(p.event, {} as Context);
        answered[r.statusCode ?? 0] = (answered[r.statusCode ?? 0] ?? 0) + 1;
        // Only full answers are timed (a 429 would skip the read); the row shows how many there were.
        if (r.statusCode === 200) h.push(performance.now() - t0);
      } else {
        await raw.send(p.getItem);
        g.push(performance.now() - t0);
      }
    }
  }
  const cfnCalls = proxy.counts.cloudformation ?? 0;
  const ddbCalls = proxy.counts.dynamodb ?? 0;
  row({
    goal: `GET /byob/{id} p50 ≤ 1.3× raw GetItem (n=${POLLS}, 200s timed)`,
    measured: `p50 ${ms(quantile(h, 0.5))}, p99 ${ms(quantile(h, 0.99))}; ${Object.entries(answered).map(([k, v]) => `${v}×${k}`).join(' ')}`,
    baseline: `p50 ${ms(quantile(g, 0.5))}, p99 ${ms(quantile(g, 0.99))}`,
    ratio: `${times(quantile(h, 0.5) / quantile(g, 0.5))} (p99 ${times(quantile(h, 0.99) / quantile(g, 0.99))})`,
    pass: quantile(h, 0.5) <= 1.3 * quantile(g, 0.5) && h.length === POLLS,
  });
  row({
    goal: `GET /byob/{id}: 0 CloudFormation calls (n=${POLLS})`,
    measured: `${cfnCalls} CloudFormation`,
    baseline: `${ddbCalls} DynamoDB (${((ddbCalls - POLLS) / POLLS).toFixed(2)} per poll beside the raw GetItems)`,
    ratio: `${cfnCalls}/${POLLS}`,
    pass: cfnCalls === 0 && ddbCalls >= 2 * POLLS,
  });
  // A tenant of its own, so the storm starts with a fresh rate-limit budget.
  const stormRecord = await createByob(deps, `${TENANT}-storm`, CreateByobRequest.parse(directBody({ team: `storm-${Date.now()}` })));
  const stormEvent = httpEvent(await mintToken(`${TENANT}-storm`), `/byob/${stormRecord.id}`, { pathParameters: { id: stormRecord.id } });
  proxy.reset();
  let next = 0;
  const storm: number[] = [];
  const statuses: Record<number, number> = {};
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: 50 }, async () => {
      while (next < 1000) {
        next++;
        const s = performance.now();
        const r = await handler(stormEvent, {} as Context);
        // One tenant polling this hard meets its rate limit (429): still a poll, still no CloudFormation.
        if (r.statusCode !== 200 && r.statusCode !== 429) throw new Error(`storm poll answered ${r.statusCode}`);
        statuses[r.statusCode ?? 0] = (statuses[r.statusCode ?? 0] ?? 0) + 1;
        storm.push(performance.now() - s);
      }
    }),
  );
  const wall = performance.now() - t0;
  row({
    goal: 'poll storm 1000 × 50 concurrent: 0 CloudFormation calls',
    measured: `${proxy.counts.cloudformation ?? 0} CloudFormation; p50 ${ms(median(storm))}, p99 ${ms(quantile(storm, 0.99))}`,
    baseline: `${proxy.counts.dynamodb ?? 0} DynamoDB; ${((1000 / wall) * 1000).toFixed(0)} polls/s; ${Object.entries(statuses).map(([k, v]) => `${v}×${k}`).join(' ')}`,
    ratio: `${proxy.counts.cloudformation ?? 0}/1000`,
    pass: (proxy.counts.cloudformation ?? 0) === 0 && storm.length === 1000,
  });
}

// ---------------------------------------------------------------------------------------------------
async function benchRender() {
  const { renderByobTemplate } = await import('../templates/render-byob.js');
  const specs = fc.sample(byobTemplateSpecArb, { numRuns: 200, seed: 8 });
  for (const s of specs) renderByobTemplate(s);
  const render: number[] = [];
  const stringify: number[] = [];
  const sizes: number[] = [];
  for (let round = 0; round < 25; round++) {
    for (const s of specs) {
      const t0 = performance.now();
      const tpl = renderByobTemplate(s);
      const json = JSON.stringify(tpl);
      const t1 = performance.now();
      JSON.stringify(JSON.parse(json));
      const t2 = performance.now();
      render.push((t1 - t0) * 1000);
      stringify.push((t2 - t1) * 1000);
      if (round === 0) sizes.push(json.length);
    }
  }
  const m = median(render);
  row({
    goal: 'template render + JSON ≤ 100 µs median',
    measured: `${m.toFixed(1)} µs (p99 ${quantile(render, 0.99).toFixed(0)} µs; JSON median ${kb(median(sizes))}, max ${kb(Math.max(...sizes))})`,
    baseline: `${median(stringify).toFixed(1)} µs parse+stringify of the same JSON`,
    ratio: times(m / median(stringify)),
    pass: m <= 100,
  });
}

// ---------------------------------------------------------------------------------------------------
async function benchEndToEnd() {
  log('starting the local stack (emulator, SNS bridge, serverless-offline)');
  const stack = await startApi();
  const received: { at: number; id: string | undefined; type: string }[] = [];
  let secret = '';
  const receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const at = performance.now();
      const body = Buffer.concat(chunks).toString('utf8');
      const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, String(v)]));
      try {
        const payload = new Webhook(secret).verify(body, headers) as { type?: string; data?: { id?: string }; id?: string };
        received.push({ at, id: payload.data?.id, type: payload.type ?? '' });
        res.writeHead(204).end();
      } catch {
        res.writeHead(400).end();
      }
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  const hook = `http://127.0.0.1:${(receiver.address() as { port: number }).port}/hook`;
  try {
    const token = await stack.token(TENANT);
    const settings = await call(stack, 'GET', '/byob/settings', { token });
    secret = (settings.body as { webhookSecret: string }).webhookSecret;
    const ready: number[] = [];
    const webhook: number[] = [];
    const roundTrip: number[] = [];
    const runs = E2E_RUNS + 2;
    for (let i = 0; i < runs; i++) {
      const t0 = performance.now();
      const created = await call(stack, 'POST', '/byob', { token, body: directBody({ team: `e2e-${Date.now()}-${i}`, callbackUrl: hook }) });
      if (created.status !== 202) throw new Error(`POST /byob answered ${created.status}: ${JSON.stringify(created.body)}`);
      const id = (created.body as { id: string }).id;
      let readyAt = 0;
      while (performance.now() - t0 < 30_000) {
        const s = performance.now();
        const got = await call(stack, 'GET', `/byob/${id}`, { token });
        roundTrip.push(performance.now() - s);
        const status = (got.body as { status: string }).status;
        if (status === 'READY') {
          readyAt = performance.now();
          break;
        }
        if (status === 'FAILED') throw new Error(`request ${id} FAILED: ${JSON.stringify(got.body)}`);
        await new Promise((r) => setTimeout(r, 10));
      }
      let hookAt = 0;
      while (performance.now() - t0 < 30_000 && !hookAt) {
        hookAt = received.find((r) => r.id === id && r.type === 'byob.ready')?.at ?? 0;
        if (!hookAt) await new Promise((r) => setTimeout(r, 5));
      }
      if (!readyAt || !hookAt) throw new Error(`request ${id}: ready ${Boolean(readyAt)}, verified webhook ${Boolean(hookAt)} within 30 s`);
      await call(stack, 'DELETE', `/byob/${id}`, { token });
      if (i < 2) continue; // warm-up: serverless-offline's first invocation of each function is a cold start
      ready.push(readyAt - t0);
      webhook.push(hookAt - t0);
    }
    const rt = median(roundTrip);
    notes.push(
      'event→webhook is timed from sending POST /byob: moto publishes the stack-complete notification inside the synchronous CreateStack, before the 202, so this over-states the event→webhook latency by the create call itself',
    );
    row({
      goal: `event → verified webhook ≤ 1 s (p95, n=${E2E_RUNS})`,
      measured: `p50 ${ms(median(webhook))}, p95 ${ms(quantile(webhook, 0.95))}`,
      baseline: `${ms(rt)} one GET via offline`,
      ratio: times(quantile(webhook, 0.95) / rt),
      pass: quantile(webhook, 0.95) <= 1000,
    });
    row({
      goal: `direct request time-to-ready ≤ 2 s (p95, n=${E2E_RUNS})`,
      measured: `p50 ${ms(median(ready))}, p95 ${ms(quantile(ready, 0.95))}`,
      baseline: `${ms(rt)} one GET via offline`,
      ratio: times(quantile(ready, 0.95) / rt),
      pass: quantile(ready, 0.95) <= 2000,
    });
  } finally {
    await new Promise<void>((r) => receiver.close(() => r()));
    await stack.stop();
  }
}

// ---------------------------------------------------------------------------------------------------
const main = async () => {
  const started = Date.now();
  const only = new Set((process.env.BENCH_ONLY ?? 'bundles,attribution,polls,render,e2e').split(','));
  log(`${new Date().toISOString()} · ${cpus().length} cores · Node ${process.version} · tmp ${tmpdir()}`);
  let memory: Record<string, number> = {};
  if (only.has('bundles') || only.has('polls')) {
    const emulator = (await startEmulator({ quiet: true })) as Emulator;
    const sink = createServer((_, res) => res.writeHead(200).end());
    await new Promise<void>((r) => sink.listen(0, '127.0.0.1', r));
    const proxy = await countingProxy(emulator.endpoint);
    try {
      const sinkPort = (sink.address() as { port: number }).port;
      await bootstrapLocalAws(emulator.endpoint, ['eu-west-1'], 'eu-west-1', (fn) => `http://127.0.0.1:${sinkPort}/${fn}`);
      const env = await handlerEnv(emulator.endpoint, (await createDeliveryQueues(emulator.endpoint, 'eu-west-1')).queueUrl);
      const token = await mintToken(TENANT);
      if (only.has('polls')) await benchPolls(env, proxy, token);
      if (only.has('bundles')) memory = await benchBundles(env, token, 'byob_01JAAAAAAAAAAAAAAAAAAAAAAA');
    } finally {
      await proxy.close();
      await new Promise<void>((r) => sink.close(() => r()));
      await emulator.stop();
    }
  }
  let pieces = '';
  if (only.has('attribution')) {
    log(`attribution: ${PIECES.length} pieces × ${IMPORT_RUNS} fresh processes`);
    pieces = (await attribution(root, ensureDir(join(root, 'bench', '.out')), await handlerEnv('http://127.0.0.1:9', 'http://127.0.0.1:9/000000000000/byob-local-deliveries.fifo'), IMPORT_RUNS)).table;
  }
  if (only.has('render')) await benchRender();
  if (only.has('e2e')) await benchEndToEnd();
  // Delivery and reconciliation at scale on the emulator (bench/scale.ts, a few minutes): BENCH_ONLY=scale.
  if (only.has('scale')) for (const r of await benchScale(log)) row(r);
  // Continuous assurance at scale (bench/assurance.ts): part of the default run, or BENCH_ONLY=assurance.
  // Imported here and run last: it answers S3 and KMS with aws-sdk-client-mock, which patches the SDK
  // clients of the whole process from the moment its module loads.
  if (only.has('assurance') || !process.env.BENCH_ONLY) {
    const { benchAssurance } = await import('./assurance.js');
    for (const r of await benchAssurance(log)) row(r);
  }

  if (pieces) console.log(`Where size and cold import go (each piece alone; not goals):\n${pieces}\n`);
  console.log(printTable(rows));
  for (const n of notes) console.log(`- ${n}`);
  if (Object.keys(memory).length) console.log(`memory (MB, peak RSS → memorySize): ${JSON.stringify(Object.fromEntries(Object.entries(memory).map(([k, v]) => [k, [Math.round(v / 1024), memorySizeFor(v)]])))}`);
  const failed = rows.filter((r) => !r.pass).length;
  console.log(`${rows.length - failed}/${rows.length} goals met in ${((Date.now() - started) / 1000).toFixed(0)} s on Node ${process.version}`);
  process.exitCode = failed ? 1 : 0;
};

await main();
