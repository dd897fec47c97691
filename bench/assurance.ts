/**
 * Cost of continuous assurance at scale (`BENCH_ONLY=assurance`): N READY direct-mode requests
 * (10,000 by default) at REVERIFY_INTERVAL=P1D, one simulated day of the every-minute reconciler.
 * The real reconcile → assure → verifyRecord → drift path runs against counting fakes: the AWS
 * clients are aws-sdk-client-mock answering a healthy bucket, key and stack; the table is the real
 * DynamoDB store over an in-memory document client that serves the few commands the store sends.
 * Figures: AWS calls and DynamoDB requests (with read units estimated from item sizes) per day, and
 * the busiest minute against the even share.
 */
import {
  CloudFormationClient,
  DescribeStackDriftDetectionStatusCommand,
  DescribeStackResourceDriftsCommand,
  DetectStackDriftCommand,
} from '@aws-sdk/client-cloudformation';
import { KMSClient } from '@aws-sdk/client-kms';
import { S3Client } from '@aws-sdk/client-s3';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { parseConfig } from '../lib/config.js';
import { realIds } from '../lib/ids.js';
import { dynamoStore } from '../lib/provisioning/dynamo-store.js';
import { reconcile } from '../lib/provisioning/reconcile.js';
import type { ByobRecord } from '../lib/provisioning/record.js';
import { nextReverifyAt } from '../lib/provisioning/reverify-schedule.js';
import type { RequestClients } from '../lib/provisioning/workflow.js';
import { verifyRecord } from '../lib/verify/record.js';
import { LOCAL_NAMES, localServiceEnv } from '../scripts/local-aws.js';
import { BUCKET, KEY_ARN, ORIGIN, REGION, kmsMock, programGoodBucket, s3Mock } from '../tests/unit/verify/fake-bucket.js';
import type { GoalRow } from './stats.js';

const ACCOUNT = '123456789012';
const MINUTE = 60_000;
const DAY = 1440 * MINUTE;

type Item = Record<string, unknown>;

/**
 * An in-memory table behind the document client interface, serving exactly the commands
 * lib/provisioning/dynamo-store.ts sends, and counting them (conditions are not evaluated: the
 * simulation has one writer). Item sizes are their JSON length, close to DynamoDB's own measure.
 */
const countingTable = () => {
  const items = new Map<string, Item>();
  const counts: Record<string, number> = {};
  let readUnits = 0;
  let writeUnits = 0;
  const size = (item: Item | undefined) => (item ? JSON.stringify(item).length : 0);
  const key = (k: { pk: unknown; sk: unknown }) => `${String(k.pk)}|${String(k.sk)}`;
  const put = (item: Item) => {
    items.set(key(item as { pk: unknown; sk: unknown }), structuredClone(item));
    writeUnits += Math.ceil(size(item) / 1024);
  };
  const send = async (command: { constructor: { name: string }; input: any }) => {
    const name = command.constructor.name.replace(/Command$/, '');
    counts[name] = (counts[name] ?? 0) + 1;
    const input = command.input;
    switch (name) {
      case 'Get': {
        const item = items.get(key(input.Key));
        readUnits += Math.max(1, Math.ceil(size(item) / 4096)) * (input.ConsistentRead ? 1 : 0.5);
        return { Item: item ? structuredClone(item) : undefined };
      }
      case 'Put':
        put(input.Item);
        return {};
      case 'TransactWrite':
        for (const t of input.TransactItems) {
          if (t.Put) put(t.Put.Item);
          if (t.Delete) items.delete(key(t.Delete.Key));
        }
        writeUnits += input.TransactItems.length;
        return {};
      case 'Update': {
        const item = items.get(key(input.Key)) ?? { ...input.Key, next: 0 };
        item.next = Number(item.next) + 1;
        put(item);
        return { Attributes: { next: item.next } };
      }
      case 'Query': {
        const values = input.ExpressionAttributeValues;
        const found =
          input.IndexName === 'due'
            ? [...items.values()].filter((i) => i.duePk === values[':p'] && String(i.dueAt) <= values[':now']).sort((a, b) => (String(a.dueAt) < String(b.dueAt) ? -1 : 1))
            : [...items.values()].filter((i) => i.pk === values[':pk'] && String(i.sk).startsWith(values[':o'] ?? values[':r']));
        const page = found.slice(0, input.Limit ?? found.length);
        readUnits += Math.max(1, Math.ceil(page.reduce((n, i) => n + size(i), 0) / 4096)) * 0.5;
        return { Items: page.map((i) => structuredClone(i)) };
      }
      default:
        throw new Error(`the simulated table does not serve ${name}`);
    }
  };
  return { doc: { send } as unknown as DynamoDBDocumentClient, counts, units: () => ({ readUnits, writeUnits }) };
};

/**
 * The request's clients answering a healthy bucket and key (the verifier tests' own fake,
 * tests/unit/verify/fake-bucket.ts) and a stack in sync; every call counted by the mocks.
 */
const healthyAws = () => {
  programGoodBucket();
  const cfn = mockClient(CloudFormationClient);
  cfn.on(DetectStackDriftCommand).resolves({ StackDriftDetectionId: 'det' });
  cfn.on(DescribeStackDriftDetectionStatusCommand).resolves({ DetectionStatus: 'DETECTION_COMPLETE', StackDriftStatus: 'IN_SYNC', StackId: 's', StackDriftDetectionId: 'det', Timestamp: new Date() });
  cfn.on(DescribeStackResourceDriftsCommand).resolves({ StackResourceDrifts: [] });
  const mocks = [['s3', s3Mock], ['kms', kmsMock], ['cloudformation', cfn]] as const;
  const calls = () => mocks.reduce((n, [, mock]) => n + mock.send.callCount, 0);
  const byOperation = () => {
    const out: Record<string, number> = {};
    for (const [service, mock] of mocks) {
      for (const c of mock.calls()) {
        const op = `${service}:${(c.args[0] as { constructor: { name: string } }).constructor.name.replace(/Command$/, '')}`;
        out[op] = (out[op] ?? 0) + 1;
      }
    }
    return out;
  };
  return { calls, byOperation, restore: () => mocks.forEach(([, mock]) => mock.reset()) };
};

/** A READY direct-mode request with its slot, due at its first slot after `now` (every one on the fake's bucket). */
const readyRecord = (i: number, now: Date): ByobRecord => {
  const id = `byob_01JBENCH${String(i).padStart(17, '0')}`;
  const bucket = BUCKET;
  const record: ByobRecord = {
    tenant: `tenant-${i % 100}`,
    id,
    status: 'READY',
    version: 5,
    scope: 'team',
    team: `team-${i}`,
    region: REGION,
    bucketName: bucket,
    encryption: { type: 'sse-kms' },
    corsRules: [{ allowedOrigins: [ORIGIN], allowedMethods: ['GET', 'HEAD', 'PUT'], allowedHeaders: ['*'], exposedHeaders: ['ETag'], maxAgeSeconds: 3600 }],
    accessRole: false,
    launch: { mode: 'direct', roleArn: null, stackName: `byob-${i}`, stackId: `arn:aws:cloudformation:${REGION}:${ACCOUNT}:stack/byob-${i}/1`, stackStatus: 'CREATE_COMPLETE' },
    quickCreate: null,
    templateKey: `templates/${id}.json`,
    templateBucket: `byob-templates-${REGION}`,
    callback: { url: 'https://portal.example.com/hooks', status: 'delivered', attempts: 4, lastAttemptAt: now.toISOString(), lastError: null, nextAttemptAt: null },
    tags: {},
    outputs: { bucketName: bucket, bucketArn: `arn:aws:s3:::${bucket}`, kmsKeyArn: KEY_ARN, region: REGION, roleArn: null, accountId: ACCOUNT },
    verification: { status: 'passed', checkedAt: now.toISOString(), checks: [] },
    failure: null,
    activeKey: `team#team-${i}`,
    scheduleSlot: i + 1,
    dueAt: null,
    createdAt: now.toISOString(),
    updatedAt: now.toISOString(),
  };
  return { ...record, dueAt: nextReverifyAt(record, 'READY', DAY, now) };
};

/** One simulated day; returns the report rows. */
export const benchAssurance = async (log: (s: string) => void, records = Number(process.env.BENCH_ASSURANCE_RECORDS ?? 10_000)): Promise<GoalRow[]> => {
  const start = new Date('2026-11-24T00:00:00.000Z');
  let now = start;
  const table = countingTable();
  const aws = healthyAws();
  const cfg = parseConfig(localServiceEnv({ jwks: '{"keys":[]}', linkKey: 'k'.repeat(48), names: LOCAL_NAMES }));
  const clients: RequestClients = { s3: new S3Client({ region: REGION }), kms: new KMSClient({ region: REGION }), cfn: new CloudFormationClient({ region: REGION }) };
  const store = dynamoStore(table.doc, 'bench');
  const ids = realIds();
  const clock = () => now;
  try {
    for (let i = 0; i < records; i++) await store.create(readyRecord(i, start));
    for (const k of Object.keys(table.counts)) delete table.counts[k];
    const units0 = table.units();
    log(`assurance: ${records} READY requests, REVERIFY_INTERVAL=P1D, one simulated day of the every-minute reconciler`);
    const deps = {
      store,
      ids,
      clock,
      statusDeadlineMinutes: 30,
      reverifyIntervalMs: DAY,
      config: cfg,
      clientsFor: async () => clients,
      // One probe key: the fake's object store then stays one entry however many probes run.
      verify: (r: ByobRecord, c: RequestClients, when?: 'afterProvisioning' | 'interactive' | 'scheduled') => verifyRecord({ clock, randomId: () => 'bench' }, cfg, r, c, when),
      deliverNow: async () => undefined,
      vendorS3: () => clients.s3,
      sendWebhook: async () => ({ kind: 'delivered' as const, status: 204 }),
    };
    const perMinute: Array<{ examined: number; aws: number }> = [];
    let errors = 0;
    const started = Date.now();
    for (let minute = 1; minute <= 1440; minute++) {
      now = new Date(start.getTime() + minute * MINUTE);
      const before = aws.calls();
      const report = await reconcile(deps);
      errors += report.errors;
      perMinute.push({ examined: report.examined, aws: aws.calls() - before });
    }
    const examined = perMinute.reduce((n, m) => n + m.examined, 0);
    const awsCalls = aws.calls();
    const busiest = Math.max(...perMinute.map((m) => m.examined));
    const even = examined / 1440;
    const dynamoReads = (table.counts.Get ?? 0) + (table.counts.Query ?? 0);
    const dynamoWrites = (table.counts.Put ?? 0) + (table.counts.TransactWrite ?? 0) + (table.counts.Update ?? 0);
    const units = table.units();
    log(`assurance: simulated in ${((Date.now() - started) / 1000).toFixed(0)} s; ${examined} record looks, ${errors} errors`);
    log(`assurance: AWS calls by operation ${JSON.stringify(aws.byOperation())}`);
    log(`assurance: DynamoDB requests ${JSON.stringify(table.counts)}`);
    return [
      {
        goal: `assurance: AWS calls per day (${records} READY, P1D)`,
        measured: `${awsCalls} (${(awsCalls / records).toFixed(1)} per request: verification + drift)`,
        baseline: `${records} requests`,
        ratio: `${(awsCalls / records).toFixed(1)}/req`,
        pass: errors === 0,
      },
      {
        goal: 'assurance: DynamoDB requests per day',
        measured: `${dynamoReads} reads (${(units.readUnits - units0.readUnits).toFixed(0)} RCU), ${dynamoWrites} writes (${(units.writeUnits - units0.writeUnits).toFixed(0)} WCU)`,
        baseline: `${records} requests`,
        ratio: `${(dynamoReads / records).toFixed(2)} reads/req`,
        pass: errors === 0,
      },
      {
        goal: 'assurance: busiest minute ≤ 2× its even share',
        measured: `${busiest} record looks (${Math.max(...perMinute.map((m) => m.aws))} AWS calls) in the busiest minute, ${(busiest / examined * 100).toFixed(3)} % of the day`,
        baseline: `even ${even.toFixed(1)} a minute`,
        ratio: `${(busiest / even).toFixed(2)}×`,
        pass: busiest <= 2 * Math.ceil(even) && errors === 0,
      },
    ];
  } finally {
    aws.restore();
  }
};
