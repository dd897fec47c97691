/** A quick-create request and CloudFormation's side of the custom resource protocol, as the quick-create tests need them. */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { SNSEvent } from 'aws-lambda';
import { expect } from 'vitest';
import { makeHandler } from '../../../handlers/registration.js';
import type { ByobRecord } from '../../../lib/provisioning/record.js';
import type { RegistrationDeps } from '../../../lib/quick-create/registration.js';
import { hashToken } from '../../../lib/quick-create/link.js';
import { REGION, T0, VENDOR_ACCOUNT } from '../../support/fakes.js';
import { quickCreateRecord, REQUEST_ID } from '../../support/records.js';

export const TOKEN = 'tok_3Jm9x2QbVw8Lr5Tn7Yc1Hs4K';
export const CUSTOMER = '111111111111';
export const OTHER_CUSTOMER = '222222222222';
export const TOPIC_ARN = `arn:aws:sns:${REGION}:${VENDOR_ACCOUNT}:byob-local-registration`;

/** A stack id in `account` and `region`, as CloudFormation makes them. */
export const stackIdOf = (account = CUSTOMER, region = REGION, name = 'byob-01jqc00000000000000000test') =>
  `arn:aws:cloudformation:${region}:${account}:stack/${name}/${randomUUID()}`;

/** A quick-create request waiting for the customer, its token ({@link TOKEN}) hashed as createByob stores it. */
export const awaitingRecord = (over: Partial<ByobRecord> = {}): ByobRecord =>
  quickCreateRecord({
    quickCreate: {
      url: 'https://eu-central-1.console.aws.amazon.com/cloudformation/home?region=eu-central-1#/stacks/quickcreate?templateURL=x',
      expiresAt: new Date(T0.getTime() + 72 * 3_600_000).toISOString(),
      tokenHash: hashToken(TOKEN),
      boundAccountId: null,
    },
    templateBucket: 'byob-local-templates-eu-central-1',
    ...over,
  });

/** The properties CloudFormation resolves for ByobStarted / ByobReady (every scalar sent as a string). */
export const startedProps = (over: Record<string, unknown> = {}) => ({ ServiceToken: TOPIC_ARN, RequestId: REQUEST_ID, Token: TOKEN, Phase: 'started', ...over });
export const readyProps = (account = CUSTOMER, over: Record<string, unknown> = {}) => ({
  ServiceToken: TOPIC_ARN,
  RequestId: REQUEST_ID,
  Token: TOKEN,
  Phase: 'ready',
  BucketName: 'acme-omega-artifacts',
  BucketArn: 'arn:aws:s3:::acme-omega-artifacts',
  KmsKeyArn: `arn:aws:kms:${REGION}:${account}:key/0d5f4f5e-1c3b-4c55-9a0f-1234567890ab`,
  Region: REGION,
  AccountId: account,
  ...over,
});

/**
 * A custom resource request as the CloudFormation docs show it ("Custom resource request objects"):
 * RequestType, ResponseURL, StackId, RequestId, ResourceType, LogicalResourceId, ResourceProperties,
 * PhysicalResourceId on Update/Delete and OldResourceProperties on Update.
 */
export const cfnRequest = (
  type: 'Create' | 'Update' | 'Delete',
  o: { responseUrl: string; stackId: string; logicalId?: string; properties?: Record<string, unknown>; physicalId?: string; old?: Record<string, unknown> },
) => ({
  RequestType: type,
  ServiceToken: TOPIC_ARN,
  ResponseURL: o.responseUrl,
  StackId: o.stackId,
  RequestId: randomUUID(),
  ResourceType: 'Custom::ByobRegistration',
  LogicalResourceId: o.logicalId ?? 'ByobStarted',
  ...(type === 'Create' ? {} : { PhysicalResourceId: o.physicalId ?? `${REQUEST_ID}-${o.logicalId ?? 'ByobStarted'}` }),
  ResourceProperties: o.properties ?? startedProps(),
  ...(type === 'Update' ? { OldResourceProperties: o.old ?? o.properties ?? startedProps() } : {}),
});

/** The Lambda event SNS delivers (docs: "Example Amazon SNS message event"), the request JSON in Sns.Message. */
export const snsEvent = (...messages: string[]): SNSEvent => ({
  Records: messages.map((Message) => ({
    EventVersion: '1.0',
    EventSubscriptionArn: `${TOPIC_ARN}:${randomUUID()}`,
    EventSource: 'aws:sns',
    Sns: {
      SignatureVersion: '1',
      Timestamp: T0.toISOString(),
      Signature: 'EXAMPLE',
      SigningCertUrl: 'https://sns.eu-central-1.amazonaws.com/SimpleNotificationService-0000000000000000000000.pem',
      MessageId: randomUUID(),
      Message,
      MessageAttributes: {},
      Type: 'Notification',
      UnsubscribeUrl: `https://sns.eu-central-1.amazonaws.com/?Action=Unsubscribe&SubscriptionArn=${TOPIC_ARN}:x`,
      TopicArn: TOPIC_ARN,
      Subject: 'AWS CloudFormation custom resource request',
    },
  })),
});

/** One PUT as the ResponseURL server received it. */
export interface ReceivedPut {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: string;
}

/** How the server answers the n-th request (0-based); the last entry repeats. */
export interface Reply {
  status: number;
  delayMs?: number;
}

/** A stand-in for CloudFormation's presigned S3 ResponseURL, on 127.0.0.1. */
export interface ResponseServer {
  url: (path?: string) => string;
  received: ReceivedPut[];
  /** The JSON bodies received, parsed. */
  answers: () => Array<Record<string, unknown>>;
  close: () => Promise<void>;
}

/** Starts a ResponseURL server on a free loopback port; the test that starts it closes it. */
export const startResponseServer = async (replies: Reply[] = [{ status: 200 }]): Promise<ResponseServer> => {
  const received: ReceivedPut[] = [];
  const timers = new Set<NodeJS.Timeout>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const reply = replies[Math.min(received.length, replies.length - 1)] ?? { status: 200 };
      received.push({ method: req.method ?? '', path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      const send = () => {
        if (!res.destroyed) res.writeHead(reply.status, { 'content-type': 'application/xml' }).end();
      };
      if (!reply.delayMs) return send();
      const t = setTimeout(() => {
        timers.delete(t);
        send();
      }, reply.delayMs);
      timers.add(t);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: (path = `/cloudformation-custom-resource-response/${randomUUID()}`) => `http://127.0.0.1:${port}${path}`,
    received,
    answers: () => received.map((r) => JSON.parse(r.body) as Record<string, unknown>),
    close: async () => {
      for (const t of timers) clearTimeout(t);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
};

/** A customer's stack in `account`: its id, and the requests CloudFormation sends for it, answered on `server`. */
export const customerStackOf = (server: ResponseServer, account = CUSTOMER, region = REGION) => {
  const stackId = stackIdOf(account, region);
  return {
    stackId,
    createStarted: (over: Record<string, unknown> = {}) => cfnRequest('Create', { responseUrl: server.url(), stackId, properties: startedProps(over) }),
    createReady: (over: Record<string, unknown> = {}) =>
      cfnRequest('Create', { responseUrl: server.url(), stackId, logicalId: 'ByobReady', properties: readyProps(account, over) }),
    deleteStarted: (over: Record<string, unknown> = {}) => cfnRequest('Delete', { responseUrl: server.url(), stackId, properties: startedProps(over) }),
    deleteReady: () => cfnRequest('Delete', { responseUrl: server.url(), stackId, logicalId: 'ByobReady', properties: readyProps(account) }),
    /** An Update of "started" from the properties `from` to `to` (a rollback sends it back: `to` the old ones, `from` the new). */
    updateStarted: (to: Record<string, unknown>, from: Record<string, unknown> = {}) =>
      cfnRequest('Update', { responseUrl: server.url(), stackId, properties: startedProps(to), old: startedProps(from) }),
    /** An Update of "ready", likewise. */
    updateReady: (to: Record<string, unknown>, from: Record<string, unknown> = {}) =>
      cfnRequest('Update', { responseUrl: server.url(), stackId, logicalId: 'ByobReady', properties: readyProps(account, to), old: readyProps(account, from) }),
  };
};

/** Sends one request through the Lambda handler, as SNS delivers it; returns the answer CloudFormation got on `server`. */
export const deliverTo = async (server: ResponseServer, deps: RegistrationDeps, request: object) => {
  const before = server.received.length;
  await makeHandler(deps)(snsEvent(JSON.stringify(request)));
  expect(server.received.length, 'exactly one answer per request').toBe(before + 1);
  return server.answers().at(-1)!;
};
