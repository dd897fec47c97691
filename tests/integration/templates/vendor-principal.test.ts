import { GetKeyPolicyCommand, KMSClient, ListAliasesCommand } from '@aws-sdk/client-kms';
import { GetBucketPolicyCommand, S3Client } from '@aws-sdk/client-s3';
import { beforeAll, describe, expect, it } from 'vitest';
import { syncWithStack } from '../../../lib/provisioning/workflow.js';
import { runAwsCli } from '../../support/aws-cli.js';
import { directBody, makeWorld, REGION, send, type World } from '../hardening/world.js';

// VENDOR_PRINCIPAL set to one role: a direct request goes through the real handlers and workflow on the
// emulator (POST /byob, CreateStack of the rendered template, the stack's completion as the reconciler
// reads it, verification) to READY, and the role, never the account root, is what the bucket policy, the
// key policy and the access role's trust grant. The shared e2e stack runs with the default (root), and
// serverless-offline takes its configuration at start, so this runs in-process in a world of its own.
const ROLE = 'arn:aws:iam::830241207209:role/WandbIntegration';
const ROOT = 'arn:aws:iam::830241207209:root';
const credentials = { accessKeyId: 'testing', secretAccessKey: 'testing' };

let world: World;
let record: { id: string; status: string; bucketName: string; outputs: { bucketName: string; kmsKeyArn: string; roleArn: string }; verification: { status: string } };

const principalsOf = (policy: { Statement: Array<{ Effect: string; Principal?: unknown }> }) =>
  policy.Statement.filter((s) => s.Effect === 'Allow').map((s) => s.Principal);

beforeAll(async () => {
  world = await makeWorld({ VENDOR_PRINCIPAL: ROLE });
  const deps = world.deps();
  const tenant = world.tenant('principal');
  const token = await world.token(tenant);
  const created = await send(await world.handler('POST /byob', deps), { method: 'POST', route: '/byob', token, json: directBody({ accessRole: { enabled: true } }) });
  expect(created.status, JSON.stringify(created.body)).toBe(202);
  await syncWithStack(deps, (await deps.store.get(tenant, created.body.id))!);
  record = (await send(await world.handler('GET /byob/{id}', deps), { method: 'GET', route: '/byob/{id}', params: { id: created.body.id }, token })).body;
});

describe('VENDOR_PRINCIPAL as a role, through the workflow on the emulator', () => {
  it('reaches READY with every check passed for the role', () => {
    expect(record.status, JSON.stringify(record.verification)).toBe('READY');
    expect(record.verification.status).toBe('passed');
  });

  it('the bucket policy grants the role and not the account root', async () => {
    const s3 = new S3Client({ endpoint: world.endpoint, region: REGION, credentials, forcePathStyle: true });
    const policy = JSON.parse((await s3.send(new GetBucketPolicyCommand({ Bucket: record.outputs.bucketName }))).Policy!);

    expect(principalsOf(policy)).toEqual([{ AWS: ROLE }, { AWS: ROLE }, { AWS: ROLE }]);
    expect(policy.Statement.map((s: { Sid: string }) => s.Sid)).toContain('DenyOutdatedTls');
  });

  it("the key policy's External statements grant the role, and the key's alias names the request", async () => {
    const kms = new KMSClient({ endpoint: world.endpoint, region: REGION, credentials });
    const policy = JSON.parse((await kms.send(new GetKeyPolicyCommand({ KeyId: record.outputs.kmsKeyArn, PolicyName: 'default' }))).Policy!);
    const aliases = (await kms.send(new ListAliasesCommand({ KeyId: record.outputs.kmsKeyArn }))).Aliases ?? [];

    expect(policy.Statement.filter((s: { Sid: string }) => s.Sid.startsWith('External')).map((s: { Principal: unknown }) => s.Principal)).toEqual([{ AWS: ROLE }, { AWS: ROLE }]);
    expect(JSON.stringify(policy)).not.toContain(ROOT);
    expect(aliases.map((a) => a.AliasName)).toEqual([`alias/byob/${record.bucketName}/${record.id.slice('byob_'.length)}`]);
  });

  it("the access role's trust names the role, with the tenant's external id", async () => {
    const roleName = record.outputs.roleArn.split('/').pop()!;
    const [answer] = (await runAwsCli(world.endpoint, [`aws iam get-role --role-name ${roleName}`])) as Array<{ Role: { AssumeRolePolicyDocument: unknown } }>;
    const document = answer!.Role.AssumeRolePolicyDocument;
    const trust = (typeof document === 'string' ? JSON.parse(decodeURIComponent(document)) : document) as { Statement: Array<{ Principal: unknown; Condition: unknown }> };

    expect(trust.Statement.map((s) => s.Principal)).toEqual([{ AWS: ROLE }]);
    expect(JSON.stringify(trust.Statement[0]!.Condition)).toContain('sts:ExternalId');
  });
});
