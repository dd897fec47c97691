import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CloudFormationClient, DescribeStackEventsCommand, DescribeStacksCommand, type Stack, type StackEvent } from '@aws-sdk/client-cloudformation';
import { KMSClient } from '@aws-sdk/client-kms';
import { S3Client } from '@aws-sdk/client-s3';
import { SNSClient } from '@aws-sdk/client-sns';
import { STSClient } from '@aws-sdk/client-sts';

/** Static credentials; moto maps the access key id to an account. */
export interface Credentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

/** The region every emulator test uses. */
export const region = 'eu-west-1';

/** Credentials moto maps to its default account, 123456789012. */
export const defaultCredentials: Credentials = { accessKeyId: 'testing', secretAccessKey: 'testing' };

/** SDK clients pointed at the emulator, configured as the field notes require. */
export const clients = (endpoint: string, credentials: Credentials = defaultCredentials) => ({
  cfn: new CloudFormationClient({ endpoint, region, credentials, maxAttempts: 1 }),
  s3: new S3Client({
    endpoint,
    region,
    credentials,
    forcePathStyle: true,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  }),
  kms: new KMSClient({ endpoint, region, credentials }),
  sns: new SNSClient({ endpoint, region, credentials }),
  sts: new STSClient({ endpoint, region, credentials }),
});

/** A name no other test in the shared emulator uses (S3 and stack naming rules). */
export const uniqueName = (prefix: string) => `${prefix}-${randomBytes(5).toString('hex')}`;

/** A fixture template from tests/fixtures/emulator, as text. */
export const fixture = (name: string) => readFileSync(new URL(`../../fixtures/emulator/${name}`, import.meta.url), 'utf8');

/** Drops the SDK's response metadata so two Get* answers compare by content. */
export const content = <T extends { $metadata?: unknown }>(answer: T): Omit<T, '$metadata'> => {
  const { $metadata: _ignored, ...rest } = answer;
  return rest;
};

/** Polls DescribeStacks until the stack leaves every *_IN_PROGRESS status. */
export const waitForStack = async (cfn: CloudFormationClient, stackId: string, timeoutMs = 30_000): Promise<Stack> => {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { Stacks } = await cfn.send(new DescribeStacksCommand({ StackName: stackId }));
    const stack = Stacks?.[0];
    if (stack && !stack.StackStatus?.endsWith('_IN_PROGRESS')) return stack;
    if (Date.now() > deadline) throw new Error(`stack ${stackId} still ${stack?.StackStatus} after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
};

/** A notification as SNS POSTs it to an HTTP subscriber. */
export interface SnsNotification {
  Type: string;
  Subject?: string;
  Message: string;
  TopicArn: string;
}

/** An HTTP subscriber on 127.0.0.1: acks every POST at once, then hands the notification on. */
export interface SnsListener {
  url: string;
  notifications: SnsNotification[];
  close: () => Promise<void>;
}

const readBody = (req: IncomingMessage) =>
  new Promise<string>((resolve, reject) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => resolve(body));
    req.on('error', reject);
  });

/** Starts a listener on a free loopback port; the test that opens it closes it. */
export const startSnsListener = async (onNotification: (n: SnsNotification) => void = () => {}): Promise<SnsListener> => {
  const notifications: SnsNotification[] = [];
  const server: Server = createServer((req, res) => {
    void readBody(req).then((body) => {
      res.writeHead(200).end();
      const parsed = JSON.parse(body) as SnsNotification;
      if (parsed.Type !== 'Notification') return;
      notifications.push(parsed);
      onNotification(parsed);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    notifications,
    close: () => new Promise<void>((resolve, reject) => server.close((err) => (err ? reject(err) : resolve()))),
  };
};

/** Parses a CloudFormation stack notification (Key='value' lines) into a record. */
export const parseStackEvent = (message: string): Record<string, string> =>
  Object.fromEntries(
    message
      .split('\n')
      .map((line) => /^(\w+)='(.*)'$/s.exec(line))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => [m[1] as string, m[2] as string]),
  );

/** Waits until a predicate over collected items holds. */
export const eventually = async (check: () => boolean, timeoutMs = 10_000, what = 'condition') => {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
};

/** A stack's events, oldest first (DescribeStackEvents answers newest first). */
export const stackEvents = async (cfn: CloudFormationClient, stackId: string): Promise<StackEvent[]> => {
  const { StackEvents = [] } = await cfn.send(new DescribeStackEventsCommand({ StackName: stackId }));
  return [...StackEvents].reverse();
};

/** An event as `LogicalResourceId STATUS`, to compare sequences at a glance. */
export const eventLine = (e: Pick<StackEvent, 'LogicalResourceId' | 'ResourceStatus'>) => `${e.LogicalResourceId} ${e.ResourceStatus}`;

/** One IAM Query API call, answering the XML (the project has no IAM client: the API itself never calls IAM); moto checks no signature. */
export const iamQuery = async (endpoint: string, params: Record<string, string>): Promise<string> => {
  const res = await fetch(endpoint, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: `AWS4-HMAC-SHA256 Credential=${defaultCredentials.accessKeyId}/20260101/us-east-1/iam/aws4_request, SignedHeaders=host, Signature=0`,
    },
    body: new URLSearchParams({ Version: '2010-05-08', ...params }),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`IAM ${params.Action}: ${res.status} ${text}`);
  return text;
};

/** A role's trust policy, read with GetRole (AWS answers it URL-encoded, moto as plain JSON: both read). */
export const roleTrustPolicy = async (endpoint: string, roleName: string): Promise<{ Statement: Array<{ Principal: { AWS: string | string[] } }> }> => {
  const xml = await iamQuery(endpoint, { Action: 'GetRole', RoleName: roleName });
  const encoded = /<AssumeRolePolicyDocument>([\s\S]*?)<\/AssumeRolePolicyDocument>/.exec(xml)?.[1];
  if (encoded === undefined) throw new Error(`GetRole ${roleName} answered no trust policy`);
  return JSON.parse(decodeURIComponent(encoded.replace(/&quot;/g, '"').replace(/&amp;/g, '&')));
};
