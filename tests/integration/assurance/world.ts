import { CreateKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { S3Client } from '@aws-sdk/client-s3';
import { reconcile } from '../../../lib/provisioning/reconcile.js';
import type { ByobRecord } from '../../../lib/provisioning/record.js';
import { tenantSettings } from '../../../lib/tenants/settings.js';
import { startReceiver, type Receiver } from '../../support/receiver.js';
import { directBody, makeWorld, REGION, send } from '../hardening/world.js';
import { testClock, type TestClock } from '../webhooks/support.js';

const credentials = { accessKeyId: 'testing', secretAccessKey: 'testing' };

/**
 * One READY direct-mode request in its own corner of the emulator (own table, so the reconciler sees
 * only it), with the injected clock the reconciler runs on and a receiver verifying every webhook
 * with the tenant's secret. Made through the real handlers: POST /byob, then the scheduled run that
 * adopts the completed stack and verifies it.
 */
export const readyRequest = async (team = 'omega') => {
  const world = await makeWorld();
  const clock: TestClock = testClock(new Date().toISOString());
  const deps = world.deps({ clock });
  const tenant = world.tenant('assure');
  const token = await world.token(tenant);
  const { webhookSecrets } = await tenantSettings(deps, tenant);
  const receiver: Receiver = await startReceiver({ secret: webhookSecrets[0]!.secret, now: clock });
  const s3 = new S3Client({ endpoint: world.endpoint, region: REGION, credentials, forcePathStyle: true, requestChecksumCalculation: 'WHEN_REQUIRED' });
  const kms = new KMSClient({ endpoint: world.endpoint, region: REGION, credentials });

  const current = async (id: string): Promise<ByobRecord> => (await deps.store.get(tenant, id))!;
  /** One scheduled reconciler run at the record's due time (the clock moved there first). */
  const runWhenDue = async (id: string): Promise<ByobRecord> => {
    const due = (await current(id)).dueAt;
    if (!due) throw new Error(`${id} is not due for anything`);
    clock.set(new Date(Date.parse(due) + 1));
    const report = await reconcile(deps);
    if (report.errors) throw new Error(`the reconciler run had ${report.errors} error(s)`);
    return current(id);
  };
  /** Scheduled runs until the record is `status` (verification, then the drift read-back); at most `runs`. */
  const runUntil = async (id: string, status: string, runs = 4): Promise<ByobRecord> => {
    let record = await current(id);
    for (let i = 0; i < runs && record.status !== status; i++) record = await runWhenDue(id);
    return record;
  };
  const post = async (path: 'POST /byob' | 'POST /byob/{id}/verify' | 'DELETE /byob/{id}', params: Record<string, string> = {}, json?: unknown) => {
    const [method, route] = path.split(' ') as [string, string];
    return send(await world.handler(path, deps), { method, route, params, token, ...(json === undefined ? {} : { json }) });
  };

  const created = await post('POST /byob', {}, directBody({ team, callbackUrl: `${receiver.url}/hooks` }));
  if (created.status !== 202) throw new Error(`POST /byob answered ${created.status}: ${JSON.stringify(created.body)}`);
  const record = await runUntil(created.body.id, 'READY', 2);
  if (record.status !== 'READY') throw new Error(`not READY: ${JSON.stringify(record.failure ?? record.verification)}`);

  return {
    world,
    deps,
    clock,
    tenant,
    receiver,
    s3,
    kms,
    record,
    bucket: record.outputs!.bucketName,
    keyArn: record.outputs!.kmsKeyArn!,
    current: () => current(record.id),
    runWhenDue: () => runWhenDue(record.id),
    runUntil: (status: string, runs?: number) => runUntil(record.id, status, runs),
    post,
    /** Webhook types the receiver accepted (signature verified), in order. */
    delivered: () => receiver.received.filter((r) => r.verified === 'ok').map((r) => JSON.parse(r.body).type as string),
    /** Another customer managed key in the same account and region. */
    otherKey: async () => (await kms.send(new CreateKeyCommand({ Description: 'not the BYOB key' }))).KeyMetadata!.Arn!,
    close: () => receiver.close(),
  };
};

/** A READY request as `readyRequest` makes it. */
export type ReadyRequest = Awaited<ReturnType<typeof readyRequest>>;

/** The ids of the record's failed checks. */
export const failedChecks = (record: ByobRecord) => (record.verification?.checks ?? []).filter((c) => c.status === 'failed');
