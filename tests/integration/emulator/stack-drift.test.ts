import {
  CreateStackCommand,
  DescribeStackDriftDetectionStatusCommand,
  DescribeStackResourceDriftsCommand,
  DetectStackDriftCommand,
  DetectStackResourceDriftCommand,
  type StackResourceDrift,
} from '@aws-sdk/client-cloudformation';
import { CancelKeyDeletionCommand, DisableKeyCommand, DisableKeyRotationCommand, EnableKeyCommand, EnableKeyRotationCommand, ScheduleKeyDeletionCommand } from '@aws-sdk/client-kms';
import {
  DeleteBucketCommand,
  DeleteBucketPolicyCommand,
  GetBucketCorsCommand,
  GetBucketPolicyCommand,
  PutBucketCorsCommand,
  PutBucketEncryptionCommand,
  PutBucketOwnershipControlsCommand,
  PutBucketPolicyCommand,
  PutBucketVersioningCommand,
  PutPublicAccessBlockCommand,
} from '@aws-sdk/client-s3';
import { describe, expect, inject, it } from 'vitest';
import { LOGICAL_IDS, renderByobTemplate } from '../../../templates/render-byob.js';
import { baseSpec } from '../../unit/templates/fixtures.js';
import { clients, iamQuery, uniqueName } from './emulator-support.js';

// scripts/emulator/byob_moto/cfn_drift.py: drift detection of the properties BYOB templates set,
// template (intrinsics resolved) against the live bucket, bucket policy, key and role.
const endpoint = inject('emulatorEndpoint');
const api = clients(endpoint);

const iam = (params: Record<string, string>) => iamQuery(endpoint, params);
const EXTERNAL_ID = 'byob-external-id-0123456789abcdef';

/** A stack from the product's own template (new key, CORS, access role), created and complete. */
const byobStack = async (over: Parameters<typeof baseSpec>[0] = {}) => {
  const bucket = uniqueName('drift');
  const name = uniqueName('byob-drift');
  const template = renderByobTemplate(baseSpec({ bucketName: bucket, accessRole: { externalId: EXTERNAL_ID }, ...over }));
  const { StackId } = await api.cfn.send(new CreateStackCommand({ StackName: name, TemplateBody: JSON.stringify(template), Capabilities: ['CAPABILITY_IAM'] }));
  const resources = (await api.cfn.send(new DetectStackResourceDriftCommand({ StackName: StackId!, LogicalResourceId: LOGICAL_IDS.key }))).StackResourceDrift!;
  return { bucket, stackId: StackId!, keyId: resources.PhysicalResourceId! };
};

/** Runs DetectStackDrift to completion; the drifts by logical id. */
const detect = async (stackId: string) => {
  const { StackDriftDetectionId } = await api.cfn.send(new DetectStackDriftCommand({ StackName: stackId }));
  const status = await api.cfn.send(new DescribeStackDriftDetectionStatusCommand({ StackDriftDetectionId }));
  const { StackResourceDrifts } = await api.cfn.send(new DescribeStackResourceDriftsCommand({ StackName: stackId }));
  return { status, byId: Object.fromEntries((StackResourceDrifts ?? []).map((d) => [d.LogicalResourceId!, d])) as Record<string, StackResourceDrift> };
};

const statuses = (byId: Record<string, StackResourceDrift>) => Object.fromEntries(Object.entries(byId).map(([id, d]) => [id, d.StackResourceDriftStatus]));

describe('drift detection on the emulator (byob_moto/cfn_drift.py)', () => {
  it('a freshly created BYOB stack is IN_SYNC; aliases are NOT_CHECKED', async () => {
    const { stackId } = await byobStack();

    const { status, byId } = await detect(stackId);

    expect(status).toMatchObject({ DetectionStatus: 'DETECTION_COMPLETE', StackDriftStatus: 'IN_SYNC', DriftedStackResourceCount: 0, StackId: stackId });
    expect(statuses(byId)).toEqual({
      [LOGICAL_IDS.key]: 'IN_SYNC',
      [LOGICAL_IDS.keyAlias]: 'NOT_CHECKED',
      [LOGICAL_IDS.bucket]: 'IN_SYNC',
      [LOGICAL_IDS.bucketPolicy]: 'IN_SYNC',
      [LOGICAL_IDS.accessRole]: 'IN_SYNC',
    });
    expect(JSON.parse(byId[LOGICAL_IDS.bucket]!.ExpectedProperties!)).toMatchObject({ VersioningConfiguration: { Status: 'Enabled' } });
  });

  it.each<[string, (s: { bucket: string; keyId: string }) => Promise<unknown>, string, Array<{ path: RegExp; type: string }>]>([
    ['versioning suspended', ({ bucket }) => api.s3.send(new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: 'Suspended' } })), LOGICAL_IDS.bucket, [{ path: /^\/VersioningConfiguration\/Status$/, type: 'NOT_EQUAL' }]],
    ['encryption switched to SSE-S3', ({ bucket }) => api.s3.send(new PutBucketEncryptionCommand({ Bucket: bucket, ServerSideEncryptionConfiguration: { Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] } })), LOGICAL_IDS.bucket, [{ path: /^\/BucketEncryption\/ServerSideEncryptionConfiguration\/0$/, type: 'REMOVE' }, { path: /^\/BucketEncryption\/ServerSideEncryptionConfiguration\/0$/, type: 'ADD' }]],
    ['public access block relaxed', ({ bucket }) => api.s3.send(new PutPublicAccessBlockCommand({ Bucket: bucket, PublicAccessBlockConfiguration: { BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: false, RestrictPublicBuckets: true } })), LOGICAL_IDS.bucket, [{ path: /^\/PublicAccessBlockConfiguration\/BlockPublicPolicy$/, type: 'NOT_EQUAL' }]],
    ['ownership changed', ({ bucket }) => api.s3.send(new PutBucketOwnershipControlsCommand({ Bucket: bucket, OwnershipControls: { Rules: [{ ObjectOwnership: 'ObjectWriter' }] } })), LOGICAL_IDS.bucket, [{ path: /^\/OwnershipControls\/Rules\/0$/, type: 'REMOVE' }, { path: /^\/OwnershipControls\/Rules\/0$/, type: 'ADD' }]],
    ['bucket policy removed', ({ bucket }) => api.s3.send(new DeleteBucketPolicyCommand({ Bucket: bucket })), LOGICAL_IDS.bucketPolicy, []],
    ['key rotation off', ({ keyId }) => api.kms.send(new DisableKeyRotationCommand({ KeyId: keyId })), LOGICAL_IDS.key, [{ path: /^\/EnableKeyRotation$/, type: 'NOT_EQUAL' }]],
    ['key scheduled for deletion', ({ keyId }) => api.kms.send(new ScheduleKeyDeletionCommand({ KeyId: keyId, PendingWindowInDays: 7 })), LOGICAL_IDS.key, []],
  ])('%s: that resource drifts, with the property named', async (_, breakIt, logicalId, diffs) => {
    // Prepare
    const stack = await byobStack();
    await breakIt(stack);

    // Act
    const { status, byId } = await detect(stack.stackId);

    // Assess
    expect(status.StackDriftStatus).toBe('DRIFTED');
    const drifted = Object.entries(statuses(byId)).filter(([, s]) => s === 'MODIFIED' || s === 'DELETED').map(([id]) => id);
    expect(drifted).toEqual([logicalId]);
    expect(byId[logicalId]!.StackResourceDriftStatus).toBe(diffs.length ? 'MODIFIED' : 'DELETED');
    expect((byId[logicalId]!.PropertyDifferences ?? []).map((d) => ({ path: d.PropertyPath, type: d.DifferenceType }))).toEqual(diffs.map((d) => ({ path: expect.stringMatching(d.path), type: d.type })));
  });

  it('the vendor grant narrowed: the template statement is REMOVE, the narrowed one ADD; put back, IN_SYNC again', async () => {
    const { bucket, stackId } = await byobStack();
    const original = (await api.s3.send(new GetBucketPolicyCommand({ Bucket: bucket }))).Policy!;
    const policy = JSON.parse(original);
    policy.Statement[0].Action = ['s3:GetObject*'];
    await api.s3.send(new PutBucketPolicyCommand({ Bucket: bucket, Policy: JSON.stringify(policy) }));

    const narrowed = (await detect(stackId)).byId[LOGICAL_IDS.bucketPolicy]!;
    await api.s3.send(new PutBucketPolicyCommand({ Bucket: bucket, Policy: original }));
    const restored = (await detect(stackId)).byId[LOGICAL_IDS.bucketPolicy]!;

    expect(narrowed.StackResourceDriftStatus).toBe('MODIFIED');
    expect(narrowed.PropertyDifferences!.map((d) => [d.PropertyPath, d.DifferenceType]).sort()).toEqual([
      ['/PolicyDocument/Statement/0', 'ADD'],
      ['/PolicyDocument/Statement/0', 'REMOVE'],
    ]);
    expect(restored.StackResourceDriftStatus).toBe('IN_SYNC');
  });

  it("what the customer only adds (a CORS rule first, a policy statement) is ADD, never REMOVE", async () => {
    const { bucket, stackId } = await byobStack();
    const rules = (await api.s3.send(new GetBucketCorsCommand({ Bucket: bucket }))).CORSRules!;
    await api.s3.send(new PutBucketCorsCommand({ Bucket: bucket, CORSConfiguration: { CORSRules: [{ AllowedOrigins: ['https://viewer.example.com'], AllowedMethods: ['GET'] }, ...rules] } }));
    const policy = JSON.parse((await api.s3.send(new GetBucketPolicyCommand({ Bucket: bucket }))).Policy!);
    policy.Statement.unshift({ Sid: 'Analytics', Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::111122223333:root' }, Action: 's3:GetObject', Resource: `arn:aws:s3:::${bucket}/*` });
    await api.s3.send(new PutBucketPolicyCommand({ Bucket: bucket, Policy: JSON.stringify(policy) }));

    const { byId } = await detect(stackId);

    for (const id of [LOGICAL_IDS.bucket, LOGICAL_IDS.bucketPolicy]) {
      expect(byId[id]!.StackResourceDriftStatus).toBe('MODIFIED');
      expect(byId[id]!.PropertyDifferences!.map((d) => d.DifferenceType)).toEqual(['ADD']);
    }
  });

  it('the access role trust changed: the template statement is REMOVE, the changed one ADD', async () => {
    const { stackId } = await byobStack();
    const roleName = (await detect(stackId)).byId[LOGICAL_IDS.accessRole]!.PhysicalResourceId!;
    const trust = {
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::830241207209:root' }, Action: 'sts:AssumeRole', Condition: { StringEquals: { 'sts:ExternalId': 'someone-else' } } }],
    };
    await iam({ Action: 'UpdateAssumeRolePolicy', RoleName: roleName, PolicyDocument: JSON.stringify(trust) });

    const role = (await detect(stackId)).byId[LOGICAL_IDS.accessRole]!;

    expect(role.StackResourceDriftStatus).toBe('MODIFIED');
    expect(role.PropertyDifferences!.map((d) => [d.PropertyPath, d.DifferenceType]).sort()).toEqual([
      ['/AssumeRolePolicyDocument/Statement/0', 'ADD'],
      ['/AssumeRolePolicyDocument/Statement/0', 'REMOVE'],
    ]);
  });

  it('a deleted bucket: bucket and bucket policy DELETED; a cancelled and re-enabled key is IN_SYNC again', async () => {
    const { bucket, stackId, keyId } = await byobStack();
    await api.s3.send(new DeleteBucketCommand({ Bucket: bucket }));
    await api.kms.send(new ScheduleKeyDeletionCommand({ KeyId: keyId, PendingWindowInDays: 7 }));
    await api.kms.send(new CancelKeyDeletionCommand({ KeyId: keyId }));
    await api.kms.send(new EnableKeyCommand({ KeyId: keyId }));
    await api.kms.send(new EnableKeyRotationCommand({ KeyId: keyId }));

    const { byId } = await detect(stackId);

    expect(statuses(byId)).toMatchObject({ [LOGICAL_IDS.bucket]: 'DELETED', [LOGICAL_IDS.bucketPolicy]: 'DELETED', [LOGICAL_IDS.key]: 'IN_SYNC' });
  });

  it('a key whose template sets Enabled drifts when it is disabled', async () => {
    const template = { Resources: { Key: { Type: 'AWS::KMS::Key', Properties: { Enabled: true, EnableKeyRotation: true } } } };
    const { StackId } = await api.cfn.send(new CreateStackCommand({ StackName: uniqueName('byob-drift-key'), TemplateBody: JSON.stringify(template) }));
    const keyId = (await detect(StackId!)).byId.Key!.PhysicalResourceId!;
    await api.kms.send(new DisableKeyCommand({ KeyId: keyId }));

    const key = (await detect(StackId!)).byId.Key!;

    expect(key.StackResourceDriftStatus).toBe('MODIFIED');
    expect(key.PropertyDifferences).toEqual([expect.objectContaining({ PropertyPath: '/Enabled', ExpectedValue: 'true', ActualValue: 'false', DifferenceType: 'NOT_EQUAL' })]);
  });

  it('an unknown detection id and a stack still being created are refused as on AWS', async () => {
    await expect(api.cfn.send(new DescribeStackDriftDetectionStatusCommand({ StackDriftDetectionId: '00000000-0000-4000-8000-000000000000' }))).rejects.toMatchObject({ name: 'ValidationError' });
    await expect(api.cfn.send(new DetectStackDriftCommand({ StackName: 'no-such-stack' }))).rejects.toMatchObject({ name: 'ValidationError' });
  });
});
