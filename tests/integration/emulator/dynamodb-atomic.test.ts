import { ConditionalCheckFailedException, CreateTableCommand, DeleteTableCommand, DynamoDBClient, PutItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { uniqueName } from './emulator-support.js';

// scripts/emulator/byob_moto/dynamodb_atomic.py: moto serves requests on threads and its DynamoDB
// backend checks a condition and writes with no lock; AWS serialises writes to an item. Many writers
// at once, as the team lock, the idempotency keys and the schedule-slot counter meet them.
const ddb = new DynamoDBClient({ endpoint: inject('emulatorEndpoint'), region: 'eu-west-1', credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } });
const TableName = uniqueName('atomic');
const WRITERS = 100;

beforeAll(async () => {
  await ddb.send(
    new CreateTableCommand({ TableName, KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }], AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }], BillingMode: 'PAY_PER_REQUEST' }),
  );
});
afterAll(async () => {
  await ddb.send(new DeleteTableCommand({ TableName }));
});

describe('DynamoDB writes under concurrency', () => {
  it('ADD on one counter from many writers at once gives each a distinct value', async () => {
    const values = await Promise.all(
      Array.from({ length: WRITERS }, async () => {
        const out = await ddb.send(
          new UpdateItemCommand({ TableName, Key: { pk: { S: 'counter' } }, UpdateExpression: 'ADD n :one', ExpressionAttributeValues: { ':one': { N: '1' } }, ReturnValues: 'UPDATED_NEW' }),
        );
        return Number(out.Attributes!.n!.N);
      }),
    );

    expect(values.sort((a, b) => a - b)).toEqual(Array.from({ length: WRITERS }, (_, i) => i + 1));
  });

  it('a put conditioned on the item being absent succeeds for exactly one of many writers', async () => {
    const outcomes = await Promise.allSettled(
      Array.from({ length: WRITERS }, (_, i) =>
        ddb.send(new PutItemCommand({ TableName, Item: { pk: { S: 'lock' }, owner: { N: String(i) } }, ConditionExpression: 'attribute_not_exists(pk)' })),
      ),
    );

    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
    const refused = outcomes.filter((o): o is PromiseRejectedResult => o.status === 'rejected');
    expect(refused).toHaveLength(WRITERS - 1);
    for (const r of refused) expect(r.reason).toBeInstanceOf(ConditionalCheckFailedException);
  });
});
