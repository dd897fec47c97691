import { CloudFormationClient, ListStacksCommand } from '@aws-sdk/client-cloudformation';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { ForeignStackError, launchStack, type LaunchInput } from '../../../lib/provisioning/stacks.js';

// Against the emulator with the project's extension: moto 5.2.1 itself ignores ClientRequestToken (a
// retry answers AlreadyExists); the extension answers like AWS. launchStack must be safe either way,
// so adoption by name + request tag is tested too.
const endpoint = inject('emulatorEndpoint');
const credentials = { accessKeyId: 'testing', secretAccessKey: 'testing' };
const cfn = new CloudFormationClient({ endpoint, region: 'eu-west-1', credentials, maxAttempts: 1 });
const s3 = new S3Client({ endpoint, region: 'eu-west-1', credentials, forcePathStyle: true });
const templates = `stacks-test-templates-${Date.now().toString(36)}`;
let templateUrl: string;

const input = (name: string, over: Partial<LaunchInput> = {}): LaunchInput => ({
  stackName: name,
  template: { url: templateUrl },
  clientRequestToken: `create-${name}`,
  notificationArns: [],
  tags: { 'byob:request': `req-${name}` },
  capabilities: [],
  requestId: `req-${name}`,
  ...over,
});

const stacksNamed = async (name: string) =>
  ((await cfn.send(new ListStacksCommand({}))).StackSummaries ?? []).filter((s) => s.StackName === name && s.StackStatus !== 'DELETE_COMPLETE');

beforeAll(async () => {
  await s3.send(new CreateBucketCommand({ Bucket: templates, CreateBucketConfiguration: { LocationConstraint: 'eu-west-1' } }));
  const body = JSON.stringify({ Resources: { Topicless: { Type: 'AWS::SQS::Queue', Properties: {} } } });
  await s3.send(new PutObjectCommand({ Bucket: templates, Key: 'templates/t.json', Body: body }));
  templateUrl = `https://${templates}.s3.eu-west-1.amazonaws.com/templates/t.json`;
});

describe('launchStack', () => {
  it('a replayed CreateStack with the same ClientRequestToken makes no second stack', async () => {
    const first = await launchStack(cfn, input('byob-replay'));
    const again = await launchStack(cfn, input('byob-replay'));
    expect(again).toBe(first);
    expect(await stacksNamed('byob-replay')).toHaveLength(1);
  });

  it('adopts its own stack when the token is not honoured (another token, same request tag)', async () => {
    const first = await launchStack(cfn, input('byob-adopt'));
    const adopted = await launchStack(cfn, input('byob-adopt', { clientRequestToken: 'create-other-token' }));
    expect(adopted).toBe(first);
    expect(await stacksNamed('byob-adopt')).toHaveLength(1);
  });

  it('never adopts a stack of the same name that belongs to another request', async () => {
    await launchStack(cfn, input('byob-foreign'));
    await expect(
      launchStack(cfn, input('byob-foreign', { clientRequestToken: 'create-x', requestId: 'someone-else', tags: { 'byob:request': 'someone-else' } })),
    ).rejects.toBeInstanceOf(ForeignStackError);
  });
});
