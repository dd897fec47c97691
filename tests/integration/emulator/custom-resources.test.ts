import {
  CreateStackCommand,
  DeleteStackCommand,
  DescribeStackEventsCommand,
  DescribeStacksCommand,
  type Parameter,
  UpdateStackCommand,
} from '@aws-sdk/client-cloudformation';
import { CreateTopicCommand, SubscribeCommand } from '@aws-sdk/client-sns';
import { describe, expect, inject, it } from 'vitest';
import { clients, eventLine, eventually, fixture, stackEvents, startSnsListener, uniqueName, waitForStack, type SnsListener } from './emulator-support.js';

const api = clients(inject('emulatorEndpoint'));

/** The request CloudFormation publishes to the ServiceToken topic (inside the SNS envelope). */
interface CustomResourceRequest {
  RequestType: 'Create' | 'Update' | 'Delete';
  ResponseURL: string;
  StackId: string;
  RequestId: string;
  ResourceType: string;
  LogicalResourceId: string;
  PhysicalResourceId?: string;
  ResourceProperties: Record<string, unknown>;
  OldResourceProperties?: Record<string, unknown>;
}

type Answer = (request: CustomResourceRequest) => { Status: 'SUCCESS' | 'FAILED'; Reason?: string; PhysicalResourceId?: string; Data?: Record<string, string> } | null;

/** PUTs the answer to the presigned-style ResponseURL, as the registration handler does. */
const respond = async (request: CustomResourceRequest, answer: NonNullable<ReturnType<Answer>>) => {
  const res = await fetch(request.ResponseURL, {
    method: 'PUT',
    headers: { 'content-type': '' },
    body: JSON.stringify({
      ...answer,
      StackId: request.StackId,
      RequestId: request.RequestId,
      LogicalResourceId: request.LogicalResourceId,
      NoEcho: false,
    }),
  });
  expect(res.status).toBe(200);
};

/** A registration topic whose HTTP subscriber answers each request as `answer` says (null: never). */
const registrationTopic = async (answer: Answer) => {
  const requests: CustomResourceRequest[] = [];
  const { TopicArn } = await api.sns.send(new CreateTopicCommand({ Name: uniqueName('registration') }));
  const listener: SnsListener = await startSnsListener((notification) => {
    if (notification.Subject !== 'AWS CloudFormation custom resource request') return;
    const request = JSON.parse(notification.Message) as CustomResourceRequest;
    requests.push(request);
    const reply = answer(request);
    // Acked already; answers later, like a Lambda behind the topic.
    if (reply) setTimeout(() => void respond(request, reply), 50);
  });
  await api.sns.send(new SubscribeCommand({ TopicArn, Protocol: 'http', Endpoint: listener.url }));
  return { topicArn: TopicArn as string, requests, listener };
};

const quickCreate = (stackName: string, topicArn: string, tags: { Key: string; Value: string }[] = []) =>
  new CreateStackCommand({
    StackName: stackName,
    TemplateBody: fixture('quick-create.json'),
    Parameters: [
      { ParameterKey: 'RegistrationTopicArn', ParameterValue: topicArn },
      { ParameterKey: 'RequestId', ParameterValue: 'byob_01JTEST' },
      { ParameterKey: 'RequestToken', ParameterValue: 'tok-secret' },
      { ParameterKey: 'BucketName', ParameterValue: uniqueName('qc-bucket') },
    ],
    Tags: tags,
  });

const shortTimeout = [{ Key: 'byob-emulator:custom-resource-timeout-seconds', Value: '1' }];

describe('SNS-backed custom resources', () => {
  it('publishes Create requests, completes on SUCCESS with Data for GetAtt, and sends Delete on DeleteStack', async () => {
    const topic = await registrationTopic((r) => ({ Status: 'SUCCESS', PhysicalResourceId: `reg-${r.LogicalResourceId}`, Data: { RegistrationId: `id-${r.LogicalResourceId}` } }));
    try {
      const stackName = uniqueName('qc-ok');

      const { StackId } = await api.cfn.send(quickCreate(stackName, topic.topicArn));
      const { Stacks } = await api.cfn.send(new DescribeStacksCommand({ StackName: StackId }));
      expect(Stacks?.[0]?.StackStatus).toBe('CREATE_IN_PROGRESS');
      const stack = await waitForStack(api.cfn, StackId as string);

      expect(stack.StackStatus).toBe('CREATE_COMPLETE');
      expect(Object.fromEntries((stack.Outputs ?? []).map((o) => [o.OutputKey, o.OutputValue]))).toEqual({
        RegistrationId: 'id-Ready',
        ReadyPhysicalId: 'reg-Ready',
      });
      expect(topic.requests.map((r) => [r.RequestType, r.LogicalResourceId])).toEqual([
        ['Create', 'Started'],
        ['Create', 'Ready'],
      ]);
      const ready = topic.requests[1] as CustomResourceRequest;
      expect(ready).toMatchObject({
        StackId,
        ResourceType: 'AWS::CloudFormation::CustomResource',
        ResponseURL: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+\/_byob\/cfn-response\/[0-9a-f]+$/),
        RequestId: expect.stringMatching(/^[0-9a-f-]{36}$/),
        ResourceProperties: {
          ServiceToken: topic.topicArn,
          Phase: 'ready',
          RequestId: 'byob_01JTEST',
          Token: 'tok-secret',
          BucketName: expect.any(String),
          BucketArn: expect.stringMatching(/^arn:aws:s3:::/),
          Versioned: 'true',
        },
      });
      expect(ready).not.toHaveProperty('PhysicalResourceId');

      await api.cfn.send(new DeleteStackCommand({ StackName: StackId }));
      expect((await waitForStack(api.cfn, StackId as string)).StackStatus).toBe('DELETE_COMPLETE');
      expect(topic.requests.slice(2).map((r) => [r.RequestType, r.LogicalResourceId, r.PhysicalResourceId])).toEqual([
        ['Delete', 'Ready', 'reg-Ready'],
        ['Delete', 'Started', 'reg-Started'],
      ]);
    } finally {
      await topic.listener.close();
    }
  });

  it('rolls back on a FAILED answer with its Reason, sending Delete to the custom resources', async () => {
    const topic = await registrationTopic((r) =>
      r.RequestType === 'Create' && r.LogicalResourceId === 'Ready'
        ? { Status: 'FAILED', Reason: 'token rejected', PhysicalResourceId: 'reg-Ready' }
        : { Status: 'SUCCESS', PhysicalResourceId: r.PhysicalResourceId ?? `reg-${r.LogicalResourceId}` },
    );
    try {
      const { StackId } = await api.cfn.send(quickCreate(uniqueName('qc-failed'), topic.topicArn));
      const stack = await waitForStack(api.cfn, StackId as string);

      expect(stack.StackStatus).toBe('ROLLBACK_COMPLETE');
      const { StackEvents = [] } = await api.cfn.send(new DescribeStackEventsCommand({ StackName: StackId }));
      const failed = StackEvents.find((e) => e.ResourceStatus === 'CREATE_FAILED');
      expect(failed?.LogicalResourceId).toBe('Ready');
      expect(failed?.ResourceStatusReason).toMatch(/^Received response status \[FAILED\] from custom resource\. Message returned: token rejected \(RequestId: /);
      expect(topic.requests.map((r) => [r.RequestType, r.LogicalResourceId, r.PhysicalResourceId])).toEqual([
        ['Create', 'Started', undefined],
        ['Create', 'Ready', undefined],
        ['Delete', 'Ready', 'reg-Ready'],
        ['Delete', 'Started', 'reg-Started'],
      ]);
    } finally {
      await topic.listener.close();
    }
  });

  it('fails the resource when no answer comes within the timeout, then rolls back', async () => {
    const topic = await registrationTopic(() => null);
    try {
      const started = Date.now();
      const { StackId } = await api.cfn.send(quickCreate(uniqueName('qc-silent'), topic.topicArn, shortTimeout));
      const stack = await waitForStack(api.cfn, StackId as string);

      expect(stack.StackStatus).toBe('ROLLBACK_COMPLETE');
      expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
      const { StackEvents = [] } = await api.cfn.send(new DescribeStackEventsCommand({ StackName: StackId }));
      expect(StackEvents.find((e) => e.ResourceStatus === 'CREATE_FAILED')).toMatchObject({
        LogicalResourceId: 'Started',
        ResourceStatusReason: expect.stringMatching(/^CloudFormation did not receive a response from your Custom Resource/),
      });
      await eventually(() => topic.requests.length === 2, 5000, 'the rollback Delete');
      expect(topic.requests.map((r) => r.RequestType)).toEqual(['Create', 'Delete']);
    } finally {
      await topic.listener.close();
    }
  });

  it('answers 404 to a PUT on a ResponseURL nobody waits on', async () => {
    const res = await fetch(`${inject('emulatorEndpoint')}/_byob/cfn-response/not-a-request`, { method: 'PUT', body: '{}' });
    expect(res.status).toBe(404);
  });
});

/** UpdateStack of a quick-create stack to another registration token, every other parameter kept. */
const newToken = (stackId: string, token: string) => {
  const previous = (key: string): Parameter => ({ ParameterKey: key, UsePreviousValue: true });
  return new UpdateStackCommand({
    StackName: stackId,
    UsePreviousTemplate: true,
    Parameters: [previous('RegistrationTopicArn'), previous('RequestId'), previous('BucketName'), { ParameterKey: 'RequestToken', ParameterValue: token }],
    ClientRequestToken: `req-${token}`,
  });
};

/** A quick-create stack, complete, then updated to the token `tok-rotated`; the stack once that update has ended. */
const rotatedStack = async (topicArn: string, prefix: string) => {
  const { StackId } = await api.cfn.send(quickCreate(uniqueName(prefix), topicArn));
  await waitForStack(api.cfn, StackId!);
  await api.cfn.send(newToken(StackId!, 'tok-rotated'));
  return waitForStack(api.cfn, StackId!);
};

const summary = (r: CustomResourceRequest) => [r.RequestType, r.LogicalResourceId, r.PhysicalResourceId, r.ResourceProperties.Token, r.OldResourceProperties?.Token];

describe('SNS-backed custom resources in a stack update (byob_moto/cfn_update.py)', () => {
  it('a changed property sends Update (new properties, OldResourceProperties, the same PhysicalResourceId); outputs follow the answer', async () => {
    // Prepare
    let round = 0;
    const topic = await registrationTopic((r) => ({
      Status: 'SUCCESS',
      PhysicalResourceId: r.PhysicalResourceId ?? `reg-${r.LogicalResourceId}`,
      Data: { RegistrationId: `id-${r.LogicalResourceId}-${round}` },
    }));
    try {
      const { StackId } = await api.cfn.send(quickCreate(uniqueName('qc-update'), topic.topicArn));
      await waitForStack(api.cfn, StackId!);
      round = 1;

      // Act
      await api.cfn.send(newToken(StackId!, 'tok-rotated'));
      const during = (await api.cfn.send(new DescribeStacksCommand({ StackName: StackId }))).Stacks?.[0]?.StackStatus;
      const busy = await api.cfn.send(newToken(StackId!, 'tok-other')).catch((error: Error) => error);
      const retried = await api.cfn.send(newToken(StackId!, 'tok-rotated'));
      const stack = await waitForStack(api.cfn, StackId!);

      // Assess
      expect(during).toBe('UPDATE_IN_PROGRESS');
      expect(busy).toMatchObject({ name: 'ValidationError', message: `Stack:${StackId} is in UPDATE_IN_PROGRESS state and can not be updated.` });
      expect(retried.StackId).toBe(StackId);
      expect(stack.StackStatus).toBe('UPDATE_COMPLETE');
      expect(topic.requests.slice(2).map(summary)).toEqual([
        ['Update', 'Started', 'reg-Started', 'tok-rotated', 'tok-secret'],
        ['Update', 'Ready', 'reg-Ready', 'tok-rotated', 'tok-secret'],
      ]);
      expect(topic.requests[3]!.OldResourceProperties).toEqual({ ...topic.requests[1]!.ResourceProperties, Token: 'tok-secret' });
      expect(stack.Outputs?.find((o) => o.OutputKey === 'RegistrationId')?.OutputValue).toBe('id-Ready-1');
    } finally {
      await topic.listener.close();
    }
  });

  it('an answer with a new PhysicalResourceId is a replacement: Delete goes to the old one in the cleanup', async () => {
    const topic = await registrationTopic((r) => ({
      Status: 'SUCCESS',
      PhysicalResourceId: r.RequestType === 'Update' && r.LogicalResourceId === 'Ready' ? 'reg-Ready-2' : (r.PhysicalResourceId ?? `reg-${r.LogicalResourceId}`),
    }));
    try {
      const stack = await rotatedStack(topic.topicArn, 'qc-replace');

      expect(stack.StackStatus).toBe('UPDATE_COMPLETE');
      expect(stack.Outputs?.find((o) => o.OutputKey === 'ReadyPhysicalId')?.OutputValue).toBe('reg-Ready-2');
      expect(topic.requests.slice(2).map(summary)).toEqual([
        ['Update', 'Started', 'reg-Started', 'tok-rotated', 'tok-secret'],
        ['Update', 'Ready', 'reg-Ready', 'tok-rotated', 'tok-secret'],
        ['Delete', 'Ready', 'reg-Ready', 'tok-secret', undefined],
      ]);
      const events = await stackEvents(api.cfn, stack.StackId!);
      expect(events.filter((e) => e.LogicalResourceId === 'Ready').slice(-4).map((e) => [e.ResourceStatus, e.PhysicalResourceId])).toEqual([
        ['UPDATE_IN_PROGRESS', 'reg-Ready'],
        ['UPDATE_COMPLETE', 'reg-Ready-2'],
        ['DELETE_IN_PROGRESS', 'reg-Ready'],
        ['DELETE_COMPLETE', 'reg-Ready'],
      ]);
    } finally {
      await topic.listener.close();
    }
  });

  it('an Update answered FAILED rolls back: UPDATE_FAILED with the reason, then Update back to the old properties', async () => {
    const topic = await registrationTopic((r) =>
      r.RequestType === 'Update' && r.LogicalResourceId === 'Ready' && r.ResourceProperties.Token === 'tok-rotated'
        ? { Status: 'FAILED', Reason: 'token not issued by this vendor' }
        : { Status: 'SUCCESS', PhysicalResourceId: r.PhysicalResourceId ?? `reg-${r.LogicalResourceId}` },
    );
    try {
      const stack = await rotatedStack(topic.topicArn, 'qc-update-failed');

      expect(stack.StackStatus).toBe('UPDATE_ROLLBACK_COMPLETE');
      expect(topic.requests.slice(2).map(summary)).toEqual([
        ['Update', 'Started', 'reg-Started', 'tok-rotated', 'tok-secret'],
        ['Update', 'Ready', 'reg-Ready', 'tok-rotated', 'tok-secret'],
        ['Update', 'Ready', 'reg-Ready', 'tok-secret', 'tok-rotated'],
        ['Update', 'Started', 'reg-Started', 'tok-secret', 'tok-rotated'],
      ]);
      const events = await stackEvents(api.cfn, stack.StackId!);
      expect(events.find((e) => e.ResourceStatus === 'UPDATE_FAILED')).toMatchObject({
        LogicalResourceId: 'Ready',
        ResourceStatusReason: expect.stringMatching(/^Received response status \[FAILED\] from custom resource\. Message returned: token not issued by this vendor \(RequestId: /),
        ClientRequestToken: 'req-tok-rotated',
      });
      expect(events.slice(-3).map(eventLine)).toEqual([
        `Started UPDATE_COMPLETE`,
        `${stack.StackName} UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS`,
        `${stack.StackName} UPDATE_ROLLBACK_COMPLETE`,
      ]);
    } finally {
      await topic.listener.close();
    }
  });
});
