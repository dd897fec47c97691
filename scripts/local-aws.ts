// Creates what serverless.yml's resources create on AWS, inside the emulator: the table, the
// idempotency table, the webhook delivery queue and its dead-letter queue, and per region a templates
// bucket and the two SNS topics (subscribed to the bridge).
import { CreateTableCommand, DynamoDBClient, ResourceInUseException } from '@aws-sdk/client-dynamodb';
import { CreateBucketCommand, PutBucketPolicyCommand, PutBucketVersioningCommand, S3Client } from '@aws-sdk/client-s3';
import { CreateTopicCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import { CreateQueueCommand, GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { TABLE_DEFINITION } from '../lib/provisioning/table.js';
import { DELIVERY_QUEUE_SETTINGS } from '../lib/webhooks/delivery-queue.js';

/** Names the local stack uses (stage `local` of serverless.yml). */
export const LOCAL_NAMES = {
  table: 'byob-local',
  idempotencyTable: 'byob-local-idempotency',
  templatesBucketPrefix: 'byob-local-templates',
  stackEventsTopic: 'byob-local-stack-events',
  registrationTopic: 'byob-local-registration',
  accountId: '123456789012',
} as const;

const credentials = { accessKeyId: 'testing', secretAccessKey: 'testing' };

/** The delivery queue and its dead-letter queue (serverless.yml `custom.deliveryQueueName`, stage local). */
export const LOCAL_QUEUE_NAMES = { deliveries: 'byob-local-deliveries.fifo', deadLetters: 'byob-local-deliveries-dlq.fifo' } as const;

/** A delivery queue made in the emulator. */
export interface LocalQueues {
  queueUrl: string;
  queueArn: string;
  deadLetterQueueUrl: string;
}

/** The names a local deployment uses (LOCAL_NAMES, or a test's own). */
export type LocalNames = typeof LOCAL_NAMES | { [K in keyof typeof LOCAL_NAMES]: string };

/**
 * The environment serverless.yml's `local` stage gives every function, for code that runs the service
 * in-process (tests, benchmarks) against the emulator: one definition instead of a copy per caller.
 */
export const localServiceEnv = (opts: {
  endpoint?: string;
  jwks: string;
  linkKey: string;
  names?: LocalNames;
  regions?: readonly string[];
  deliveryQueueUrl?: string;
}): Record<string, string> => {
  const names = opts.names ?? LOCAL_NAMES;
  return {
    LOCAL_MODE: 'true',
    AWS_REGION: 'eu-west-1',
    ...(opts.endpoint ? { AWS_ENDPOINT_URL: opts.endpoint, AWS_ACCESS_KEY_ID: credentials.accessKeyId, AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey } : {}),
    TABLE_NAME: names.table,
    IDEMPOTENCY_TABLE_NAME: names.idempotencyTable,
    SERVICE_ACCOUNT_ID: names.accountId,
    TEMPLATES_BUCKET_PREFIX: names.templatesBucketPrefix,
    STACK_EVENTS_TOPIC_NAME: names.stackEventsTopic,
    REGISTRATION_TOPIC_NAME: names.registrationTopic,
    VENDOR_ACCOUNT_ID: '830241207209',
    AUTH_ISSUER: 'byob-local',
    AUTH_AUDIENCE: 'byob-api',
    AUTH_JWKS: opts.jwks,
    QUICK_CREATE_LINK_KEY: opts.linkKey,
    ...(opts.regions ? { SUPPORTED_REGIONS: opts.regions.join(',') } : {}),
    ...(opts.deliveryQueueUrl ? { DELIVERY_QUEUE_URL: opts.deliveryQueueUrl } : {}),
  };
};

const queueArn = async (sqs: SQSClient, QueueUrl: string) =>
  (await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }))).Attributes!.QueueArn!;

/**
 * Makes the delivery queue and its dead-letter queue as serverless.yml declares them (FIFO,
 * DELIVERY_QUEUE_SETTINGS); a test may shorten the visibility timeout and the receive count.
 */
export const createDeliveryQueues = async (
  endpoint: string,
  region: string,
  names: { deliveries: string; deadLetters: string } = LOCAL_QUEUE_NAMES,
  settings: { visibilityTimeoutSeconds: number; maxReceiveCount: number } = DELIVERY_QUEUE_SETTINGS,
): Promise<LocalQueues> => {
  const sqs = new SQSClient({ endpoint, region, credentials });
  const fifo = { FifoQueue: 'true', MessageRetentionPeriod: String(DELIVERY_QUEUE_SETTINGS.retentionSeconds) };
  const dlq = await sqs.send(new CreateQueueCommand({ QueueName: names.deadLetters, Attributes: fifo }));
  const main = await sqs.send(
    new CreateQueueCommand({
      QueueName: names.deliveries,
      Attributes: {
        ...fifo,
        DeduplicationScope: 'messageGroup',
        FifoThroughputLimit: 'perMessageGroupId',
        VisibilityTimeout: String(settings.visibilityTimeoutSeconds),
        RedrivePolicy: JSON.stringify({ deadLetterTargetArn: await queueArn(sqs, dlq.QueueUrl!), maxReceiveCount: settings.maxReceiveCount }),
      },
    }),
  );
  const out = { queueUrl: main.QueueUrl!, queueArn: await queueArn(sqs, main.QueueUrl!), deadLetterQueueUrl: dlq.QueueUrl! };
  sqs.destroy();
  return out;
};

/**
 * Provisions the local resources; `bridgeUrl(fn)` is the HTTP endpoint that forwards a topic to a
 * function. Answers the delivery queue.
 */
export const bootstrapLocalAws = async (endpoint: string, regions: readonly string[], homeRegion: string, bridgeUrl: (fn: string) => string): Promise<LocalQueues> => {
  const ddb = new DynamoDBClient({ endpoint, region: homeRegion, credentials });
  for (const [TableName, def] of [
    [LOCAL_NAMES.table, TABLE_DEFINITION],
    [
      LOCAL_NAMES.idempotencyTable,
      { AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }], KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }], BillingMode: 'PAY_PER_REQUEST' },
    ],
  ] as const) {
    try {
      await ddb.send(new CreateTableCommand({ TableName, ...(structuredClone(def) as object) } as never));
    } catch (e) {
      if (!(e instanceof ResourceInUseException)) throw e;
    }
  }
  await Promise.all(
    regions.map(async (region) => {
      const s3 = new S3Client({ endpoint, region, credentials, forcePathStyle: true, requestChecksumCalculation: 'WHEN_REQUIRED' });
      const Bucket = `${LOCAL_NAMES.templatesBucketPrefix}-${region}`;
      await s3.send(new CreateBucketCommand({ Bucket, ...(region === 'us-east-1' ? {} : { CreateBucketConfiguration: { LocationConstraint: region as never } }) })).catch((e: Error) => {
        if (!/BucketAlreadyOwnedByYou|BucketAlreadyExists/.test(e.name)) throw e;
      });
      await s3.send(new PutBucketVersioningCommand({ Bucket, VersioningConfiguration: { Status: 'Enabled' } }));
      await s3.send(
        new PutBucketPolicyCommand({
          Bucket,
          Policy: JSON.stringify({
            Version: '2012-10-17',
            Statement: [{ Sid: 'PublicReadOfTemplates', Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: `arn:aws:s3:::${Bucket}/templates/*` }],
          }),
        }),
      );
      const sns = new SNSClient({ endpoint, region, credentials });
      for (const [name, fn] of [
        [LOCAL_NAMES.stackEventsTopic, 'stackEvents'],
        [LOCAL_NAMES.registrationTopic, 'registration'],
      ] as const) {
        const topic = await sns.send(new CreateTopicCommand({ Name: name }));
        await sns.send(new SubscribeCommand({ TopicArn: topic.TopicArn, Protocol: 'http', Endpoint: bridgeUrl(fn) }));
      }
    }),
  );
  return createDeliveryQueues(endpoint, homeRegion);
};
