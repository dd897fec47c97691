import { CloudFormationClient, CreateStackCommand } from '@aws-sdk/client-cloudformation';
import { GetBucketPolicyCommand, GetBucketVersioningCommand, HeadBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-vitest/extend';
import { afterEach, beforeEach, describe, expect, it, test } from 'vitest';
import { parseConfig } from '../../../lib/config.js';
import { ConflictError } from '../../../lib/errors.js';
import { adoptionFor, claimRetainedBucket, findRetainedBucket, launchAccountOf } from '../../../lib/provisioning/adoption.js';
import { type CreateDeps, createByob } from '../../../lib/provisioning/create.js';
import type { Adoption, ByobRecord } from '../../../lib/provisioning/record.js';
import { CreateByobRequest } from '../../../lib/provisioning/request.js';
import { fakeDeps, localEnv, VENDOR_ACCOUNT } from '../../support/fakes.js';
import { directRecord, pendingRecord, readyRecord } from '../../support/records.js';
import { awsError, BUCKET, KEY_ARN, kmsMock, programGoodBucket, REGION, s3Mock } from '../verify/fake-bucket.js';

// The retained bucket is fake-bucket's well-configured one (its region, key and CORS for any origin).
const cfnMock = mockClient(CloudFormationClient);
const TENANT = 'acme';
const OLD_ID = 'byob_01JOLD0000000000000000000A';
const OUTPUTS = { bucketName: BUCKET, bucketArn: `arn:aws:s3:::${BUCKET}`, kmsKeyArn: KEY_ARN, region: REGION, roleArn: null, accountId: VENDOR_ACCOUNT };
const STACK_ID = `arn:aws:cloudformation:${REGION}:${VENDOR_ACCOUNT}:stack/byob-new/1`;

/** A DELETED direct-mode request whose stack made {@link BUCKET}: its bucket and key are retained. */
const deletedRecord = (over: Partial<ByobRecord> = {}): ByobRecord =>
  readyRecord({ id: OLD_ID, status: 'DELETED', region: REGION, bucketName: BUCKET, outputs: OUTPUTS, activeKey: 'team#omega', ...over });

/** The new request, not stored yet, naming the retained bucket. */
const newRecord = (over: Partial<ByobRecord> = {}): ByobRecord =>
  pendingRecord({ id: 'byob_01JNEW0000000000000000000B', region: REGION, bucketName: BUCKET, corsRules: [], ...over });

const world = () => {
  const f = fakeDeps({ config: parseConfig(localEnv({ SUPPORTED_REGIONS: REGION })) });
  const deps: CreateDeps = { ...f.deps, vendorS3: (region) => new S3Client({ region }) };
  return { ...f, deps };
};

beforeEach(() => {
  programGoodBucket();
  cfnMock.on(CreateStackCommand).resolves({ StackId: STACK_ID });
});
afterEach(() => {
  s3Mock.reset();
  kmsMock.reset();
  cfnMock.reset();
});

describe('launchAccountOf', () => {
  it('is the account the stack reported, else the deployment role\'s, else the vendor\'s own', () => {
    const { deps } = world();
    expect(launchAccountOf(deps.config, readyRecord({ outputs: { ...OUTPUTS, accountId: '444455556666' } }))).toBe('444455556666');
    expect(launchAccountOf(deps.config, newRecord({ launch: { mode: 'direct', roleArn: 'arn:aws:iam::777788889999:role/deploy', stackName: 's', stackId: null, stackStatus: null } }))).toBe('777788889999');
    expect(launchAccountOf(deps.config, newRecord())).toBe(deps.config.serviceAccountId);
  });
});

describe('findRetainedBucket', () => {
  it('finds the DELETED request of the tenant that retained the bucket of that name, region and account', async () => {
    const { deps, store } = world();
    store.seed(deletedRecord());

    expect((await findRetainedBucket(deps, newRecord()))?.id).toBe(OLD_ID);
  });

  it.each([
    ['another bucket name', { outputs: { ...OUTPUTS, bucketName: 'other-bucket' } }],
    ['another region', { region: 'us-east-1' }],
    ['another launch account', { outputs: { ...OUTPUTS, accountId: '444455556666' } }],
    ['a request that is not DELETED', { status: 'READY' as const }],
    ['a DELETED request whose stack never made the bucket', { outputs: null }],
    ["another tenant's request", { tenant: 'someone-else' }],
  ])('ignores %s', async (_what, over) => {
    const { deps, store } = world();
    store.seed(deletedRecord(over));

    expect(await findRetainedBucket(deps, newRecord())).toBeNull();
  });

  it('skips a bucket another request adopted and still holds, but not one whose adopter rolled back', async () => {
    const { deps, store } = world();
    store.seed(deletedRecord({ adoptedBy: 'byob_01JHOLDER' }));
    store.seed(readyRecord({ id: 'byob_01JHOLDER', activeKey: 'team#other' }));
    expect(await findRetainedBucket(deps, newRecord())).toBeNull();

    store.seed(readyRecord({ id: 'byob_01JHOLDER', status: 'FAILED', outputs: null, activeKey: 'team#other' }));
    expect((await findRetainedBucket(deps, newRecord()))?.id).toBe(OLD_ID);
  });

  it('finds the newest of a chain: once an adopter is DELETED in turn, it is the one that retained the bucket', async () => {
    const { deps, store } = world();
    store.seed(deletedRecord({ adoptedBy: 'byob_01JSECOND' }));
    store.seed(deletedRecord({ id: 'byob_01JSECOND', adopted: { bucketName: BUCKET, kmsKeyArn: KEY_ARN, fromRequestId: OLD_ID } }));

    expect((await findRetainedBucket(deps, newRecord()))?.id).toBe('byob_01JSECOND');
  });
});

describe('adoptionFor', () => {
  it('adopts a retained bucket that still exists, noting its key and the request that retained it, checking nothing else yet', async () => {
    const { deps, store } = world();
    store.seed(deletedRecord());

    const adoption = await adoptionFor(deps, newRecord());

    expect(adoption).toEqual({ bucketName: BUCKET, kmsKeyArn: KEY_ARN, fromRequestId: OLD_ID });
    expect(s3Mock).toHaveReceivedCommandWith(HeadBucketCommand, { Bucket: BUCKET });
    // Versioning, encryption, the policy the stack puts and the probe: the verification after launch.
    expect(s3Mock).not.toHaveReceivedCommand(GetBucketVersioningCommand);
    expect(s3Mock).not.toHaveReceivedCommand(GetBucketPolicyCommand);
    expect(s3Mock).not.toHaveReceivedCommand(PutObjectCommand);
    expect(kmsMock.calls()).toEqual([]);
  });

  it('adopts a bucket it may not look into (403): the verification after launch says what is wrong', async () => {
    const { deps, store } = world();
    store.seed(deletedRecord());
    s3Mock.on(HeadBucketCommand).rejects(awsError('Forbidden', 403));

    expect(await adoptionFor(deps, newRecord())).toMatchObject({ bucketName: BUCKET });
  });

  it('lets a dependency failure through (503 upstream), adopting nothing', async () => {
    const { deps, store } = world();
    store.seed(deletedRecord());
    s3Mock.on(HeadBucketCommand).rejects(awsError('InternalError', 500));

    await expect(adoptionFor(deps, newRecord())).rejects.toMatchObject({ name: 'InternalError' });
  });

  test.each([
    ['SSE-S3', { type: 'sse-s3' as const }, /encrypted with KMS key .*ask for encryption \{"type":"sse-kms"\}/],
    ['another customer key', { type: 'sse-kms' as const, kmsKeyArn: `arn:aws:kms:${REGION}:111122223333:key/other` }, /encrypted with KMS key .*, not arn:aws:kms:.*key\/other/],
  ])('refuses a request for %s on a bucket retained with its KMS key (409), checking nothing', async (_what, encryption, reason) => {
    const { deps, store } = world();
    store.seed(deletedRecord());

    const error = (await adoptionFor(deps, newRecord({ encryption })).catch((e: unknown) => e)) as ConflictError;

    expect(error).toBeInstanceOf(ConflictError);
    expect(error.message).toMatch(reason);
    expect(error.extra).toEqual({ bucketName: BUCKET, fromRequestId: OLD_ID });
    expect(s3Mock.calls()).toEqual([]);
  });

  it('adopts nothing when the retained bucket was deleted since: the stack creates it again', async () => {
    const { deps, store } = world();
    store.seed(deletedRecord());
    s3Mock.on(HeadBucketCommand).rejects(awsError('NotFound', 404));

    expect(await adoptionFor(deps, newRecord())).toBeNull();
  });

  it('never adopts for quick-create: nothing in the customer\'s account can be checked before launch', async () => {
    const { deps, store } = world();
    store.seed(deletedRecord());

    expect(await adoptionFor(deps, newRecord({ launch: { mode: 'quick-create', roleArn: null, stackName: 's', stackId: null, stackStatus: null } }))).toBeNull();
    expect(s3Mock.calls()).toEqual([]);
  });
});

describe('claimRetainedBucket', () => {
  const adoption: Adoption = { bucketName: BUCKET, kmsKeyArn: KEY_ARN, fromRequestId: OLD_ID };
  const adopter = (id: string) => ({ ...newRecord({ id }), adopted: adoption });

  it('lets one request adopt a bucket: the first claim wins, a second stored request loses, the first may claim again', async () => {
    const { deps, store } = world();
    store.seed(deletedRecord());
    store.seed(adopter('byob_01JFIRST'));
    store.seed(adopter('byob_01JSECOND'));

    expect(await claimRetainedBucket(deps, adopter('byob_01JFIRST'))).toBe(true);
    expect(await claimRetainedBucket(deps, adopter('byob_01JSECOND'))).toBe(false);
    expect(await claimRetainedBucket(deps, adopter('byob_01JFIRST'))).toBe(true);
    expect(store.current(TENANT, OLD_ID).adoptedBy).toBe('byob_01JFIRST');
  });

  it('takes the bucket over from an adopter whose stack rolled back', async () => {
    const { deps, store } = world();
    store.seed(deletedRecord({ adoptedBy: 'byob_01JFIRST' }));
    store.seed({ ...adopter('byob_01JFIRST'), status: 'FAILED' });
    store.seed(adopter('byob_01JSECOND'));

    expect(await claimRetainedBucket(deps, adopter('byob_01JSECOND'))).toBe(true);
    expect(store.current(TENANT, OLD_ID).adoptedBy).toBe('byob_01JSECOND');
  });
});

describe('createByob with a retained bucket', () => {
  const body = (over: Record<string, unknown> = {}) =>
    CreateByobRequest.parse({ scope: 'team', team: 'omega', region: REGION, bucketName: BUCKET, cors: { allowedOrigins: ['https://app.example.com'] }, launch: { mode: 'direct' }, ...over });
  const launchedTemplate = () => JSON.parse(String(cfnMock.commandCalls(CreateStackCommand)[0]!.args[0].input.TemplateBody)) as { Resources: Record<string, { Type: string; Properties: Record<string, unknown> }>; Outputs: Record<string, { Value: unknown }> };

  it('launches a stack that creates no bucket or key, grants on the retained ones, and notes the adoption on both records', async () => {
    const { deps, store } = world();
    store.seed(deletedRecord());

    const created = await createByob(deps, TENANT, body({ accessRole: { enabled: true } }));

    expect(created.status).toBe('CREATING');
    expect(created.adopted).toEqual({ bucketName: BUCKET, kmsKeyArn: KEY_ARN, fromRequestId: OLD_ID });
    expect(store.current(TENANT, OLD_ID).adoptedBy).toBe(created.id);
    const template = launchedTemplate();
    expect(Object.values(template.Resources).map((r) => r.Type).sort()).toEqual(['AWS::IAM::Role', 'AWS::S3::BucketPolicy']);
    expect(template.Resources.ByobBucketPolicy!.Properties.Bucket).toBe(BUCKET);
    expect(template.Outputs.KmsKeyArn!.Value).toBe(KEY_ARN);
    expect(cfnMock).toHaveReceivedCommandWith(CreateStackCommand, { Capabilities: ['CAPABILITY_IAM'] });
  });

  it('refuses with a 409 and writes nothing when the request asks for another encryption than the retained bucket has', async () => {
    const { deps, store } = world();
    store.seed(deletedRecord());

    await expect(createByob(deps, TENANT, body({ encryption: { type: 'sse-s3' } }))).rejects.toBeInstanceOf(ConflictError);
    expect([...store.records.keys()]).toEqual([`${TENANT}|${OLD_ID}`]);
    expect(cfnMock).not.toHaveReceivedCommand(CreateStackCommand);
  });

  it("creates the bucket as before when the name is another tenant's retained bucket (CreateBucket then fails as today)", async () => {
    const { deps, store } = world();
    store.seed(deletedRecord({ tenant: 'someone-else' }));

    const created = await createByob(deps, TENANT, body());

    expect(created.adopted).toBeUndefined();
    expect(Object.keys(launchedTemplate().Resources)).toContain('ByobBucket');
  });

  it('fails the request, freeing its team, when another request of the tenant adopted the bucket at the same moment', async () => {
    const { deps, store } = world();
    store.seed(deletedRecord());
    const rival = directRecord({ id: 'byob_01JRIVAL', status: 'PENDING', activeKey: 'team#rival' });
    store.seed(rival);
    const list = store.list.bind(store);
    // The rival claims between this request's search and its claim.
    store.list = async (...args) => {
      const page = await list(...args);
      await claimRetainedBucket(deps, { ...rival, adopted: { bucketName: BUCKET, kmsKeyArn: KEY_ARN, fromRequestId: OLD_ID } });
      return page;
    };

    const created = await createByob(deps, TENANT, body());

    expect(created.status).toBe('FAILED');
    expect(created.failure).toMatchObject({ code: 'bucket_adopted' });
    expect(store.locks.has(`${TENANT}|team#omega`)).toBe(false);
    expect(cfnMock).not.toHaveReceivedCommand(CreateStackCommand);
  });
});
