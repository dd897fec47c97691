import {
  AlreadyExistsException,
  ChangeSetNotFoundException,
  CreateChangeSetCommand,
  CreateStackCommand,
  DeleteChangeSetCommand,
  DescribeChangeSetCommand,
  type DescribeChangeSetCommandOutput,
  DescribeStacksCommand,
  ExecuteChangeSetCommand,
  InvalidChangeSetStatusException,
  ListChangeSetsCommand,
  type ResourceChange,
} from '@aws-sdk/client-cloudformation';
import { GetBucketCorsCommand, GetBucketPolicyCommand, HeadBucketCommand } from '@aws-sdk/client-s3';
import { describe, expect, inject, it } from 'vitest';
import { LOGICAL_IDS, renderByobTemplate } from '../../../templates/render-byob.js';
import type { ByobTemplateSpec } from '../../../templates/spec.js';
import { baseSpec, SEED_003_CORS } from '../../unit/templates/fixtures.js';
import { clients, eventLine, fixture, stackEvents, uniqueName, waitForStack } from './emulator-support.js';

// scripts/emulator/byob_moto/cfn_change_sets.py and cfn_changes.py: change sets with AWS's statuses,
// idempotency and Changes (Replacement from the AWS resource reference, Scope, Details).
const api = clients(inject('emulatorEndpoint'));

const template = (bucket: string, over: Partial<ByobTemplateSpec> = {}) => JSON.stringify(renderByobTemplate(baseSpec({ bucketName: bucket, ...over })));

const byobStack = async () => {
  const bucket = uniqueName('cs');
  const { StackId } = await api.cfn.send(new CreateStackCommand({ StackName: uniqueName('byob-cs'), TemplateBody: template(bucket), Capabilities: ['CAPABILITY_IAM'] }));
  expect((await waitForStack(api.cfn, StackId!)).StackStatus).toBe('CREATE_COMPLETE');
  return { bucket, stackId: StackId! };
};

const changeSet = (stackId: string, name: string, templateBody: string, extra: Partial<ConstructorParameters<typeof CreateChangeSetCommand>[0]> = {}) =>
  api.cfn.send(new CreateChangeSetCommand({ StackName: stackId, ChangeSetName: name, TemplateBody: templateBody, Capabilities: ['CAPABILITY_IAM'], ChangeSetType: 'UPDATE', ...extra }));

/** Polls DescribeChangeSet until CloudFormation has finished computing the change set, as a client must. */
const waitForChangeSet = async (stackId: string, name: string): Promise<DescribeChangeSetCommandOutput> => {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const described = await api.cfn.send(new DescribeChangeSetCommand({ StackName: stackId, ChangeSetName: name }));
    if (!['CREATE_PENDING', 'CREATE_IN_PROGRESS'].includes(described.Status!)) return described;
    if (Date.now() > deadline) throw new Error(`change set ${name} still ${described.Status}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
};

const byId = (changes: DescribeChangeSetCommandOutput['Changes']) =>
  Object.fromEntries((changes ?? []).map((c) => [c.ResourceChange!.LogicalResourceId!, c.ResourceChange!])) as Record<string, ResourceChange>;

const bucketExists = (bucket: string) => api.s3.send(new HeadBucketCommand({ Bucket: bucket })).then(() => true, () => false);

describe('change sets on the emulator (byob_moto/cfn_change_sets.py)', () => {
  it('a change set renaming the bucket says Replacement True, changes nothing until executed, then replaces it (old bucket retained)', async () => {
    // Prepare
    const { bucket, stackId } = await byobStack();
    const renamed = uniqueName('cs-renamed');
    const eventsBefore = (await stackEvents(api.cfn, stackId)).length;

    // Act
    const { Id } = await changeSet(stackId, 'rename-bucket', template(renamed));
    const first = await api.cfn.send(new DescribeChangeSetCommand({ ChangeSetName: Id }));
    const described = await waitForChangeSet(stackId, 'rename-bucket');

    // Assess: computing, then complete; nothing executed
    expect([first.Status, first.ExecutionStatus]).toEqual([expect.stringMatching(/^CREATE_(PENDING|IN_PROGRESS)$/), 'UNAVAILABLE']);
    expect(described).toMatchObject({ Status: 'CREATE_COMPLETE', ExecutionStatus: 'AVAILABLE', ChangeSetId: Id, StackId: stackId, Capabilities: ['CAPABILITY_IAM'] });
    const changes = byId(described.Changes);
    expect(changes[LOGICAL_IDS.bucket]).toEqual({
      Action: 'Modify',
      LogicalResourceId: LOGICAL_IDS.bucket,
      PhysicalResourceId: bucket,
      ResourceType: 'AWS::S3::Bucket',
      Replacement: 'True',
      Scope: ['Properties'],
      Details: [{ Target: { Attribute: 'Properties', Name: 'BucketName', RequiresRecreation: 'Always' }, Evaluation: 'Static', ChangeSource: 'DirectModification' }],
    });
    expect(changes[LOGICAL_IDS.bucketPolicy]).toMatchObject({ Action: 'Modify', Replacement: 'True' });
    expect(changes[LOGICAL_IDS.bucketPolicy]!.Details).toContainEqual({
      Target: { Attribute: 'Properties', Name: 'Bucket', RequiresRecreation: 'Always' },
      Evaluation: 'Static',
      ChangeSource: 'ResourceReference',
      CausingEntity: LOGICAL_IDS.bucket,
    });
    // The product names the key's description and alias after the bucket: an in-place change and a replacement.
    expect(changes[LOGICAL_IDS.key]).toMatchObject({ Action: 'Modify', Replacement: 'False', Details: [expect.objectContaining({ Target: expect.objectContaining({ Name: 'Description' }) })] });
    expect(changes[LOGICAL_IDS.keyAlias]).toMatchObject({ Action: 'Modify', Replacement: 'True', Details: [expect.objectContaining({ Target: expect.objectContaining({ Name: 'AliasName' }) })] });
    expect(Object.keys(changes)).toHaveLength(4);
    expect(await bucketExists(bucket)).toBe(true);
    expect(await bucketExists(renamed)).toBe(false);
    expect((await stackEvents(api.cfn, stackId)).length).toBe(eventsBefore);

    // Act: execute
    await api.cfn.send(new ExecuteChangeSetCommand({ ChangeSetName: 'rename-bucket', StackName: stackId, ClientRequestToken: 'req-exec-1' }));
    const stack = await waitForStack(api.cfn, stackId);

    // Assess: the new bucket carries the configuration and the vendor's policy; the old one is kept
    expect(stack.StackStatus).toBe('UPDATE_COMPLETE');
    expect(stack.Outputs?.find((o) => o.OutputKey === 'BucketName')?.OutputValue).toBe(renamed);
    expect((await api.s3.send(new GetBucketCorsCommand({ Bucket: renamed }))).CORSRules).toHaveLength(1);
    expect((await api.s3.send(new GetBucketPolicyCommand({ Bucket: renamed }))).Policy).toContain(`arn:aws:s3:::${renamed}`);
    expect(await bucketExists(bucket)).toBe(true);
    const events = (await stackEvents(api.cfn, stackId)).slice(eventsBefore);
    expect(events.filter((e) => e.LogicalResourceId === LOGICAL_IDS.bucket).map((e) => [e.ResourceStatus, e.PhysicalResourceId, e.ResourceStatusReason ?? null])).toEqual([
      ['UPDATE_IN_PROGRESS', bucket, 'Requested update requires the creation of a new physical resource; hence creating one.'],
      ['UPDATE_COMPLETE', renamed, null],
      ['DELETE_SKIPPED', bucket, null],
    ]);
    expect(new Set(events.map((e) => e.ClientRequestToken))).toEqual(new Set(['req-exec-1']));
    expect((await api.cfn.send(new DescribeChangeSetCommand({ ChangeSetName: Id }))).ExecutionStatus).toBe('EXECUTE_COMPLETE');
  });

  it('an in-place change: CORS and tags are Modify with Replacement False, Scope Properties and Tags', async () => {
    const { bucket, stackId } = await byobStack();
    const cors = [{ ...SEED_003_CORS[0]!, allowedOrigins: ['https://portal.example.com'] }];

    await changeSet(stackId, 'cors-and-tags', template(bucket, { corsRules: cors, tags: { 'cost-center': 'research' } }));
    const changes = byId((await waitForChangeSet(stackId, 'cors-and-tags')).Changes);

    expect(changes[LOGICAL_IDS.bucket]).toMatchObject({ Action: 'Modify', Replacement: 'False', Scope: ['Properties', 'Tags'] });
    expect(changes[LOGICAL_IDS.bucket]!.Details).toEqual([
      { Target: { Attribute: 'Properties', Name: 'CorsConfiguration', RequiresRecreation: 'Never' }, Evaluation: 'Static', ChangeSource: 'DirectModification' },
      { Target: { Attribute: 'Tags', RequiresRecreation: 'Never' }, Evaluation: 'Static', ChangeSource: 'DirectModification' },
    ]);
    expect(changes[LOGICAL_IDS.key]).toMatchObject({ Action: 'Modify', Replacement: 'False', Scope: ['Tags'] });
    expect(Object.keys(changes).sort()).toEqual([LOGICAL_IDS.bucket, LOGICAL_IDS.key].sort());
  });

  it('a changed parameter: a Dynamic DirectModification and a Static ParameterReference naming it', async () => {
    const stackName = uniqueName('cs-params');
    const parameters = [
      { ParameterKey: 'BucketName', ParameterValue: uniqueName('cs-params-bucket') },
      { ParameterKey: 'AliasName', ParameterValue: `alias/${stackName}` },
    ];
    const { StackId } = await api.cfn.send(new CreateStackCommand({ StackName: stackName, TemplateBody: fixture('byob-bucket.json'), Parameters: parameters, Capabilities: ['CAPABILITY_IAM'] }));
    await waitForStack(api.cfn, StackId!);

    await api.cfn.send(
      new CreateChangeSetCommand({
        StackName: StackId,
        ChangeSetName: 'origin',
        UsePreviousTemplate: true,
        Parameters: [...parameters, { ParameterKey: 'AllowedOrigin', ParameterValue: 'https://portal.example.com' }],
        Capabilities: ['CAPABILITY_IAM'],
      }),
    );
    const described = await waitForChangeSet(StackId!, 'origin');

    expect(described.Parameters).toContainEqual({ ParameterKey: 'AllowedOrigin', ParameterValue: 'https://portal.example.com' });
    expect(described.Changes?.map((c) => c.ResourceChange)).toEqual([
      {
        Action: 'Modify',
        LogicalResourceId: 'Bucket',
        PhysicalResourceId: parameters[0]!.ParameterValue,
        ResourceType: 'AWS::S3::Bucket',
        Replacement: 'False',
        Scope: ['Properties'],
        Details: [
          { Target: { Attribute: 'Properties', Name: 'CorsConfiguration', RequiresRecreation: 'Never' }, Evaluation: 'Dynamic', ChangeSource: 'DirectModification' },
          { Target: { Attribute: 'Properties', Name: 'CorsConfiguration', RequiresRecreation: 'Never' }, Evaluation: 'Static', ChangeSource: 'ParameterReference', CausingEntity: 'AllowedOrigin' },
        ],
      },
    ]);
  });

  it("a change set with no changes is FAILED with AWS's reason and cannot be executed; nor can one still being computed", async () => {
    const { bucket, stackId } = await byobStack();

    await changeSet(stackId, 'same', template(bucket));
    await changeSet(stackId, 'early', template(bucket, { tags: { 'cost-center': 'early' } }));
    const early = await api.cfn.send(new ExecuteChangeSetCommand({ ChangeSetName: 'early', StackName: stackId })).catch((error: unknown) => error);
    const same = await waitForChangeSet(stackId, 'same');

    expect(early).toBeInstanceOf(InvalidChangeSetStatusException);
    expect(same).toMatchObject({
      Status: 'FAILED',
      ExecutionStatus: 'UNAVAILABLE',
      StatusReason: "The submitted information didn't contain changes. Submit different information to create a change set.",
      Changes: [],
    });
    await expect(api.cfn.send(new ExecuteChangeSetCommand({ ChangeSetName: 'same', StackName: stackId }))).rejects.toThrow(/cannot be executed in its current status of \[FAILED\]/);
    expect((await api.cfn.send(new DescribeStacksCommand({ StackName: stackId }))).Stacks?.[0]?.StackStatus).toBe('CREATE_COMPLETE');
  });

  it('DeleteChangeSet removes it; executing one change set deletes the stack’s others', async () => {
    const { bucket, stackId } = await byobStack();
    await changeSet(stackId, 'doomed', template(bucket, { tags: { 'cost-center': 'a' } }));
    await changeSet(stackId, 'other', template(bucket, { tags: { 'cost-center': 'b' } }));
    await changeSet(stackId, 'chosen', template(bucket, { tags: { 'cost-center': 'c' } }));
    await waitForChangeSet(stackId, 'chosen');

    await api.cfn.send(new DeleteChangeSetCommand({ ChangeSetName: 'doomed', StackName: stackId }));
    const afterDelete = (await api.cfn.send(new ListChangeSetsCommand({ StackName: stackId }))).Summaries?.map((s) => s.ChangeSetName);
    await api.cfn.send(new ExecuteChangeSetCommand({ ChangeSetName: 'chosen', StackName: stackId }));
    await waitForStack(api.cfn, stackId);

    await expect(api.cfn.send(new DescribeChangeSetCommand({ ChangeSetName: 'doomed', StackName: stackId }))).rejects.toBeInstanceOf(ChangeSetNotFoundException);
    await expect(api.cfn.send(new DeleteChangeSetCommand({ ChangeSetName: 'doomed', StackName: stackId }))).rejects.toBeInstanceOf(ChangeSetNotFoundException);
    expect(afterDelete).toEqual(['other', 'chosen']);
    expect((await api.cfn.send(new ListChangeSetsCommand({ StackName: stackId }))).Summaries?.map((s) => [s.ChangeSetName, s.ExecutionStatus])).toEqual([['chosen', 'EXECUTE_COMPLETE']]);
    expect((await stackEvents(api.cfn, stackId)).map(eventLine)).toContain(`${LOGICAL_IDS.bucket} UPDATE_COMPLETE`);
  });

  it('ClientToken: a retried CreateChangeSet answers the same change set; the same name with other content is AlreadyExists', async () => {
    const { bucket, stackId } = await byobStack();
    const body = template(bucket, { tags: { 'cost-center': 'retry' } });

    const first = await changeSet(stackId, 'retried', body, { ClientToken: 'cs-token-1' });
    const retry = await changeSet(stackId, 'retried', body, { ClientToken: 'cs-token-1' });

    expect(retry.Id).toBe(first.Id);
    expect((await api.cfn.send(new ListChangeSetsCommand({ StackName: stackId }))).Summaries).toHaveLength(1);
    await expect(changeSet(stackId, 'retried', body, { ClientToken: 'cs-token-2' })).rejects.toThrow(
      new AlreadyExistsException({ message: 'ChangeSet retried cannot be created due to a mismatch with existing attribute ClientToken', $metadata: {} }).message,
    );
    await expect(changeSet(stackId, 'retried', template(bucket), { ClientToken: 'cs-token-1' })).rejects.toBeInstanceOf(AlreadyExistsException);
  });
});
