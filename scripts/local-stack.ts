// The embedded default: emulator + its resources + an SNS→Lambda bridge + an SQS→Lambda bridge +
// serverless-offline, all on 127.0.0.1.
import { type ChildProcess, spawn } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SQSClient } from '@aws-sdk/client-sqs';
import { AWS_REGIONS } from '../lib/identifiers.js';
// @ts-expect-error plain ESM script without types
import { freePort, startEmulator } from './emulator.mjs';
import { localJwks, localLinkKey, localOnboardingLinkKey, mintToken } from './local-auth.js';
import { bootstrapLocalAws, LOCAL_NAMES, type LocalQueues } from './local-aws.js';
import { startSqsBridge } from './sqs-bridge.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** A running local stack. */
export interface LocalStack {
  baseUrl: string;
  emulatorEndpoint: string;
  /** The emulator's process (tests pause it with SIGSTOP, or kill it). */
  emulatorPid: number;
  /** Settles, with a line saying so, if the emulator dies while the stack runs; never on stop(). */
  emulatorDied: Promise<string>;
  /** Where the functions reach AWS: the emulator, or what `awsEndpoint` put in front of it. */
  awsEndpoint: string;
  /** The webhook delivery queue in the emulator. */
  queues: LocalQueues;
  lambdaPort: number;
  token(tenant: string): Promise<string>;
  /** Invokes a function the way the Lambda service would (e.g. the scheduled reconciler). */
  invoke(fn: string, payload: unknown): Promise<unknown>;
  stop(): Promise<void>;
}

/** How the stack is started. */
export interface LocalStackOptions {
  /** The API's port. */
  port: number;
  quiet?: boolean;
  /** Runs the reconciler this often, as EventBridge's schedule does on AWS (off when absent). */
  reconcileEveryMs?: number;
  /** The endpoint the functions use for AWS, given the emulator's (e.g. a fault-injecting proxy in front of it). */
  awsEndpoint?: (emulatorEndpoint: string) => string | Promise<string>;
  /**
   * More environment for serverless-offline, which hands a function only its AWS_* variables and what
   * serverless.yml's local stage reads from the environment (e.g. STATUS_DEADLINE_MINUTES).
   */
  env?: Record<string, string>;
  /** REVERIFY_INTERVAL of the functions (ISO-8601 duration). */
  reverifyInterval?: string;
}

/**
 * The SQS event source of serverless.yml's `deliverWebhooks` as the local bridge runs it: the same
 * batch size, fewer batches at once (each one a serverless-offline worker on this machine).
 */
export const LOCAL_DELIVERY_MAPPING = { batchSize: 10, maximumConcurrency: 4 } as const;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Regions moto 5.2.1 has no SNS/CloudFormation/KMS backend for (it answers 500): not offered locally. */
export const EMULATOR_MISSING_REGIONS: readonly string[] = ['ap-east-2', 'ap-southeast-6'];

/** The regions the local stack offers. */
export const LOCAL_REGIONS = AWS_REGIONS.filter((r) => !EMULATOR_MISSING_REGIONS.includes(r));

/** Wraps an SNS HTTP notification in the Lambda SNS event shape, as the SNS→Lambda integration does. */
export const snsEventFrom = (n: Record<string, string>, functionArn: string) => ({
  Records: [
    {
      EventSource: 'aws:sns',
      EventVersion: '1.0',
      EventSubscriptionArn: `${n.TopicArn}:${functionArn}`,
      Sns: {
        Type: n.Type,
        MessageId: n.MessageId,
        TopicArn: n.TopicArn,
        Subject: n.Subject ?? null,
        Message: n.Message,
        Timestamp: n.Timestamp,
        SignatureVersion: n.SignatureVersion ?? '1',
        Signature: n.Signature ?? '',
        SigningCertUrl: n.SigningCertURL ?? '',
        UnsubscribeUrl: n.UnsubscribeURL ?? '',
        MessageAttributes: {},
      },
    },
  ],
});

/** Starts everything. */
export const startLocalStack = async (opts: LocalStackOptions): Promise<LocalStack> => {
  const homeRegion = 'eu-west-1';
  const emulator = (await startEmulator({ quiet: true })) as { endpoint: string; pid: number; died: Promise<string>; stop: () => Promise<void> };
  const lambdaPort: number = await freePort();
  const invoke = async (fn: string, payload: unknown, async = false) => {
    const res = await fetch(`http://127.0.0.1:${lambdaPort}/2015-03-31/functions/byob-local-${fn}/invocations`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(async ? { 'x-amz-invocation-type': 'Event' } : {}) },
      body: JSON.stringify(payload),
    });
    const text = await res.text();
    // A handler that threw still answers 200, flagged as Lambda flags it.
    if (!res.ok || res.headers.get('x-amz-function-error')) throw new Error(`invoke ${fn}: ${res.status} ${text.slice(0, 300)}`);
    return text ? (JSON.parse(text) as unknown) : null;
  };
  // Lambda retries a failed asynchronous invocation (how SNS invokes) twice, about 1 and 2 minutes
  // later; here 1 and 2 s later, so a retried event lands while a test still waits.
  const invokeAsync = async (fn: string, payload: unknown) => {
    for (const delay of [1_000, 2_000, null]) {
      try {
        return await invoke(fn, payload);
      } catch (error) {
        if (delay === null) throw error;
        await sleep(delay);
      }
    }
  };

  // SNS delivers to HTTP subscribers; like the SNS→Lambda integration, the bridge acknowledges at once
  // and invokes the function asynchronously with the Lambda SNS event shape, retrying as Lambda does.
  const bridge: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      res.writeHead(200).end();
      const fn = (req.url ?? '').split('/').pop() ?? '';
      let note: Record<string, string>;
      try {
        note = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, string>;
      } catch {
        return;
      }
      if (note.Type === 'SubscriptionConfirmation' && note.SubscribeURL) {
        void fetch(note.SubscribeURL).catch(() => undefined);
        return;
      }
      if (note.Type !== 'Notification') return;
      const arn = `arn:aws:lambda:${homeRegion}:${LOCAL_NAMES.accountId}:function:byob-local-${fn}`;
      invokeAsync(fn, snsEventFrom(note, arn)).catch((e: Error) => {
        if (!opts.quiet) console.error(`[bridge] ${fn}: ${e.message}`);
      });
    });
  });
  await new Promise<void>((r) => bridge.listen(0, '127.0.0.1', () => r()));
  const bridgePort = (bridge.address() as { port: number }).port;
  const queues = await bootstrapLocalAws(emulator.endpoint, LOCAL_REGIONS, homeRegion, (fn) => `http://127.0.0.1:${bridgePort}/sns/${fn}`);
  const awsEndpoint = opts.awsEndpoint ? await opts.awsEndpoint(emulator.endpoint) : emulator.endpoint;

  const env = {
    ...process.env,
    AWS_ENDPOINT_URL: awsEndpoint,
    DELIVERY_QUEUE_URL: queues.queueUrl,
    AWS_ACCESS_KEY_ID: 'testing',
    AWS_SECRET_ACCESS_KEY: 'testing',
    AWS_REGION: homeRegion,
    AUTH_JWKS: await localJwks(),
    QUICK_CREATE_LINK_KEY: localLinkKey(),
    ONBOARDING_LINK_KEY: localOnboardingLinkKey(),
    // Onboarding page links point at this API itself.
    PUBLIC_BASE_URL: `http://127.0.0.1:${opts.port}`,
    SUPPORTED_REGIONS: LOCAL_REGIONS.join(','),
    // serverless.yml (stage local) hands it to every function; `REVERIFY_INTERVAL=PT30S npm start`.
    REVERIFY_INTERVAL: opts.reverifyInterval ?? process.env.REVERIFY_INTERVAL ?? '',
    SLS_TELEMETRY_DISABLED: '1',
    SLS_NOTIFICATIONS_MODE: 'off',
    SLS_DEPRECATION_DISABLE: '*',
    SERVERLESS_PLATFORM_STAGE: 'offline',
    ...opts.env,
  };
  const offline: ChildProcess = spawn(
    join(root, 'node_modules', '.bin', 'serverless'),
    ['offline', 'start', '--stage', 'local', '--region', homeRegion, '--httpPort', String(opts.port), '--lambdaPort', String(lambdaPort), '--host', '127.0.0.1', '--noAuth'],
    { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true },
  );
  let log = '';
  const onOut = (d: Buffer) => {
    log = (log + d.toString()).slice(-8000);
    if (!opts.quiet) process.stderr.write(d);
  };
  offline.stdout?.on('data', onOut);
  offline.stderr?.on('data', onOut);

  const baseUrl = `http://127.0.0.1:${opts.port}`;
  // The bridge talks to the emulator itself, as Lambda's poller talks to SQS: faults in front of the
  // functions' AWS endpoint are the functions' to meet.
  const sqs = new SQSClient({ endpoint: emulator.endpoint, region: homeRegion, credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } });
  let deliveries: ReturnType<typeof startSqsBridge> | undefined;
  const stopAll = async () => {
    if (timer) clearInterval(timer);
    await deliveries?.stop();
    sqs.destroy();
    if (offline.exitCode === null && offline.pid) {
      try {
        process.kill(-offline.pid, 'SIGTERM');
      } catch {
        // already gone
      }
      await Promise.race([new Promise((r) => offline.once('exit', r)), sleep(5000)]);
      try {
        process.kill(-offline.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    await new Promise((r) => bridge.close(r));
    await emulator.stop();
  };
  let timer: NodeJS.Timeout | undefined;
  const deadline = Date.now() + 180_000;
  for (;;) {
    if (offline.exitCode !== null) {
      await stopAll();
      throw new Error(`serverless offline exited ${offline.exitCode}:\n${log}`);
    }
    try {
      const r = await fetch(`${baseUrl}/openapi.json`, { signal: AbortSignal.timeout(2000) });
      if (r.ok) break;
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) {
      await stopAll();
      throw new Error(`the API did not answer on ${baseUrl} within 180 s:\n${log}`);
    }
    await sleep(300);
  }
  deliveries = startSqsBridge({
    sqs,
    queueUrl: queues.queueUrl,
    queueArn: queues.queueArn,
    region: homeRegion,
    ...LOCAL_DELIVERY_MAPPING,
    invoke: (event) => invoke('deliverWebhooks', event),
    onError: (e) => {
      if (!opts.quiet) console.error(`[sqs bridge] deliverWebhooks: ${e.message}`);
    },
  });
  if (opts.reconcileEveryMs) {
    // On AWS an EventBridge schedule runs the reconciler; locally this timer does. serverless.yml gives
    // it a reserved concurrency of 1, so a tick while a run is still going is skipped, not stacked.
    let running = false;
    timer = setInterval(() => {
      if (running) return;
      running = true;
      invoke('reconcile', { source: 'local.schedule' })
        .catch(() => undefined)
        .finally(() => (running = false));
    }, opts.reconcileEveryMs);
    timer.unref();
  }
  return {
    baseUrl,
    emulatorEndpoint: emulator.endpoint,
    emulatorPid: emulator.pid,
    emulatorDied: emulator.died,
    awsEndpoint,
    queues,
    lambdaPort,
    token: (t) => mintToken(t),
    invoke: (fn, p) => invoke(fn, p),
    stop: stopAll,
  };
};
