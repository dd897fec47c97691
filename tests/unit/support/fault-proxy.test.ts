import { createServer, type Server } from 'node:http';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isDependencyFailure } from '../../../lib/aws/dependency-failure.js';
import { type FaultProxy, seededRandom, startFaultProxy } from '../../support/fault-proxy.js';

// The fault proxy of the fault-injection e2e run, in front of a stub that answers every call 200:
// each injected fault must reach the SDK as the fault it stands for.
let upstream: Server;
let proxy: FaultProxy;
let upstreamCalls = 0;
beforeAll(async () => {
  upstream = createServer((req, res) => {
    upstreamCalls++;
    req.resume();
    req.on('end', () => res.writeHead(200, { 'content-type': 'application/x-amz-json-1.0' }).end('{"TableNames":[]}'));
  });
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
  proxy = await startFaultProxy(`http://127.0.0.1:${(upstream.address() as { port: number }).port}`, { seed: 7, latencyMs: [50, 60] });
});
afterAll(async () => {
  await proxy.close();
  await new Promise<void>((r) => upstream.close(() => r()));
});

const target = () => ({ region: 'eu-west-1', endpoint: proxy.endpoint, credentials: { accessKeyId: 'k', secretAccessKey: 's' }, maxAttempts: 1 });
const none = { latency: 0, reset: 0, serverError: 0, throttle: 0 };

describe('startFaultProxy', () => {
  it('forwards every call as it is while faults are off', async () => {
    proxy.setFaults(null);

    await expect(new DynamoDBClient(target()).send(new ListTablesCommand({}))).resolves.toMatchObject({ TableNames: [] });
  });

  it.each([
    ['DynamoDB (JSON)', () => new DynamoDBClient(target()).send(new ListTablesCommand({})), 'ThrottlingException'],
    ['CloudFormation (query)', () => new CloudFormationClient(target()).send(new DescribeStacksCommand({})), 'Throttling'],
    ['S3 (REST-XML)', () => new S3Client({ ...target(), forcePathStyle: true }).send(new ListObjectsV2Command({ Bucket: 'b' })), 'SlowDown'],
  ])('answers %s with its own throttling error, which the SDK reads as such', async (_name, send, name) => {
    proxy.setFaults({ ...none, throttle: 1 });

    const error = (await send().catch((e: unknown) => e)) as Error;

    expect(error.name).toBe(name);
    expect(isDependencyFailure(error)).toBe(true);
  });

  it('a 500 and a reset are failures of AWS to the SDK; a reset before forwarding never reaches the emulator', async () => {
    proxy.setFaults({ ...none, serverError: 1 });
    const fiveHundred = await new DynamoDBClient(target()).send(new ListTablesCommand({})).catch((e: unknown) => e);
    proxy.setFaults({ ...none, reset: 1 });
    const before = upstreamCalls;
    const resets = await Promise.all(Array.from({ length: 6 }, () => new DynamoDBClient(target()).send(new ListTablesCommand({})).catch((e: unknown) => e)));

    expect(isDependencyFailure(fiveHundred)).toBe(true);
    expect(resets.every(isDependencyFailure)).toBe(true);
    const { faults } = proxy.stats();
    expect(upstreamCalls - before).toBe(faults['reset-after']);
  });

  it('holds a call for the latency, then forwards it', async () => {
    proxy.setFaults({ ...none, latency: 1 });
    const t0 = Date.now();

    await new DynamoDBClient(target()).send(new ListTablesCommand({}));

    expect(Date.now() - t0).toBeGreaterThanOrEqual(45);
  });

  it('draws the same faults from the same seed', () => {
    const a = seededRandom(16);
    const b = seededRandom(16);

    expect(Array.from({ length: 5 }, a)).toEqual(Array.from({ length: 5 }, b));
    expect(Array.from({ length: 5 }, seededRandom(17))).not.toEqual(Array.from({ length: 5 }, seededRandom(16)));
  });
});
