import {
  CreateStackCommand,
  DescribeStacksCommand,
  GetTemplateCommand,
  UpdateStackCommand,
  type Parameter,
} from '@aws-sdk/client-cloudformation';
import { DescribeKeyCommand, GetKeyPolicyCommand } from '@aws-sdk/client-kms';
import { GetBucketCorsCommand, GetBucketEncryptionCommand, GetBucketPolicyCommand } from '@aws-sdk/client-s3';
import { CreateTopicCommand, SubscribeCommand } from '@aws-sdk/client-sns';
import { describe, expect, inject, it } from 'vitest';
import { LOGICAL_IDS, renderByobTemplate } from '../../../templates/render-byob.js';
import type { ByobTemplateSpec } from '../../../templates/spec.js';
import { baseSpec, SEED_003_CORS } from '../../unit/templates/fixtures.js';
import {
  clients,
  eventLine,
  eventually,
  fixture,
  iamQuery,
  parseStackEvent,
  roleTrustPolicy,
  stackEvents,
  startSnsListener,
  uniqueName,
  waitForStack,
} from './emulator-support.js';

// scripts/emulator/byob_moto/cfn_update.py (and resource_updates.py): UpdateStack changes the real
// bucket, key, bucket policy and role, with AWS's events and rollback.
const endpoint = inject('emulatorEndpoint');
const api = clients(endpoint);

const EXTERNAL_ID = 'byob-external-id-0123456789abcdef';
const NEW_VENDOR = '111122223333';
const NEW_CORS = [{ ...SEED_003_CORS[0]!, allowedOrigins: ['https://app.example.com', 'https://portal.example.com'] }];

type Spec = Partial<ByobTemplateSpec>;

/** The product's template for one stack's bucket, with the access role unless `over` says otherwise. */
const template = (bucket: string, over: Spec = {}) => renderByobTemplate(baseSpec({ bucketName: bucket, accessRole: { externalId: EXTERNAL_ID }, ...over }));

/** A BYOB stack, created and complete; `update` brings it to another spec of the same bucket. */
const byobStack = async (over: Spec = {}, notificationArns: string[] = []) => {
  const bucket = uniqueName('upd');
  const { StackId } = await api.cfn.send(
    new CreateStackCommand({ StackName: uniqueName('byob-upd'), TemplateBody: JSON.stringify(template(bucket, over)), Capabilities: ['CAPABILITY_IAM'], NotificationARNs: notificationArns }),
  );
  const stackId = StackId!;
  expect((await waitForStack(api.cfn, stackId)).StackStatus).toBe('CREATE_COMPLETE');
  const before = (await stackEvents(api.cfn, stackId)).length;
  const update = async (body: object, token?: string) => {
    await api.cfn.send(new UpdateStackCommand({ StackName: stackId, TemplateBody: JSON.stringify(body), Capabilities: ['CAPABILITY_IAM'], ClientRequestToken: token }));
    return waitForStack(api.cfn, stackId);
  };
  /** The events of the update(s) since creation, oldest first. */
  const updateEvents = async () => (await stackEvents(api.cfn, stackId)).slice(before);
  return { bucket, stackId, update, updateEvents };
};

const outputs = async (stackId: string) =>
  Object.fromEntries(((await api.cfn.send(new DescribeStacksCommand({ StackName: stackId }))).Stacks?.[0]?.Outputs ?? []).map((o) => [o.OutputKey, o.OutputValue]));

const corsOrigins = async (bucket: string) => (await api.s3.send(new GetBucketCorsCommand({ Bucket: bucket }))).CORSRules?.flatMap((r) => r.AllowedOrigins);
const bucketPolicyPrincipals = async (bucket: string) =>
  JSON.parse((await api.s3.send(new GetBucketPolicyCommand({ Bucket: bucket }))).Policy!).Statement.map((s: { Principal: unknown }) => s.Principal);
const keyPolicyPrincipals = async (keyArn: string) =>
  JSON.parse((await api.kms.send(new GetKeyPolicyCommand({ KeyId: keyArn, PolicyName: 'default' }))).Policy!).Statement.map((s: { Principal: unknown }) => s.Principal);
const roleName = (roleArn: string) => roleArn.split('/').pop()!;

describe('UpdateStack on the emulator (byob_moto/cfn_update.py)', () => {
  it("an update of CORS changes the real bucket's CORS, with AWS's events, published in the create path's shape", async () => {
    // Prepare
    const { TopicArn } = await api.sns.send(new CreateTopicCommand({ Name: uniqueName('stack-events') }));
    const listener = await startSnsListener();
    try {
      await api.sns.send(new SubscribeCommand({ TopicArn, Protocol: 'http', Endpoint: listener.url }));
      const stack = await byobStack({}, [TopicArn!]);

      // Act
      const done = await stack.update(template(stack.bucket, { corsRules: NEW_CORS }), 'req-update-cors-1');

      // Assess
      expect(done.StackStatus).toBe('UPDATE_COMPLETE');
      expect(await corsOrigins(stack.bucket)).toEqual(['https://app.example.com', 'https://portal.example.com']);
      const events = await stack.updateEvents();
      const name = done.StackName;
      expect(events.map(eventLine)).toEqual([
        `${name} UPDATE_IN_PROGRESS`,
        `${LOGICAL_IDS.bucket} UPDATE_IN_PROGRESS`,
        `${LOGICAL_IDS.bucket} UPDATE_COMPLETE`,
        `${name} UPDATE_COMPLETE_CLEANUP_IN_PROGRESS`,
        `${name} UPDATE_COMPLETE`,
      ]);
      expect(new Set(events.map((e) => e.ClientRequestToken))).toEqual(new Set(['req-update-cors-1']));
      expect(events.find((e) => e.ResourceStatus === 'UPDATE_COMPLETE' && e.LogicalResourceId === LOGICAL_IDS.bucket)?.PhysicalResourceId).toBe(stack.bucket);

      await eventually(() => listener.notifications.some((n) => n.Message.includes(`LogicalResourceId='${name}'`) && n.Message.includes("ResourceStatus='UPDATE_COMPLETE'")), 5000, 'UPDATE_COMPLETE notification');
      const published = listener.notifications.map((n) => parseStackEvent(n.Message));
      expect(published.find((e) => e.LogicalResourceId === LOGICAL_IDS.bucket && e.ResourceStatus === 'UPDATE_COMPLETE')).toMatchObject({
        StackId: stack.stackId,
        StackName: name,
        PhysicalResourceId: stack.bucket,
        ResourceType: 'AWS::S3::Bucket',
        ResourceStatusReason: '',
        ClientRequestToken: 'req-update-cors-1',
        Namespace: '123456789012',
      });
      expect(JSON.parse(published.find((e) => e.LogicalResourceId === LOGICAL_IDS.bucket && e.ResourceStatus === 'UPDATE_IN_PROGRESS')!.ResourceProperties!).CorsConfiguration.CorsRules[0].AllowedOrigins).toEqual(NEW_CORS[0]!.allowedOrigins);
      expect(published.filter((e) => e.LogicalResourceId === name).map((e) => e.ResourceStatus)).toEqual([
        'CREATE_IN_PROGRESS',
        'CREATE_COMPLETE',
        'UPDATE_IN_PROGRESS',
        'UPDATE_COMPLETE_CLEANUP_IN_PROGRESS',
        'UPDATE_COMPLETE',
      ]);
    } finally {
      await listener.close();
    }
  });

  it("an update of the vendor principal changes the bucket policy, the key policy and the role's trust", async () => {
    const stack = await byobStack();
    const before = await outputs(stack.stackId);

    const done = await stack.update(template(stack.bucket, { vendor: { accountId: NEW_VENDOR, name: 'Weights & Biases' } }));

    expect(done.StackStatus).toBe('UPDATE_COMPLETE');
    const newRoot = { AWS: `arn:aws:iam::${NEW_VENDOR}:root` };
    expect(await bucketPolicyPrincipals(stack.bucket)).toEqual([newRoot, newRoot, newRoot, '*']);
    expect((await keyPolicyPrincipals(before.KmsKeyArn!)).slice(1)).toEqual([newRoot, newRoot]);
    expect((await roleTrustPolicy(endpoint, roleName(before.RoleArn!))).Statement.map((s) => s.Principal)).toEqual([newRoot]);
    expect(await outputs(stack.stackId)).toEqual(before);
    expect((await stack.updateEvents()).filter((e) => e.ResourceStatus === 'UPDATE_COMPLETE').map((e) => e.LogicalResourceId)).toEqual([
      LOGICAL_IDS.key,
      LOGICAL_IDS.bucketPolicy,
      LOGICAL_IDS.accessRole,
      done.StackName,
    ]);
  });

  it('a failing update rolls back: the old CORS, bucket policy and key policy are back, and UPDATE_FAILED gives the reason', async () => {
    // Prepare: CORS and vendor changes that succeed, then a role policy IAM refuses (no service prefix).
    const stack = await byobStack();
    const before = await outputs(stack.stackId);
    const original = (await api.cfn.send(new GetTemplateCommand({ StackName: stack.stackId }))).TemplateBody;
    const failing = template(stack.bucket, { corsRules: NEW_CORS, vendor: { accountId: NEW_VENDOR, name: 'Weights & Biases' } }) as { Resources: Record<string, any> };
    failing.Resources[LOGICAL_IDS.accessRole].Properties.Policies[0].PolicyDocument.Statement[0].Action = ['s3GetObject'];

    // Act
    const done = await stack.update(failing);

    // Assess
    expect(done.StackStatus).toBe('UPDATE_ROLLBACK_COMPLETE');
    const events = await stack.updateEvents();
    const failed = events.filter((e) => e.ResourceStatus?.endsWith('_FAILED'));
    expect(failed).toEqual([expect.objectContaining({ LogicalResourceId: LOGICAL_IDS.accessRole, ResourceStatus: 'UPDATE_FAILED' })]);
    expect(failed[0]!.ResourceStatusReason).toBe('Resource handler returned message: "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc." (HandlerErrorCode: MalformedPolicyDocument)');
    expect(events.find((e) => e.ResourceStatus === 'UPDATE_ROLLBACK_IN_PROGRESS')?.ResourceStatusReason).toBe(`The following resource(s) failed to update: [${LOGICAL_IDS.accessRole}]. `);
    expect(events.filter((e) => e.LogicalResourceId === done.StackName).map((e) => e.ResourceStatus)).toEqual([
      'UPDATE_IN_PROGRESS',
      'UPDATE_ROLLBACK_IN_PROGRESS',
      'UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS',
      'UPDATE_ROLLBACK_COMPLETE',
    ]);
    const oldRoot = { AWS: 'arn:aws:iam::830241207209:root' };
    expect(await corsOrigins(stack.bucket)).toEqual(['*']);
    expect(await bucketPolicyPrincipals(stack.bucket)).toEqual([oldRoot, oldRoot, oldRoot, '*']);
    expect((await keyPolicyPrincipals(before.KmsKeyArn!)).slice(1)).toEqual([oldRoot, oldRoot]);
    expect((await roleTrustPolicy(endpoint, roleName(before.RoleArn!))).Statement.map((s) => s.Principal)).toEqual([oldRoot]);
    const policy = await iamQuery(endpoint, { Action: 'GetRolePolicy', RoleName: roleName(before.RoleArn!), PolicyName: 'byob-bucket-access' });
    expect(decodeURIComponent(policy)).toContain('"s3:GetObject"');
    expect((await api.cfn.send(new GetTemplateCommand({ StackName: stack.stackId }))).TemplateBody).toBe(original);
    expect(await outputs(stack.stackId)).toEqual(before);
  });

  it('a key policy that would lock the account out is refused as KMS refuses it, and rolled back', async () => {
    const stack = await byobStack();
    const { KmsKeyArn } = await outputs(stack.stackId);
    const locked = template(stack.bucket) as { Resources: Record<string, any> };
    const keyPolicy = locked.Resources[LOGICAL_IDS.key].Properties.KeyPolicy;
    keyPolicy.Statement = keyPolicy.Statement.filter((s: { Sid: string }) => s.Sid !== 'Internal');

    const done = await stack.update(locked);

    expect(done.StackStatus).toBe('UPDATE_ROLLBACK_COMPLETE');
    expect((await stack.updateEvents()).find((e) => e.ResourceStatus === 'UPDATE_FAILED')).toMatchObject({
      LogicalResourceId: LOGICAL_IDS.key,
      ResourceStatusReason: 'Resource handler returned message: "The new key policy will not allow you to update the key policy in the future." (HandlerErrorCode: MalformedPolicyDocumentException)',
    });
    expect((await keyPolicyPrincipals(KmsKeyArn!))[0]).toEqual({ AWS: 'arn:aws:iam::123456789012:root' });
  });

  it('removed resources are deleted, Retain ones kept (DELETE_SKIPPED); an added one is created; outputs follow', async () => {
    const stack = await byobStack();
    const { KmsKeyArn, RoleArn } = await outputs(stack.stackId);

    const removed = await stack.update(template(stack.bucket, { accessRole: null, encryption: { type: 'sse-s3' } }));
    const afterRemoval = await stack.updateEvents();
    const added = await stack.update(template(stack.bucket, { encryption: { type: 'sse-s3' } }));

    expect([removed.StackStatus, added.StackStatus]).toEqual(['UPDATE_COMPLETE', 'UPDATE_COMPLETE']);
    expect(afterRemoval.filter((e) => e.ResourceStatus?.startsWith('DELETE')).map(eventLine)).toEqual([
      `${LOGICAL_IDS.accessRole} DELETE_IN_PROGRESS`,
      `${LOGICAL_IDS.accessRole} DELETE_COMPLETE`,
      `${LOGICAL_IDS.keyAlias} DELETE_SKIPPED`,
      `${LOGICAL_IDS.key} DELETE_SKIPPED`,
    ]);
    expect((await api.kms.send(new DescribeKeyCommand({ KeyId: KmsKeyArn }))).KeyMetadata?.KeyState).toBe('Enabled');
    expect((await api.s3.send(new GetBucketEncryptionCommand({ Bucket: stack.bucket }))).ServerSideEncryptionConfiguration?.Rules?.[0]?.ApplyServerSideEncryptionByDefault?.SSEAlgorithm).toBe('AES256');
    await expect(iamQuery(endpoint, { Action: 'GetRole', RoleName: roleName(RoleArn!) })).rejects.toThrow(/NoSuchEntity/);
    const after = await outputs(stack.stackId);
    expect(after.KmsKeyArn).toBeUndefined();
    expect(after.RoleArn).toMatch(/^arn:aws:iam::123456789012:role\//);
    expect(after.RoleArn).not.toBe(RoleArn);
    expect((await roleTrustPolicy(endpoint, roleName(after.RoleArn!))).Statement).toHaveLength(1);
  });

  it('parameters: UsePreviousTemplate and UsePreviousValue keep what is not given; "No updates are to be performed." when nothing changes', async () => {
    const stackName = uniqueName('params');
    const previous = (key: string): Parameter => ({ ParameterKey: key, UsePreviousValue: true });
    const { StackId } = await api.cfn.send(
      new CreateStackCommand({
        StackName: stackName,
        TemplateBody: fixture('byob-bucket.json'),
        Parameters: [
          { ParameterKey: 'BucketName', ParameterValue: uniqueName('params-bucket') },
          { ParameterKey: 'AliasName', ParameterValue: `alias/${stackName}` },
        ],
        Capabilities: ['CAPABILITY_IAM'],
      }),
    );
    const { Outputs: created } = await waitForStack(api.cfn, StackId!);
    const update = (origin: string) =>
      api.cfn.send(
        new UpdateStackCommand({
          StackName: StackId,
          UsePreviousTemplate: true,
          Parameters: [previous('BucketName'), previous('AliasName'), previous('VendorAccountId'), { ParameterKey: 'AllowedOrigin', ParameterValue: origin }],
          Capabilities: ['CAPABILITY_IAM'],
        }),
      );

    await update('https://portal.example.com');
    const stack = await waitForStack(api.cfn, StackId!);

    expect(stack.StackStatus).toBe('UPDATE_COMPLETE');
    expect(stack.Parameters?.find((p) => p.ParameterKey === 'AllowedOrigin')?.ParameterValue).toBe('https://portal.example.com');
    const bucket = created?.find((o) => o.OutputKey === 'BucketName')?.OutputValue as string;
    expect(await corsOrigins(bucket)).toEqual(['https://portal.example.com']);
    expect(stack.Outputs).toEqual(created);
    await expect(update('https://portal.example.com')).rejects.toThrow('No updates are to be performed.');
  });

  it('a retried UpdateStack with the same ClientRequestToken is no second update', async () => {
    const stack = await byobStack();
    const events = async () => (await stack.updateEvents()).filter((e) => e.ResourceStatus === 'UPDATE_COMPLETE' && e.LogicalResourceId === LOGICAL_IDS.bucket);

    await stack.update(template(stack.bucket, { corsRules: NEW_CORS }), 'req-retry-1');
    const retry = await api.cfn.send(
      new UpdateStackCommand({ StackName: stack.stackId, TemplateBody: JSON.stringify(template(stack.bucket, { corsRules: NEW_CORS })), Capabilities: ['CAPABILITY_IAM'], ClientRequestToken: 'req-retry-1' }),
    );

    expect(retry.StackId).toBe(stack.stackId);
    expect(await events()).toHaveLength(1);
  });
});
