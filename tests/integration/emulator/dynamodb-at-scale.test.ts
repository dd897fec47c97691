import { randomUUID } from 'node:crypto';
import {
  BatchWriteItemCommand,
  CreateTableCommand,
  DynamoDBClient,
  GetItemCommand,
  QueryCommand,
  TransactionCanceledException,
  TransactWriteItemsCommand,
} from '@aws-sdk/client-dynamodb';
import { beforeAll, describe, expect, inject, it } from 'vitest';

// scripts/emulator/byob_moto/dynamodb_transactions.py and dynamodb_query.py: a transaction is still
// all-or-nothing and a key query still answers the same, but neither costs the whole table any more.
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

});

describe('Query on the table key, on the emulator', () => {
  const partition = async (pk: string, over: Partial<ConstructorParameters<typeof QueryCommand>[0]> = {}) =>
    ddb.send(new QueryCommand({ TableName: TABLE, KeyConditionExpression: 'pk = :pk AND begins_with(sk, :p)', ExpressionAttributeValues: { ':pk': { S: pk }, ':p': { S: 'Q#' } }, ...over }));

  it('answers the partition in key order, both ways, a page at a time, and nothing for an empty partition', async () => {
    await ddb.send(new BatchWriteItemCommand({ RequestItems: { [TABLE]: ['Q#3', 'Q#1', 'Q#2', 'X#1'].map((sk) => ({ PutRequest: { Item: { pk: { S: 'T#query' }, sk: { S: sk } } } })) } }));

    const all = await partition('T#query');
    const backwards = await partition('T#query', { ScanIndexForward: false });
    const first = await partition('T#query', { Limit: 2 });
    const rest = await partition('T#query', { ExclusiveStartKey: first.LastEvaluatedKey });

    expect(all.Items!.map((i) => i.sk!.S)).toEqual(['Q#1', 'Q#2', 'Q#3']);
    expect(backwards.Items!.map((i) => i.sk!.S)).toEqual(['Q#3', 'Q#2', 'Q#1']);
    expect([...first.Items!, ...rest.Items!].map((i) => i.sk!.S)).toEqual(['Q#1', 'Q#2', 'Q#3']);
    expect((await partition('T#nobody')).Items).toEqual([]);
  });
});

describe('the cost of a call on a large table', () => {
  const timed = async (call: () => Promise<unknown>) => {
    const t0 = performance.now();
    for (let i = 0; i < 20; i++) await call();
    return (performance.now() - t0) / 20;
  };
  const transaction = () => ddb.send(new TransactWriteItemsCommand({ TransactItems: [{ Put: { TableName: TABLE, Item: { ...key(`T#${randomUUID()}`), v: { N: '1' } } } }] }));
  const query = () => ddb.send(new QueryCommand({ TableName: TABLE, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': { S: 'T#acme' } }, Limit: 5 }));

  it('is what the call touches, not the table: as fast among 5,000 other items as among a few', async () => {
    const small = { transaction: await timed(transaction), query: await timed(query) };
    for (let start = 0; start < 5_000; start += 25) {
      await ddb.send(
        new BatchWriteItemCommand({ RequestItems: { [TABLE]: Array.from({ length: 25 }, (_, i) => ({ PutRequest: { Item: { pk: { S: `T#filler-${start + i}` }, sk: { S: 'R#1' }, pad: { S: 'x'.repeat(200) } } } })) } }),
      );
    }

    const large = { transaction: await timed(transaction), query: await timed(query) };

    // Unpatched, here: a transaction ~110 ms against ~3 ms, a query ~38 ms against ~5 ms.
    expect(large.transaction).toBeLessThan(3 * small.transaction + 10);
    expect(large.query).toBeLessThan(3 * small.query + 10);
  });
});
