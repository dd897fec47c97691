import { DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { DescribeKeyCommand } from '@aws-sdk/client-kms';
import { ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { AssumeRoleCommand, GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import type { FinalizeRequestMiddleware, HttpRequest, MetadataBearer, MiddlewareStack } from '@aws-sdk/types';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-vitest/extend';
import { afterEach, describe, expect, it } from 'vitest';
import { createServer } from 'node:net';
import { GetQueueUrlCommand } from '@aws-sdk/client-sqs';
import type { NodeHttpHandler } from '@smithy/node-http-handler';
import {
  assumedRoleCredentials,
  CALLER_PROFILES,
  clientCache,
  documentClientOf,
  makeCloudFormation,
  makeDynamo,
  makeKms,
  makeS3,
  makeSqs,
  makeSts,
} from '../../../lib/aws/clients.js';
import { isDependencyFailure } from '../../../lib/aws/dependency-failure.js';

// Where a client's requests go is read off the signed request itself: a middleware at the end of the
// stack records it and answers in place of the network, so nothing leaves the process.
const REGION = 'eu-west-1';
const ENDPOINT = 'http://127.0.0.1:4566';
const CREDENTIALS = { accessKeyId: 'AKIAUNITTEST', secretAccessKey: 'unit-test-secret' };

/** Records every request the client would send, after signing, and short-cuts the network. */
const captured = <I extends object, O extends MetadataBearer>(client: { middlewareStack: MiddlewareStack<I, O> }): HttpRequest[] => {
  const requests: HttpRequest[] = [];
  const capture: FinalizeRequestMiddleware<I, O> = () => async (args) => {
    requests.push(args.request as HttpRequest);
    return { output: { $metadata: {} } as O, response: {} };
  };
  client.middlewareStack.add(capture, { step: 'finalizeRequest', priority: 'low', name: 'captureRequest' });
  return requests;
};

const target = (r: HttpRequest) => `${r.protocol}//${r.hostname}${r.port ? `:${r.port}` : ''}${r.path}`;
const signedBy = (r: HttpRequest) => /Credential=([^/]+)\/\d{8}\/([^/]+)\/([^/]+)\//.exec(r.headers['authorization'] ?? '')?.slice(1);

describe('client factories', () => {
  const viaEndpoint = { region: REGION, endpoint: ENDPOINT, credentials: CREDENTIALS };
  /** Each factory with a harmless call of its service: the requests it sent, and the call. */
  const factories: Array<[string, string, () => { requests: HttpRequest[]; call: () => Promise<unknown> }]> = [
    ['KMS', 'kms', () => { const c = makeKms(viaEndpoint); return { requests: captured(c), call: () => c.send(new DescribeKeyCommand({ KeyId: 'alias/x' })) }; }],
    ['STS', 'sts', () => { const c = makeSts(viaEndpoint); return { requests: captured(c), call: () => c.send(new GetCallerIdentityCommand({})) }; }],
    ['DynamoDB', 'dynamodb', () => { const c = makeDynamo(viaEndpoint); return { requests: captured(c), call: () => c.send(new ListTablesCommand({})) }; }],
    ['CloudFormation', 'cloudformation', () => { const c = makeCloudFormation(viaEndpoint); return { requests: captured(c), call: () => c.send(new DescribeStacksCommand({})) }; }],
    ['SQS', 'sqs', () => { const c = makeSqs(viaEndpoint); return { requests: captured(c), call: () => c.send(new GetQueueUrlCommand({ QueueName: 'q.fifo' })) }; }],
  ];

  it.each(factories)('%s sends to the endpoint, signed for the region with the credentials given', async (_name, service, make) => {
    const { requests, call } = make();

    await call();

    expect(target(requests[0]!)).toBe(`${ENDPOINT}/`);
    expect(signedBy(requests[0]!)).toEqual([CREDENTIALS.accessKeyId, REGION, service]);
  });

  it('without an endpoint, a client goes to the AWS regional endpoint', async () => {
    const kms = makeKms({ region: 'ap-southeast-2', credentials: CREDENTIALS });
    const requests = captured(kms);

    await kms.send(new DescribeKeyCommand({ KeyId: 'alias/x' }));

    expect(target(requests[0]!)).toBe('https://kms.ap-southeast-2.amazonaws.com/');
  });

  it('takes a credential provider as well as fixed credentials', async () => {
    let calls = 0;
    const sts = makeSts({
      region: REGION,
      endpoint: ENDPOINT,
      credentials: async () => {
        calls++;
        return { ...CREDENTIALS, accessKeyId: 'ASIAFROMPROVIDER' };
      },
    });
    const requests = captured(sts);

    await sts.send(new GetCallerIdentityCommand({}));

    expect(calls).toBeGreaterThan(0);
    expect(signedBy(requests[0]!)?.[0]).toBe('ASIAFROMPROVIDER');
  });

  it('S3 uses path-style addressing against an endpoint and virtual-hosted style against AWS, unless told otherwise', async () => {
    const local = makeS3({ region: REGION, endpoint: ENDPOINT, credentials: CREDENTIALS });
    const aws = makeS3({ region: REGION, credentials: CREDENTIALS });
    const forcedVirtual = makeS3({ region: REGION, endpoint: 'http://s3.local.test:9000', forcePathStyle: false, credentials: CREDENTIALS });
    const requests = [local, aws, forcedVirtual].map(captured);

    for (const client of [local, aws, forcedVirtual]) await client.send(new ListObjectsV2Command({ Bucket: 'acme-data' }));

    expect(requests.map((r) => target(r[0]!))).toEqual([
      `${ENDPOINT}/acme-data/`,
      'https://acme-data.s3.eu-west-1.amazonaws.com/',
      'http://acme-data.s3.local.test:9000/',
    ]);
  });

  it('S3 adds checksums only where an operation requires them (the emulator cannot check them)', async () => {
    const s3 = makeS3({ region: REGION, endpoint: ENDPOINT, credentials: CREDENTIALS });
    const requests = captured(s3);

    await s3.send(new PutObjectCommand({ Bucket: 'acme-data', Key: 'k', Body: 'hello' }));

    expect(Object.keys(requests[0]!.headers).filter((h) => h.startsWith('x-amz-checksum-') || h === 'x-amz-sdk-checksum-algorithm')).toEqual([]);
    expect(await s3.config.responseChecksumValidation()).toBe('WHEN_REQUIRED');
  });

  it('CloudFormation makes one attempt against an emulator endpoint, and keeps the SDK retries against AWS', async () => {
    expect(await makeCloudFormation({ region: REGION, endpoint: ENDPOINT }).config.maxAttempts()).toBe(1);
    expect(await makeCloudFormation({ region: REGION }).config.maxAttempts()).toBeGreaterThan(1);
  });

  it('the document client drops undefined values inside attributes and refuses class instances', async () => {
    const dynamo = makeDynamo({ region: REGION, endpoint: ENDPOINT, credentials: CREDENTIALS });
    const doc = documentClientOf(dynamo);
    const requests = captured(dynamo);

    await doc.send(new PutCommand({ TableName: 't', Item: { pk: 'T#acme', callback: { url: 'https://x.example', lastError: undefined } } }));
    const classInstance = doc.send(new PutCommand({ TableName: 't', Item: { pk: 'T#acme', at: new URL('https://example.com') } }));

    expect(JSON.parse(String(requests[0]!.body)).Item).toEqual({ pk: { S: 'T#acme' }, callback: { M: { url: { S: 'https://x.example' } } } });
    await expect(classInstance).rejects.toThrow(/convertClassInstanceToMap/);
  });
});

describe('caller profiles: every client has time-outs and retries sized for its caller', () => {
  /** A loopback port that refuses connections. */
  const closedPort = async () => {
    const server = createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as { port: number };
    await new Promise<void>((r) => server.close(() => r()));
    return port;
  };

  it('an HTTP route waits at most 2 attempts of 3 s (1 s to connect): well inside its 10 s answer', () => {
    const http = CALLER_PROFILES.http;
    const worst = http.maxAttempts * http.requestTimeoutMs;

    expect(http.connectionTimeoutMs).toBeLessThanOrEqual(http.requestTimeoutMs);
    expect(worst).toBeLessThanOrEqual(7_000);
    expect(CALLER_PROFILES.background.maxAttempts).toBeGreaterThan(http.maxAttempts);
  });

  it('a background call gives up inside the shortest background timeout (webhook delivery, 60 s)', () => {
    const bg = CALLER_PROFILES.background;

    expect(bg.maxAttempts * bg.requestTimeoutMs).toBeLessThan(50_000);
  });

  it.each(['http', 'background'] as const)('%s: the request handler cuts each attempt, and the retry strategy counts them', async (profile) => {
    const p = CALLER_PROFILES[profile];
    const dynamo = makeDynamo({ region: REGION, endpoint: `http://127.0.0.1:${await closedPort()}`, credentials: CREDENTIALS, profile });

    const failure = await dynamo.send(new ListTablesCommand({})).catch((e: unknown) => e as Error & { $metadata?: { attempts?: number } });

    expect(isDependencyFailure(failure)).toBe(true);
    expect(failure.$metadata?.attempts).toBe(p.maxAttempts);
    expect((dynamo.config.requestHandler as NodeHttpHandler).httpHandlerConfigs()).toMatchObject({
      connectionTimeout: p.connectionTimeoutMs,
      requestTimeout: p.requestTimeoutMs,
      throwOnRequestTimeout: true,
    });
    expect(await dynamo.config.maxAttempts()).toBe(p.maxAttempts);
    expect(dynamo.config.retryMode).toBe(p.retryMode);
  });

  it('a client without a profile is a background one', async () => {
    expect(await makeKms({ region: REGION }).config.maxAttempts()).toBe(CALLER_PROFILES.background.maxAttempts);
  });
});

describe('clientCache', () => {
  it('builds one client per key, on first use, and hands the same one back after', () => {
    const built: string[] = [];
    const forRegion = clientCache((region) => {
      built.push(region);
      return makeKms({ region });
    });

    const first = forRegion('eu-west-1');
    const again = forRegion('eu-west-1');
    const other = forRegion('us-east-1');

    expect(again).toBe(first);
    expect(other).not.toBe(first);
    expect(built).toEqual(['eu-west-1', 'us-east-1']);
  });
});

describe('assumedRoleCredentials', () => {
  const sts = makeSts({ region: REGION });
  const stsMock = mockClient(sts);
  afterEach(() => stsMock.reset());

  const ROLE_ARN = 'arn:aws:iam::111122223333:role/byob-provisioner';
  const EXPIRATION = new Date('2030-01-01T01:00:00.000Z');

  it("assumes the role with the tenant's ExternalId and answers the temporary credentials", async () => {
    stsMock.on(AssumeRoleCommand).resolves({
      Credentials: { AccessKeyId: 'ASIATEMP', SecretAccessKey: 'temp-secret', SessionToken: 'temp-token', Expiration: EXPIRATION },
    });
    const provider = assumedRoleCredentials(sts, ROLE_ARN, async () => 'byob-ext-123', 'byob-acme');

    const credentials = await provider();

    expect(credentials).toEqual({ accessKeyId: 'ASIATEMP', secretAccessKey: 'temp-secret', sessionToken: 'temp-token', expiration: EXPIRATION });
    expect(stsMock).toHaveReceivedCommandWith(AssumeRoleCommand, { RoleArn: ROLE_ARN, ExternalId: 'byob-ext-123', RoleSessionName: 'byob-acme', DurationSeconds: 3600 });
  });

  it('cuts the session name to the 64 characters STS allows', async () => {
    stsMock.on(AssumeRoleCommand).resolves({ Credentials: { AccessKeyId: 'ASIATEMP', SecretAccessKey: 's', SessionToken: 't', Expiration: EXPIRATION } });
    const long = `byob-${'a'.repeat(62)}-${'b'.repeat(20)}`;

    await assumedRoleCredentials(sts, ROLE_ARN, async () => 'ext', long)();

    const name = stsMock.commandCalls(AssumeRoleCommand)[0]!.args[0].input.RoleSessionName!;
    expect(name).toHaveLength(64);
    expect(long.startsWith(name)).toBe(true);
  });

  it('asks for the ExternalId on every refresh, so a rotated one is used', async () => {
    stsMock.on(AssumeRoleCommand).resolves({ Credentials: { AccessKeyId: 'ASIATEMP', SecretAccessKey: 's', SessionToken: 't', Expiration: EXPIRATION } });
    const ids = ['ext-1', 'ext-2'];
    const provider = assumedRoleCredentials(sts, ROLE_ARN, async () => ids.shift()!, 'byob-acme');

    await provider();
    await provider();

    expect(stsMock.commandCalls(AssumeRoleCommand).map((c) => c.args[0].input.ExternalId)).toEqual(['ext-1', 'ext-2']);
  });

  it.each([
    ['no Credentials', {}],
    ['no secret key', { Credentials: { AccessKeyId: 'ASIATEMP', SecretAccessKey: undefined, SessionToken: 't', Expiration: EXPIRATION } }],
  ])('fails naming the role when STS answers %s', async (_name, answer) => {
    stsMock.on(AssumeRoleCommand).resolves(answer as never);

    await expect(assumedRoleCredentials(sts, ROLE_ARN, async () => 'ext', 'byob-acme')()).rejects.toThrow(
      `AssumeRole of ${ROLE_ARN} returned no credentials`,
    );
  });

  it("passes STS's refusal on as it is (AccessDenied names the trust policy problem)", async () => {
    const denied = Object.assign(new Error(`User is not authorized to perform: sts:AssumeRole on resource: ${ROLE_ARN}`), { name: 'AccessDenied' });
    stsMock.on(AssumeRoleCommand).rejects(denied);

    await expect(assumedRoleCredentials(sts, ROLE_ARN, async () => 'ext', 'byob-acme')()).rejects.toMatchObject({
      name: 'AccessDenied',
    });
  });
});
