import { CloudFormationClient, CreateStackCommand } from '@aws-sdk/client-cloudformation';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-vitest/extend';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { parseConfig } from '../../../lib/config.js';
import { ConflictError, DependencyError, ValidationError } from '../../../lib/errors.js';
import type { Ids } from '../../../lib/ids.js';
import { logger } from '../../../lib/logger.js';
import { type CreateDeps, createByob, launchFor, MAX_TEMPLATE_BODY_BYTES, templateSpecFor } from '../../../lib/provisioning/create.js';
import { TEMPLATE_VERSION } from '../../../templates/version.js';
import { toView } from '../../../lib/provisioning/record.js';
import { CreateByobRequest } from '../../../lib/provisioning/request.js';
import { QUICK_CREATE_URL_MAX, hashToken, registrationToken } from '../../../lib/quick-create/link.js';
import { fakeDeps, LINK_KEY, localEnv, REGION, sequentialIds, T0, VIEW } from '../../support/fakes.js';
import { DIRECT_STACK_ID, directRecord, quickCreateRecord } from '../../support/records.js';

const cfnMock = mockClient(CloudFormationClient);
const s3Mock = mockClient(S3Client);
beforeEach(() => {
  s3Mock.on(PutObjectCommand).resolves({});
  cfnMock.on(CreateStackCommand).resolves({ StackId: DIRECT_STACK_ID });
  vi.spyOn(logger, 'error').mockImplementation(() => undefined);
});
afterEach(() => {
  cfnMock.reset();
  s3Mock.reset();
  vi.restoreAllMocks();
});

const TEMPLATES_BUCKET = `byob-local-templates-${REGION}`;
const T0_PLUS = (minutes: number) => new Date(T0.getTime() + minutes * 60_000).toISOString();

/** A POST /byob body as the request schema hands it over (defaults applied). */
const body = (over: Record<string, unknown> = {}): CreateByobRequest =>
  CreateByobRequest.parse({ scope: 'team', team: 'omega', region: REGION, cors: { allowedOrigins: ['https://app.example.com'] }, launch: { mode: 'direct' }, ...over });

const createDeps = (opts: { env?: Record<string, string>; ids?: Ids } = {}) => {
  const f = fakeDeps({ config: parseConfig(localEnv(opts.env)) });
  const deps: CreateDeps = { ...f.deps, ...(opts.ids ? { ids: opts.ids } : {}), vendorS3: (region) => new S3Client({ region }) };
  return { ...f, deps };
};

/** The template createByob stored, parsed. */
const storedTemplate = () => JSON.parse(String(s3Mock.commandCalls(PutObjectCommand)[0]!.args[0].input.Body)) as { Description: string; Resources: Record<string, unknown> };
/** The template a direct request's stack was launched with (CreateStack's TemplateBody). */
const launchedTemplate = () => JSON.parse(String(cfnMock.commandCalls(CreateStackCommand)[0]!.args[0].input.TemplateBody)) as { Description: string; Resources: Record<string, unknown> };

describe('createByob: checks before anything is written', () => {
  it('names every field the configuration refuses at once: region not offered, callback to a forbidden address', async () => {
    const { deps, store } = createDeps({ env: { SUPPORTED_REGIONS: 'eu-west-1,us-east-1' } });

    const error = await createByob(deps, 'acme', body({ callbackUrl: 'https://169.254.169.254/hook' })).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).errors.map((e) => e.path)).toEqual(['region', 'callbackUrl']);
    expect((error as ValidationError).errors[0]!.message).toContain('eu-west-1, us-east-1');
    expect(store.records.size).toBe(0);
    expect(s3Mock.calls()).toEqual([]);
  });

  it('answers 503 for quick-create on a deployment without a link key, writing nothing', async () => {
    const env = localEnv();
    delete env.QUICK_CREATE_LINK_KEY;
    const f = fakeDeps({ config: parseConfig(env) });
    const deps: CreateDeps = { ...f.deps, vendorS3: (region) => new S3Client({ region }) };

    const error = await createByob(deps, 'acme', body({ launch: { mode: 'quick-create' } })).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(DependencyError);
    expect((error as DependencyError).status).toBe(503);
    expect(f.store.records.size).toBe(0);
  });

  it('refuses a dynamic reference that slipped past validation as a 400 naming the field', async () => {
    const { deps, store } = createDeps();

    const error = await createByob(deps, 'acme', { ...body(), tags: { owner: '{{resolve:ssm:/secret}}' } }).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).errors).toEqual([{ path: 'tags.owner', message: 'must not contain a CloudFormation dynamic reference ({{resolve:…}})' }]);
    expect(store.records.size).toBe(0);
  });
});

describe('createByob: direct', () => {
  it('launches the stack with the rendered template as its body, storing nothing, and answers CREATING with the stack id', async () => {
    const { deps, store } = createDeps();

    const out = await createByob(deps, 'acme', body());

    expect(s3Mock).not.toHaveReceivedCommand(PutObjectCommand);
    expect(cfnMock).toHaveReceivedCommandTimes(CreateStackCommand, 1);
    expect(cfnMock.commandCalls(CreateStackCommand)[0]!.args[0].input).toMatchObject({ StackName: out.launch.stackName });
    expect(cfnMock.commandCalls(CreateStackCommand)[0]!.args[0].input).not.toHaveProperty('TemplateURL');
    expect(launchedTemplate().Description).toContain(TEMPLATE_VERSION);
    expect(out).toMatchObject({ status: 'CREATING', templateKey: '', templateBucket: TEMPLATES_BUCKET, launch: { mode: 'direct', stackId: DIRECT_STACK_ID, stackStatus: 'CREATE_IN_PROGRESS' } });
    expect(store.current('acme', out.id)).toEqual(out);
    expect(store.commits.map((c) => `${c.before.status}→${c.after.status}`)).toEqual(['PENDING→CREATING']);
  });

  it('writes the record, holding the team, before CreateStack is called', async () => {
    const { deps, store } = createDeps();
    const seen: Array<{ status: string; templateKey: string; lockHolder: string | undefined }> = [];
    cfnMock.on(CreateStackCommand).callsFake(async () => {
      const [record] = store.records.values();
      seen.push({ status: record!.status, templateKey: record!.templateKey, lockHolder: [...store.locks.values()][0] });
      return { StackId: DIRECT_STACK_ID };
    });

    const out = await createByob(deps, 'acme', body());

    expect(seen).toEqual([{ status: 'PENDING', templateKey: out.templateKey, lockHolder: out.id }]);
  });

  it('records the request as asked: ids, names, encryption, CORS, role, callback, tags, lock key and schedule', async () => {
    const { deps } = createDeps();
    const kmsKeyArn = `arn:aws:kms:${REGION}:111111111111:key/0d5f4f5e-1c3b-4c55-9a0f-1234567890ab`;

    const out = await createByob(
      deps,
      'acme',
      body({
        encryption: { type: 'sse-kms', kmsKeyArn },
        accessRole: { enabled: true },
        callbackUrl: 'https://portal.example.com/hooks/byob',
        tags: { 'cost-center': 'ml' },
        launch: { mode: 'direct', roleArn: 'arn:aws:iam::111111111111:role/byob-deployer' },
      }),
    );

    expect(out.id).toBe('byob_00000000000000000000000001');
    expect(out).toMatchObject({
      tenant: 'acme',
      scope: 'team',
      team: 'omega',
      region: REGION,
      bucketName: 'byob-omega-000000000001',
      encryption: { type: 'sse-kms', kmsKeyArn },
      accessRole: true,
      launch: { roleArn: 'arn:aws:iam::111111111111:role/byob-deployer', stackName: 'byob-00000000000000000000000001' },
      callback: { url: 'https://portal.example.com/hooks/byob', attempts: 0 },
      tags: { 'cost-center': 'ml' },
      activeKey: 'team#omega',
      createdAt: T0.toISOString(),
      dueAt: T0_PLUS(30),
      quickCreate: null,
    });
    expect(out.corsRules).toEqual([{ allowedOrigins: ['https://app.example.com'], allowedMethods: ['GET', 'HEAD', 'PUT'], allowedHeaders: ['*'], exposedHeaders: ['ETag'], maxAgeSeconds: 3600 }]);
  });

  it("puts the tenant's ExternalId in the role's trust policy and launches with CAPABILITY_IAM", async () => {
    const { deps, store } = createDeps();

    await createByob(deps, 'acme', body({ accessRole: { enabled: true } }));

    const externalId = store.settings.get('acme')!.externalId;
    expect(JSON.stringify(launchedTemplate())).toContain(externalId);
    expect(cfnMock).toHaveReceivedCommandWith(CreateStackCommand, { Capabilities: ['CAPABILITY_IAM'] });
  });

  it('keeps a given bucket name, and names an instance request for the instance', async () => {
    const { deps } = createDeps();

    const named = await createByob(deps, 'acme', body({ bucketName: 'acme-ml-data' }));
    const instance = await createByob(deps, 'acme', body({ scope: 'instance', team: undefined, encryption: { type: 'sse-s3' } }));

    expect(named.bucketName).toBe('acme-ml-data');
    expect(instance).toMatchObject({ team: null, activeKey: 'instance#-', encryption: { type: 'sse-s3' } });
    expect(instance.bucketName).toMatch(/^byob-instance-[0-9a-z]{12}$/);
  });

  it('answers 409 naming the active request when the team already has one, and launches nothing', async () => {
    const { deps } = createDeps();
    const first = await createByob(deps, 'acme', body());

    const error = await createByob(deps, 'acme', body()).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(ConflictError);
    expect((error as ConflictError).extra).toEqual({ existingId: first.id });
    expect(cfnMock).toHaveReceivedCommandTimes(CreateStackCommand, 1);
  });

  it('lets other teams, and the same team of another tenant, ask at the same time', async () => {
    const { deps } = createDeps();
    await createByob(deps, 'acme', body());

    await expect(createByob(deps, 'acme', body({ team: 'kappa' }))).resolves.toMatchObject({ status: 'CREATING' });
    await expect(createByob(deps, 'globex', body())).resolves.toMatchObject({ status: 'CREATING' });
  });

  it('a CreateStack that fails leaves a FAILED record saying why, and frees the team', async () => {
    const { deps } = createDeps();
    cfnMock
      .on(CreateStackCommand)
      .rejectsOnce(Object.assign(new Error('Requires capabilities : [CAPABILITY_IAM]'), { name: 'InsufficientCapabilitiesException' }))
      .resolves({ StackId: DIRECT_STACK_ID });

    const out = await createByob(deps, 'acme', body());

    expect(out).toMatchObject({ status: 'FAILED', failure: { code: 'launch_failed', message: 'Requires capabilities : [CAPABILITY_IAM]', resource: null }, dueAt: null });
    await expect(createByob(deps, 'acme', body())).resolves.toMatchObject({ status: 'CREATING' });
  });

  it.each([
    ['timed out', Object.assign(new Error('request timed out'), { name: 'TimeoutError' })],
    ['throttled after the retries', Object.assign(new Error('Rate exceeded'), { name: 'Throttling', $fault: 'client', $metadata: { httpStatusCode: 400 } })],
    ['answered 500', Object.assign(new Error('We encountered an internal error'), { name: 'InternalFailure', $fault: 'server', $metadata: { httpStatusCode: 500 } })],
  ])('a CreateStack that AWS %s leaves the request PENDING, accepted, for the reconciler to launch again at its 2-minute deadline', async (_how, error) => {
    const { deps, store, delivered } = createDeps();
    cfnMock.on(CreateStackCommand).rejects(error);
    vi.spyOn(logger, 'warn').mockImplementation(() => undefined);

    const out = await createByob(deps, 'acme', body());

    expect(out).toMatchObject({ status: 'PENDING', failure: null, dueAt: T0_PLUS(2), launch: { stackId: null } });
    expect(await store.get('acme', out.id)).toEqual(out);
    expect(delivered).toEqual([]);
    await expect(createByob(deps, 'acme', body())).rejects.toBeInstanceOf(ConflictError);
  });

  it('cuts a long CreateStack error to 500 characters', async () => {
    const { deps } = createDeps();
    cfnMock.on(CreateStackCommand).rejects(new Error('x'.repeat(2000)));

    const out = await createByob(deps, 'acme', body());

    expect(out.failure?.message).toHaveLength(500);
  });

  it('launches the largest request the schema accepts with a body within the 51,200 bytes CloudFormation takes', async () => {
    const { deps } = createDeps();
    const tags = Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`${i}`.padEnd(128, 'k'), 'v'.repeat(256)]));
    const host = (i: number) => [`${i}`.padEnd(61, 'a'), 'b'.repeat(61), 'c'.repeat(61), 'd'.repeat(58)].join('.');
    const headers = Array.from({ length: 20 }, (_, i) => `x-${i}`.padEnd(128, 'h'));
    const cors = { allowedOrigins: Array.from({ length: 20 }, (_, i) => `https://${host(i)}`), allowedHeaders: headers, exposedHeaders: headers };

    const out = await createByob(deps, 'acme', body({ tags, cors, accessRole: { enabled: true } }));

    expect(out.status).toBe('CREATING');
    const sent = String(cfnMock.commandCalls(CreateStackCommand)[0]!.args[0].input.TemplateBody);
    expect(Buffer.byteLength(sent)).toBeLessThanOrEqual(MAX_TEMPLATE_BODY_BYTES);
    expect(sent).toContain(cors.allowedOrigins[19]);
  });

  it('answers the record as stack events left it when they arrived before the CreateStack answer', async () => {
    const { deps, store } = createDeps();
    cfnMock.on(CreateStackCommand).callsFake(async () => {
      const [record] = store.records.values();
      await store.commit({ before: record!, after: { ...record!, status: 'CREATING', version: record!.version + 1, launch: { ...record!.launch, stackId: DIRECT_STACK_ID, stackStatus: 'CREATE_COMPLETE' } }, lock: 'keep', outbox: [] });
      return { StackId: DIRECT_STACK_ID };
    });

    const out = await createByob(deps, 'acme', body());

    expect(out).toMatchObject({ status: 'CREATING', launch: { stackStatus: 'CREATE_COMPLETE' } });
    expect(store.commits).toHaveLength(1);
  });
});

describe('createByob: quick-create', () => {
  it('stores the template and answers AWAITING_CUSTOMER with the link, launching nothing', async () => {
    const { deps, delivered } = createDeps();

    const out = await createByob(deps, 'acme', body({ launch: { mode: 'quick-create' } }));

    const templateUrl = `https://${TEMPLATES_BUCKET}.s3.${REGION}.amazonaws.com/${out.templateKey}`;
    expect(out.status).toBe('AWAITING_CUSTOMER');
    expect(cfnMock.calls()).toEqual([]);
    expect(out.quickCreate!.url).toBe(
      `https://${REGION}.console.aws.amazon.com/cloudformation/home?region=${REGION}#/stacks/quickcreate?templateURL=${encodeURIComponent(templateUrl)}&stackName=${out.launch.stackName}`,
    );
    expect(delivered.map((r) => r.status)).toEqual(['AWAITING_CUSTOMER']);
  });

  it('stores only the hash of the registration token; an authenticated read derives the link with it', async () => {
    const { deps } = createDeps();

    const out = await createByob(deps, 'acme', body({ launch: { mode: 'quick-create' } }));

    const token = registrationToken(LINK_KEY, out.id);
    expect(out.quickCreate!.tokenHash).toBe(hashToken(token));
    expect(JSON.stringify(out)).not.toContain(token);
    const link = toView(out, { ...VIEW, linkKey: LINK_KEY }).quickCreateUrl!;
    expect(link).toBe(`${out.quickCreate!.url}&param_RegistrationToken=${encodeURIComponent(token)}`);
    expect(link.length).toBeLessThanOrEqual(QUICK_CREATE_URL_MAX);
  });

  it('expires the link after the configured hours, and the reconciler looks then', async () => {
    const { deps } = createDeps({ env: { QUICK_CREATE_TTL_HOURS: '24' } });

    const out = await createByob(deps, 'acme', body({ launch: { mode: 'quick-create' } }));

    expect(out.quickCreate).toMatchObject({ expiresAt: T0_PLUS(24 * 60), boundAccountId: null });
    expect(out.dueAt).toBe(T0_PLUS(24 * 60));
  });

  it("points the template's registration resources at the region's registration topic", async () => {
    const { deps } = createDeps();

    await createByob(deps, 'acme', body({ launch: { mode: 'quick-create' } }));

    expect(JSON.stringify(storedTemplate())).toContain(`arn:aws:sns:${REGION}:123456789012:byob-local-registration`);
  });

  it('a link that cannot be built (over the console limit) fails the request and frees the team', async () => {
    const longNonce: Ids = { ...sequentialIds(), token: (n) => (n === 18 ? 'n'.repeat(900) : 'x'.repeat(32)) };
    const { deps, store } = createDeps({ ids: longNonce });

    const out = await createByob(deps, 'acme', body({ launch: { mode: 'quick-create' } }));

    expect(out).toMatchObject({ status: 'FAILED', quickCreate: null, failure: { code: 'quick_create_link_failed' } });
    expect(store.locks.size).toBe(0);
  });
});

describe('templateSpecFor', () => {
  const config = parseConfig(localEnv({ ACCESS_LOG_BUCKET: 'acme-access-logs', VENDOR_NAME: 'Acme Data' }));

  it('takes the request fields from the record and the vendor from configuration', () => {
    const record = directRecord({ tags: { a: 'b' } });

    expect(templateSpecFor({ config }, record, 'byob-ext')).toEqual({
      templateVersion: TEMPLATE_VERSION,
      requestId: record.id,
      tenant: 'acme',
      scope: 'team',
      team: 'omega',
      bucketName: record.bucketName,
      region: REGION,
      vendor: { accountId: '830241207209', name: 'Acme Data', principalArn: 'arn:aws:iam::830241207209:root' },
      encryption: { type: 'sse-kms' },
      corsRules: [],
      accessRole: null,
      tags: { a: 'b' },
      quickCreate: null,
      accessLogBucket: 'acme-access-logs',
      adopted: null,
    });
  });

  it('includes the role with the ExternalId only when the request asked for one', () => {
    expect(templateSpecFor({ config }, directRecord({ accessRole: true }), 'byob-ext').accessRole).toEqual({ externalId: 'byob-ext' });
    expect(templateSpecFor({ config }, directRecord({ accessRole: true }), null).accessRole).toBeNull();
  });

  it('maps the three kinds of encryption', () => {
    const kmsKeyArn = `arn:aws:kms:${REGION}:111111111111:key/k`;

    expect(templateSpecFor({ config }, directRecord({ encryption: { type: 'sse-kms', kmsKeyArn } }), null).encryption).toEqual({ type: 'sse-kms', kmsKeyArn });
    expect(templateSpecFor({ config }, directRecord({ encryption: { type: 'sse-s3', kmsKeyArn } }), null).encryption).toEqual({ type: 'sse-s3' });
  });

  it("gives a quick-create template the region's registration topic", () => {
    expect(templateSpecFor({ config }, quickCreateRecord(), null).quickCreate).toEqual({ registrationTopicArn: `arn:aws:sns:${REGION}:123456789012:byob-local-registration` });
  });
});

describe('launchFor', () => {
  it('launches with the deterministic name and token, the region topic and tags naming tenant and request', async () => {
    const { deps } = createDeps();
    const record = directRecord({ tags: { 'cost-center': 'ml' } });

    expect(await launchFor(deps, record)).toBe(DIRECT_STACK_ID);

    expect(cfnMock.commandCalls(CreateStackCommand)[0]!.args[0].input).toMatchObject({
      StackName: record.launch.stackName,
      TemplateURL: `https://${record.templateBucket}.s3.${REGION}.amazonaws.com/${record.templateKey}`,
      ClientRequestToken: 'create-01JQC00000000000000000TEST',
      NotificationARNs: [`arn:aws:sns:${REGION}:123456789012:byob-local-stack-events`],
      Capabilities: [],
      Tags: [
        { Key: 'byob:tenant', Value: 'acme' },
        { Key: 'byob:request', Value: record.id },
        { Key: 'byob:scope', Value: 'team' },
        { Key: 'byob:team', Value: 'omega' },
        { Key: 'cost-center', Value: 'ml' },
      ],
    });
  });

  it('tags an instance request as such', async () => {
    const { deps } = createDeps();

    await launchFor(deps, directRecord({ scope: 'instance', team: null }));

    expect(cfnMock).toHaveReceivedCommandWith(CreateStackCommand, { Tags: expect.arrayContaining([{ Key: 'byob:scope', Value: 'instance' }, { Key: 'byob:team', Value: 'instance' }]) });
  });

  it("runs a stack in the vendor's account under the CloudFormation service role, a customer's stack under the customer's role", async () => {
    const serviceRole = 'arn:aws:iam::123456789012:role/byob-cfn-exec';
    const { deps } = createDeps({ env: { STACK_EXECUTION_ROLE_ARN: serviceRole } });

    await launchFor(deps, directRecord());
    await launchFor(deps, directRecord({ launch: { ...directRecord().launch, roleArn: 'arn:aws:iam::111111111111:role/byob-deployer' } }));

    const [vendors, customers] = cfnMock.commandCalls(CreateStackCommand).map((c) => c.args[0].input);
    expect(vendors!.RoleARN).toBe(serviceRole);
    expect(customers).not.toHaveProperty('RoleARN');
  });

  it('asks for CAPABILITY_IAM when the stack makes a role', async () => {
    const { deps } = createDeps();

    await launchFor(deps, directRecord({ accessRole: true }));

    expect(cfnMock).toHaveReceivedCommandWith(CreateStackCommand, { Capabilities: ['CAPABILITY_IAM'] });
  });
});
