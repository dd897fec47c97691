import { randomBytes } from 'node:crypto';
import { CloudFormationClient, type Stack } from '@aws-sdk/client-cloudformation';
import { CreateTableCommand, DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { CreateBucketCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { CreateTopicCommand, SNSClient } from '@aws-sdk/client-sns';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { inject } from 'vitest';
import { type Config, parseConfig } from '../../../lib/config.js';
import { stacksTaggedFor } from '../../support/stacks.js';
import { localServiceEnv } from '../../../scripts/local-aws.js';
import { type Deps, makeDeps } from '../../../lib/wiring/deps.js';
import { localJwks, mintToken } from '../../../scripts/local-auth.js';
import { TABLE_DEFINITION } from '../../../lib/provisioning/table.js';

/** A handler as the Lambda runtime calls it. */
export type HttpLambda = (event: APIGatewayProxyEventV2, context: Context) => Promise<APIGatewayProxyStructuredResultV2>;

/** What a handler answered, body parsed when JSON. */
export interface Reply {
  status: number;
  headers: Record<string, string>;
  body: any;
}

/** One HTTP request, described the way API Gateway's payload v2 carries it. */
export interface Req {
  method: string;
  /** The route's path template, e.g. /byob/{id}. */
  route: string;
  params?: Record<string, string>;
  query?: Record<string, string>;
  headers?: Record<string, string>;
  token?: string;
  /** A value to send as JSON (content-type set), or `raw` for exact bytes. */
  json?: unknown;
  raw?: string;
  base64?: boolean;
}

const credentials = { accessKeyId: 'testing', secretAccessKey: 'testing' };
export const REGION = 'eu-west-1';

/** Sends one request through a real middy handler, in-process. */
export const send = async (handler: HttpLambda, req: Req): Promise<Reply> => {
  const path = req.route.replace(/\{(\w+)\}/g, (_, k: string) => req.params?.[k] ?? '');
  const headers: Record<string, string> = {
    ...(req.token ? { authorization: `Bearer ${req.token}` } : {}),
    ...(req.json !== undefined ? { 'content-type': 'application/json' } : {}),
    ...req.headers,
  };
  const body = req.raw ?? (req.json !== undefined ? JSON.stringify(req.json) : undefined);
  const routeKey = `${req.method} ${req.route}`;
  const event = {
    version: '2.0',
    routeKey,
    rawPath: path,
    rawQueryString: new URLSearchParams(req.query ?? {}).toString(),
    headers,
    ...(req.query ? { queryStringParameters: req.query } : {}),
    ...(req.params ? { pathParameters: req.params } : {}),
    ...(body !== undefined ? { body } : {}),
    isBase64Encoded: req.base64 ?? false,
    requestContext: {
      accountId: '123456789012',
      apiId: 'local',
      domainName: 'localhost',
      domainPrefix: 'localhost',
      http: { method: req.method, path, protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'vitest' },
      requestId: randomBytes(6).toString('hex'),
      routeKey,
      stage: '$default',
      time: new Date().toISOString(),
      timeEpoch: Date.now(),
    },
  } as APIGatewayProxyEventV2;
  const out = await handler(event, {} as Context);
  const text = typeof out.body === 'string' ? out.body : '';
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    // not JSON
  }
  return { status: out.statusCode ?? 0, headers: Object.fromEntries(Object.entries(out.headers ?? {}).map(([k, v]) => [k.toLowerCase(), String(v)])), body: parsed };
};

/** The handler modules of every HTTP route in serverless.yml, keyed by route key. */
export const ROUTE_MODULES = {
  'POST /byob': 'create-request',
  'GET /byob': 'list-requests',
  'GET /byob/{id}': 'get-request',
  'GET /byob/{id}/template': 'get-template',
  'GET /byob/settings': 'settings',
  'POST /byob/settings/rotate-webhook-secret': 'rotate-webhook-secret',
  'POST /byob/{id}/verify': 'verify-request',
  'POST /byob/verify': 'verify-existing',
  'DELETE /byob/{id}': 'delete-request',
  'PATCH /byob/{id}': 'patch-request',
  'POST /byob/{id}/upgrade': 'upgrade-request',
  'POST /byob/upgrade': 'bulk-upgrade',
  'POST /byob/{id}/callbacks/redeliver': 'redeliver-callbacks',
  'POST /byob/{id}/onboarding/revoke': 'revoke-onboarding',
  'GET /onboarding/{id}': 'onboarding-page',
  'GET /onboarding/{id}/status': 'onboarding-status',
  'GET /assets/{file}': 'onboarding-asset',
  'GET /openapi.json': 'openapi',
} as const;

/** A route key of the API. */
export type RouteKey = keyof typeof ROUTE_MODULES;

/**
 * One test file's own corner of the shared emulator: its table, idempotency table, templates bucket
 * and stack-events topic under unique names, a Config pointing at them (plus any `settings`, e.g.
 * VENDOR_PRINCIPAL), and the real handlers wired to `makeDeps(config, overrides)`. The handler modules build their default deps from process.env
 * when imported, so the environment is set to this world's before the first import.
 */
export const makeWorld = async (settings: Record<string, string> = {}) => {
  const endpoint = inject('emulatorEndpoint');
  const id = randomBytes(4).toString('hex');
  const service = localServiceEnv({
    endpoint,
    jwks: await localJwks(),
    linkKey: 'k'.repeat(48),
    regions: [REGION],
    names: {
      table: `hard-${id}`,
      idempotencyTable: `hard-${id}-idempotency`,
      templatesBucketPrefix: `hard-${id}-templates`,
      stackEventsTopic: `hard-${id}-stack-events`,
      registrationTopic: `hard-${id}-registration`,
      accountId: '123456789012',
    },
  });
  const env = { ...service, ...settings };
  Object.assign(process.env, env);
  const cfg: Config = parseConfig(env);

  const ddb = new DynamoDBClient({ endpoint, region: REGION, credentials });
  await ddb.send(new CreateTableCommand({ TableName: cfg.tableName, ...(structuredClone(TABLE_DEFINITION) as object) } as never));
  await ddb.send(
    new CreateTableCommand({
      TableName: cfg.idempotencyTableName,
      AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
      BillingMode: 'PAY_PER_REQUEST',
    }),
  );
  const s3 = new S3Client({ endpoint, region: REGION, credentials, forcePathStyle: true, requestChecksumCalculation: 'WHEN_REQUIRED' });
  const templatesBucket = `${cfg.templatesBucketPrefix}-${REGION}`;
  await s3.send(new CreateBucketCommand({ Bucket: templatesBucket, CreateBucketConfiguration: { LocationConstraint: REGION } }));
  await new SNSClient({ endpoint, region: REGION, credentials }).send(new CreateTopicCommand({ Name: cfg.stackEventsTopicName }));
  const cfn = new CloudFormationClient({ endpoint, region: REGION, credentials, maxAttempts: 1 });

  const modules = new Map<string, { makeHandler?: (d: Deps) => HttpLambda; handler: HttpLambda }>();
  const load = async (route: RouteKey) => {
    const name = ROUTE_MODULES[route];
    if (!modules.has(name)) modules.set(name, await import(`../../../handlers/${name}.ts`));
    return modules.get(name)!;
  };

  return {
    endpoint,
    cfg,
    cfn,
    /** Real dependencies against this world, with any part swapped. */
    deps: (overrides: Partial<Deps> = {}) => makeDeps(cfg, overrides),
    token: (tenant: string) => mintToken(tenant, 1),
    /** A fresh tenant name for one test. */
    tenant: (label: string) => `${label}-${id}-${randomBytes(2).toString('hex')}`,
    /** The route's real handler over `deps` (the openapi route has no deps and always uses its own). */
    handler: async (route: RouteKey, deps: Deps): Promise<HttpLambda> => {
      const mod = await load(route);
      return mod.makeHandler ? mod.makeHandler(deps) : mod.handler;
    },
    /** Live stacks (any status but deleted) tagged with the tenant. */
    stacksOf: (tenant: string): Promise<Stack[]> => stacksTaggedFor(cfn, tenant),
    /** Every item of this world's table whose key starts with the tenant. */
    itemsOf: async (tenant: string) => {
      const out = await ddb.send(new ScanCommand({ TableName: cfg.tableName }));
      return (out.Items ?? []).filter((i) => i.pk?.S === `T#${tenant}`);
    },
    /** Every item of the idempotency table. */
    idempotencyItems: async () => (await ddb.send(new ScanCommand({ TableName: cfg.idempotencyTableName }))).Items ?? [],
    /** Every stored template object. */
    templateObjects: async () => (await s3.send(new ListObjectsV2Command({ Bucket: templatesBucket }))).Contents ?? [],
  };
};

/** A test file's world. */
export type World = Awaited<ReturnType<typeof makeWorld>>;

/** A valid direct-mode body; override any field. */
export const directBody = (over: Record<string, unknown> = {}) => ({
  scope: 'team',
  team: 'omega',
  region: REGION,
  encryption: { type: 'sse-kms' },
  cors: { allowedOrigins: ['https://app.example.com'] },
  launch: { mode: 'direct' },
  ...over,
});

/** The problem document minus the members that may differ between two equivalent answers. */
export const comparable = (body: Record<string, unknown>) => {
  const { instance: _i, detail: _d, ...rest } = body;
  return rest;
};
