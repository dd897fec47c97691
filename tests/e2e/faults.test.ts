import { CloudFormationClient, CreateStackCommand, DescribeStacksCommand, type Stack } from '@aws-sdk/client-cloudformation';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { documentClientOf } from '../../lib/aws/clients.js';
import { inPool } from '../../lib/provisioning/pool.js';
import { LOCAL_NAMES } from '../../scripts/local-aws.js';
import { type LocalStack, startLocalStack } from '../../scripts/local-stack.js';
// @ts-expect-error plain ESM script without types
import { freePort } from '../../scripts/emulator.mjs';
import { type FaultProxy, type FaultShares, startFaultProxy } from '../support/fault-proxy.js';
import { type Answer, call, directBody, emulatorClient } from '../support/local-api.js';
import { type Receiver, startReceiver, verifyAt } from '../support/receiver.js';

// The API under AWS faults, through serverless-offline as `npm start` runs it, on a stack of its own
// (this file pauses and kills its emulator). Every function's AWS calls go through a fault-injecting
// proxy (tests/support/fault-proxy.ts); the local bridges, the "customer" and this test's own checks
// talk to the emulator directly. Status deadlines are 1 minute here and the reconciler runs every 3 s,
// so a request that a fault cut off is taken over within the run.
const SEED = 16;
/** 15 % of the functions' AWS calls get a fault. */
const SHARES: FaultShares = { latency: 0.04, reset: 0.04, serverError: 0.03, throttle: 0.04 };
const TENANTS = ['faults-a', 'faults-b', 'faults-c'];
const DIRECT = 6;
const QUICK = 3;
const QUICK_REGION = 'eu-central-1';
const CUSTOMER = '111111111111';

let stack: LocalStack;
let proxy: FaultProxy;
let receiver: Receiver;
const tokens = new Map<string, string>();
const secrets = new Map<string, string>();
/** Every answer the API gave during the run, to check that no 5xx but 503 came back. */
const answers: Array<{ what: string; answer: Answer }> = [];

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

beforeAll(async () => {
  stack = await startLocalStack({
    port: (await freePort()) as number,
    quiet: true,
    reconcileEveryMs: 3_000,
    env: { STATUS_DEADLINE_MINUTES: '1' },
    awsEndpoint: async (emulator) => {
      proxy = await startFaultProxy(emulator, { seed: SEED, latencyMs: [500, 4_000] });
      return proxy.endpoint;
    },
  });
  for (const tenant of TENANTS) {
    const token = await stack.token(tenant);
    tokens.set(tenant, token);
    secrets.set(tenant, (await call(stack, 'GET', '/byob/settings', { token })).body.webhookSecret);
  }
  receiver = await startReceiver({ reply: () => ({ status: 204 }) });
});
afterAll(async () => {
  await receiver?.close();
  await stack?.stop();
  await proxy?.close();
});

/**
 * One API call, kept for the 5xx check; a hung answer fails the test rather than the run. A keep-alive
 * connection the server closed just as the call went out is this client's race, not an answer: the
 * call is made once more.
 */
const api = async (what: string, method: string, path: string, tenant: string, body?: unknown, headers?: Record<string, string>): Promise<Answer> => {
  const send = () => call(stack, method, path, { token: tokens.get(tenant)!, ...(body === undefined ? {} : { body }), ...(headers ? { headers } : {}) });
  const answer = await Promise.race([
    send().catch((e: Error & { cause?: { code?: string } }) => (e.cause?.code === 'UND_ERR_SOCKET' ? send() : Promise.reject(e))),
    sleep(40_000).then(() => ({ status: 0, headers: new Headers(), body: 'no answer in 40 s' }) as Answer),
  ]);
  answers.push({ what, answer });
  return answer;
};

/**
 * POST /byob as a careful client does: the same Idempotency-Key on every try, a retry after a 503
 * (or a 409 while the first try is still in flight), and the request a 409 names when an earlier try
 * already made it (a 503 can come after the record was written).
 */
const create = async (tenant: string, body: Record<string, unknown>, key: string): Promise<string> => {
  for (let attempt = 0; attempt < 20; attempt++) {
    const r = await api(`POST ${key}`, 'POST', '/byob', tenant, body, { 'idempotency-key': key });
    if (r.status === 202) return r.body.id;
    if (r.status === 409 && r.body.existingId) return r.body.existingId;
    if (r.status !== 503 && r.status !== 409) throw new Error(`POST ${key}: ${r.status} ${JSON.stringify(r.body)}`);
    await sleep(1_000);
  }
  throw new Error(`POST ${key} never got through`);
};

/** The customer in `account`: clients with credentials of a role there, straight to the emulator. */
const customer = async (account: string) => {
  const sts = new STSClient(emulatorClient(stack.emulatorEndpoint, QUICK_REGION));
  const { Credentials: c } = await sts.send(new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${account}:role/byob-customer`, RoleSessionName: 'console' }));
  const target = { ...emulatorClient(stack.emulatorEndpoint, QUICK_REGION), credentials: { accessKeyId: c!.AccessKeyId!, secretAccessKey: c!.SecretAccessKey!, sessionToken: c!.SessionToken! } };
  return { cfn: new CloudFormationClient({ ...target, maxAttempts: 1 }), s3: new S3Client({ ...target, forcePathStyle: true }) };
};

/** What the console does with a quick-create link (see tests/e2e/quick-create.test.ts): read the template, fill the parameters, create. */
const launchLink = async (link: string) => {
  const params = new URLSearchParams(new URL(link).hash.split('?')[1]);
  const templateUrl = new URL(params.get('templateURL')!);
  const { cfn, s3 } = await customer(CUSTOMER);
  const template = JSON.parse(await (await s3.send(new GetObjectCommand({ Bucket: templateUrl.host.split('.s3.')[0], Key: templateUrl.pathname.slice(1) }))).Body!.transformToString());
  const capabilities = Object.values(template.Resources as Record<string, { Type: string }>).some((r) => r.Type.startsWith('AWS::IAM::')) ? (['CAPABILITY_IAM'] as const) : [];
  await cfn.send(
    new CreateStackCommand({
      StackName: params.get('stackName')!,
      TemplateURL: templateUrl.toString(),
      Parameters: [...params].filter(([k]) => k.startsWith('param_')).map(([k, v]) => ({ ParameterKey: k.slice('param_'.length), ParameterValue: v })),
      Capabilities: [...capabilities],
    }),
  );
};

/** Live stacks in the vendor's account (direct mode) and in the customer's (quick-create), by name (each request's is deterministic). */
const stacksByName = async () => {
  const vendor = new CloudFormationClient({ ...emulatorClient(stack.emulatorEndpoint), maxAttempts: 1 });
  const all: Stack[] = [...((await vendor.send(new DescribeStacksCommand({}))).Stacks ?? []), ...((await (await customer(CUSTOMER)).cfn.send(new DescribeStacksCommand({}))).Stacks ?? [])];
  const by = new Map<string, number>();
  for (const s of all) if (s.StackStatus !== 'DELETE_COMPLETE') by.set(s.StackName!, (by.get(s.StackName!) ?? 0) + 1);
  return by;
};

/** Every item of the table for the test's tenants, read from the emulator itself. */
const tableItems = async () => {
  const doc = documentClientOf(new DynamoDBClient(emulatorClient(stack.emulatorEndpoint)));
  const items: Record<string, unknown>[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const out = await doc.send(new ScanCommand({ TableName: LOCAL_NAMES.table, ...(start ? { ExclusiveStartKey: start } : {}) }));
    items.push(...(out.Items ?? []));
    start = out.LastEvaluatedKey;
  } while (start);
  return items.filter((i) => TENANTS.some((t) => i.pk === `T#${t}`));
};

describe('under injected AWS faults', () => {
  it(
    `${DIRECT} direct and ${QUICK} quick-create requests all converge: one stack each, one webhook per state, nothing lost, no 5xx but 503`,
    async () => {
      const started = Date.now();
      proxy.setFaults(SHARES);

      const asked = [
        ...Array.from({ length: DIRECT }, (_, i) => ({ kind: 'direct', tenant: TENANTS[i % TENANTS.length]!, team: `d${i}` })),
        ...Array.from({ length: QUICK }, (_, i) => ({ kind: 'quick', tenant: TENANTS[i % TENANTS.length]!, team: `q${i}` })),
      ];
      // A few clients at a time, and one poller: serverless-offline starts a worker (a cold start) for
      // every concurrent call of a function, which on a loaded machine starves the calls themselves.
      const requests = await inPool(asked, 3, async (a) => {
        const body =
          a.kind === 'direct'
            ? directBody({ team: a.team, callbackUrl: `${receiver.url}/${a.team}` })
            : directBody({ team: a.team, region: QUICK_REGION, launch: { mode: 'quick-create' }, callbackUrl: `${receiver.url}/${a.team}` });
        return { ...a, id: await create(a.tenant, body, `faults-${a.team}`), launched: false, last: '', final: null as null | Record<string, any> };
      });
      const settleBy = Date.now() + 100_000;
      while (requests.some((r) => !r.final)) {
        if (Date.now() > settleBy) throw new Error(`not settled: ${JSON.stringify(requests.filter((r) => !r.final).map((r) => [r.team, r.id, r.last]))}`);
        for (const r of requests.filter((x) => !x.final)) {
          const got = await api(`GET ${r.id}`, 'GET', `/byob/${r.id}`, r.tenant);
          r.last = got.status === 200 ? `${got.body.status} since ${got.body.updatedAt}` : `HTTP ${got.status}`;
          if (got.status !== 200) continue;
          if (got.body.status === 'AWAITING_CUSTOMER' && !r.launched) {
            // The customer clicks the link once: a launch that fails is theirs to retry, not this run's.
            r.launched = true;
            await launchLink(got.body.quickCreateUrl);
          }
          if (['READY', 'FAILED'].includes(got.body.status)) r.final = got.body;
        }
        await sleep(1_000);
      }

      // Every webhook of every request reaches the receiver (retries ride the queue).
      const deadline = Date.now() + 60_000;
      let outbox: Record<string, unknown>[] = [];
      for (;;) {
        outbox = (await tableItems()).filter((i) => String(i.sk).startsWith('O#'));
        const got = new Set(receiver.received.map((r) => r.headers['webhook-id']));
        if (outbox.every((o) => got.has(String(o.eventId)))) break;
        if (Date.now() > deadline) throw new Error(`undelivered: ${JSON.stringify(outbox.filter((o) => !got.has(String(o.eventId))).map((o) => [o.requestId, o.type, o.status, o.lastError]))}`);
        await sleep(1_000);
      }
      proxy.setFaults(null);
      const stats = proxy.stats();
      console.info(`fault run: ${((Date.now() - started) / 1000).toFixed(0)} s, ${stats.calls} AWS calls, faults ${JSON.stringify(stats.faults)}`);

      // Faults were made, and of every kind.
      expect(Object.values(stats.faults).every((n) => n > 0), JSON.stringify(stats)).toBe(true);

      // Every request converged: READY, or FAILED saying why.
      for (const r of requests) {
        expect(['READY', 'FAILED'], r.id).toContain(r.final!.status);
        if (r.final!.status === 'FAILED') expect(r.final!.failure, r.id).toMatchObject({ code: expect.any(String), message: expect.any(String) });
      }

      // Nothing lost, nothing extra: the table holds exactly the requests the clients know.
      const records = (await tableItems()).filter((i) => String(i.sk).startsWith('R#'));
      expect(records.map((i) => String(i.id)).sort()).toEqual(requests.map((r) => r.id).sort());

      // One stack per request at most, exactly one for each that is READY.
      const stacks = await stacksByName();
      for (const r of requests) {
        expect(stacks.get(r.final!.launch.stackName) ?? 0, r.id).toBeLessThanOrEqual(1);
        if (r.final!.status === 'READY') expect(stacks.get(r.final!.launch.stackName), r.id).toBe(1);
      }

      // One event per state change, each delivered under its own webhook-id, signed with the tenant's secret.
      for (const r of requests) {
        const events = outbox.filter((o) => o.requestId === r.id).map((o) => `${o.type} ${JSON.parse(String(o.body)).data.status}`);
        expect(new Set(events).size, `${r.id}: ${events.join(', ')}`).toBe(events.length);
        expect(events, r.id).toContain(`byob.status_changed ${r.final!.status}`);
        const mine = receiver.received.filter((d) => d.path === `/${r.team}`);
        for (const d of mine) expect(verifyAt(secrets.get(r.tenant)!, d.body, d.headers), r.id).toBe('ok');
        expect(new Set(mine.map((d) => d.headers['webhook-id'])).size, r.id).toBe(events.length);
      }

      // No answer in the 5xx range but 503, which says when to retry; never a Lambda timeout.
      const fiveHundreds = answers.filter((a) => a.answer.status >= 500 || a.answer.status === 0);
      expect(fiveHundreds.filter((a) => a.answer.status !== 503).map((a) => `${a.what}: ${a.answer.status}`)).toEqual([]);
      for (const a of fiveHundreds) {
        expect(a.answer.headers.get('retry-after'), a.what).toMatch(/^\d+$/);
        expect(a.answer.body, a.what).toMatchObject({ status: 503, title: 'Service unavailable' });
      }
      expect(answers.filter((a) => JSON.stringify(a.answer.body).includes('errorMessage'))).toEqual([]);
      expect(Date.now() - started).toBeLessThan(120_000);
    },
    180_000,
  );
});

describe('the emulator paused, then gone', () => {
  const tenant = TENANTS[0]!;

  /** The answer and how long it took. */
  const timed = async (what: string, method: string, path: string, body?: unknown) => {
    const t0 = Date.now();
    const answer = await api(what, method, path, tenant, body);
    return { answer, ms: Date.now() - t0 };
  };

  const expect503 = ({ answer, ms }: { answer: Answer; ms: number }) => {
    expect(answer.status, JSON.stringify(answer.body)).toBe(503);
    expect(answer.headers.get('content-type')).toBe('application/problem+json');
    expect(answer.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(answer.body).toMatchObject({ status: 503, type: expect.stringMatching(/dependency-unavailable$/) });
    expect(ms).toBeLessThan(10_000);
  };

  it('paused (SIGSTOP): reads and writes answer 503 with Retry-After within 10 s; resumed, the API answers again', async () => {
    const known = (await api('GET list', 'GET', '/byob?limit=1', tenant)).body.items[0].id as string;
    process.kill(stack.emulatorPid, 'SIGSTOP');
    try {
      const paused = await Promise.all([
        timed('GET /byob paused', 'GET', '/byob'),
        timed('GET /byob/{id} paused', 'GET', `/byob/${known}`),
        timed('POST /byob paused', 'POST', '/byob', directBody({ team: 'paused' })),
      ]);
      paused.forEach(expect503);
    } finally {
      process.kill(stack.emulatorPid, 'SIGCONT');
    }
    await expect.poll(async () => (await api('GET after resume', 'GET', `/byob/${known}`, tenant)).status, { timeout: 20_000, interval: 500 }).toBe(200);
  });

  it('gone (killed): 503 with Retry-After at once, and the stack says its emulator died', async () => {
    process.kill(stack.emulatorPid, 'SIGKILL');
    const why = await stack.emulatorDied;

    expect(why).toMatch(new RegExp(`The AWS emulator \\(moto, pid ${stack.emulatorPid}, .*\\) was killed \\(SIGKILL\\)`));
    expect503(await timed('GET /byob dead', 'GET', '/byob'));
    expect503(await timed('POST /byob dead', 'POST', '/byob', directBody({ team: 'dead' })));
  });
});
