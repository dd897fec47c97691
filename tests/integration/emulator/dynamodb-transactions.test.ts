import { randomUUID } from 'node:crypto';
import { BatchWriteItemCommand, CreateTableCommand, DynamoDBClient, GetItemCommand, TransactionCanceledException, TransactWriteItemsCommand } from '@aws-sdk/client-dynamodb';
import { beforeAll, describe, expect, inject, it } from 'vitest';

// scripts/emulator/byob_moto/dynamodb_transactions.py: a transaction is still all-or-nothing, and no
// longer costs a copy of the whole table.
const ddb = new DynamoDBClient({ endpoint: inject('emulatorEndpoint'), region: 'eu-west-1', credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' }, maxAttempts: 1 });
const TABLE = `tx-${randomUUID().slice(0, 8)}`;
const key = (sk: string) => ({ pk: { S: 'T#acme' }, sk: { S: sk } });
const get = async (sk: string) => (await ddb.send(new GetItemCommand({ TableName: TABLE, Key: key(sk), ConsistentRead: true }))).Item;

beforeAll(async () => {
  await ddb.send(
    new CreateTableCommand({
      TableName: TABLE,
      AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }, { AttributeName: 'sk', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }, { AttributeName: 'sk', KeyType: 'RANGE' }],
      BillingMode: 'PAY_PER_REQUEST',
    }),
  );
  await ddb.send(new TransactWriteItemsCommand({ TransactItems: [{ Put: { TableName: TABLE, Item: { ...key('R#1'), v: { N: '1' } } } }, { Put: { TableName: TABLE, Item: { ...key('A#lock'), holder: { S: '1' } } } }] }));
});

describe('TransactWriteItems on the emulator', () => {
  it('applies every item when every condition holds', async () => {
    await ddb.send(
      new TransactWriteItemsCommand({
        TransactItems: [
          { Put: { TableName: TABLE, Item: { ...key('R#2'), v: { N: '1' } }, ConditionExpression: 'attribute_not_exists(pk)' } },
          { Update: { TableName: TABLE, Key: key('R#1'), UpdateExpression: 'SET v = :two', ConditionExpression: 'v = :one', ExpressionAttributeValues: { ':one': { N: '1' }, ':two': { N: '2' } } } },
        ],
      }),
    );

    expect(await get('R#2')).toMatchObject({ v: { N: '1' } });
    expect(await get('R#1')).toMatchObject({ v: { N: '2' } });
  });

  it('leaves every item as it was when one condition fails, including those written before it', async () => {
    const failing = ddb.send(
      new TransactWriteItemsCommand({
        TransactItems: [
          { Put: { TableName: TABLE, Item: { ...key('R#3'), v: { N: '1' } } } },
          { Delete: { TableName: TABLE, Key: key('A#lock') } },
          { Update: { TableName: TABLE, Key: key('R#1'), UpdateExpression: 'SET v = :nine', ExpressionAttributeValues: { ':nine': { N: '9' } } } },
          { ConditionCheck: { TableName: TABLE, Key: key('R#2'), ConditionExpression: 'v = :seven', ExpressionAttributeValues: { ':seven': { N: '7' } } } },
        ],
      }),
    );

    const error = await failing.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TransactionCanceledException);
    expect((error as TransactionCanceledException).CancellationReasons?.map((r) => r.Code)).toEqual(['None', 'None', 'None', 'ConditionalCheckFailed']);
    expect(await get('R#3')).toBeUndefined();
    expect(await get('A#lock')).toMatchObject({ holder: { S: '1' } });
    expect(await get('R#1')).toMatchObject({ v: { N: '2' } });
  });

  it("costs what it touches, not the table: as fast on 5,000 items as on a few", async () => {
    const timeTransactions = async () => {
      const t0 = performance.now();
      for (let i = 0; i < 20; i++) {
        await ddb.send(new TransactWriteItemsCommand({ TransactItems: [{ Put: { TableName: TABLE, Item: { ...key(`T#${randomUUID()}`), v: { N: '1' } } } }] }));
      }
      return (performance.now() - t0) / 20;
    };
    const small = await timeTransactions();
    for (let start = 0; start < 5_000; start += 25) {
      await ddb.send(
        new BatchWriteItemCommand({ RequestItems: { [TABLE]: Array.from({ length: 25 }, (_, i) => ({ PutRequest: { Item: { ...key(`F#${start + i}`), pad: { S: 'x'.repeat(200) } } } })) } }),
      );
    }

    const large = await timeTransactions();

    expect(large).toBeLessThan(Math.max(5 * small, 50));
  });
});
